/**
 * Sending one push (a "push" outbox job: one notification to one subscription). The request
 * is built in Web Crypto (push_crypto.ts: RFC 8291 aes128gcm encryption, RFC 8292 VAPID JWT)
 * and sent with lib/outbound's guardedFetch (the address checked, no redirects, a timeout).
 * 404/410: the subscription is gone and is deleted. 429 and 5xx: retried after Retry-After or
 * the queue's backoff. A network failure is retried; another 4xx, or a refused address, is
 * dropped with a warning (sending it again would be refused again).
 */
import type { Config } from "../../config.ts";
import { log } from "../ops/mod.ts";
import { AddressRefusedError, guardedFetch, type Job, type Outcome } from "../outbound/mod.ts";
import { pushSubKey } from "../storage/mod.ts";
import { forgetSubscription, type PushSubscriptionRecord, vapidKeys } from "./push.ts";
import { encryptPayload, vapidAuthorization } from "./push_crypto.ts";

/** What the service worker gets (JSON, encrypted): what to show and where a click goes. */
export type PushNotification = { title: string; body: string; url: string; tag: string };

export type PushJob = {
  userId: string;
  /** The subscription's key part (its endpoint's hash). */
  sub: string;
  notification: PushNotification;
  /** "high" for mentions and direct messages (delivered at once on a phone that dozes). */
  urgency: "high" | "normal";
};

export const PUSH_QUEUE = "push";
/** How long a push service keeps a push for a device that is offline (RFC 8030 TTL). */
export const PUSH_TTL_SECONDS = 24 * 60 * 60;
/** A Retry-After longer than this is taken as this. */
const MAX_RETRY_AFTER_MS = 60 * 60_000;

/** The "push" queue's handler for this store and configuration. */
export function pushHandler(
  kv: Deno.Kv,
  config: Pick<Config, "push">,
  options: { timeoutMs?: number } = {},
): (job: Job<PushJob>) => Promise<Outcome> {
  return async (job) => {
    const { userId, sub, notification, urgency } = job.payload;
    const entry = await kv.get<PushSubscriptionRecord>(pushSubKey(userId, sub));
    if (!entry.value) return "done"; // unsubscribed since
    const keys = await vapidKeys(kv);
    const { endpoint, p256dh, auth } = entry.value;
    const headers = new Headers({
      "Content-Type": "application/octet-stream",
      "Content-Encoding": "aes128gcm",
      TTL: String(PUSH_TTL_SECONDS),
      Urgency: urgency,
      Authorization: await vapidAuthorization(endpoint, keys, config.push.subject),
    });
    const payload = new TextEncoder().encode(JSON.stringify(notification));
    const body = await encryptPayload({ p256dh, auth }, payload);
    let res;
    try {
      res = await guardedFetch(endpoint, { method: "POST", headers, body }, {
        allowPrivate: config.push.allowPrivate,
        timeoutMs: options.timeoutMs ?? 15_000,
      });
    } catch (err) {
      if (err instanceof AddressRefusedError) {
        log("warn", "push not sent: address refused", { userId, reason: err.reason });
        return "done";
      }
      return { reason: `push service unreachable: ${err instanceof Error ? err.message : err}` };
    }
    const { status } = res;
    if (status >= 200 && status < 300) return "done";
    if (status === 404 || status === 410) {
      // The browser dropped it (or the push service expired it): never again.
      await forgetSubscription(kv, userId, sub);
      log("info", "push subscription gone", { userId, status });
      return "done";
    }
    if (status === 429 || status >= 500) {
      return { reason: `push service answered ${status}`, retryInMs: retryAfter(res.headers) };
    }
    log("warn", "push refused by the push service", {
      userId,
      status,
      answer: new TextDecoder().decode(res.body.subarray(0, 300)),
    });
    return "done";
  };
}

/** Retry-After (seconds or an HTTP date) in ms, capped; undefined when absent or unreadable. */
export function retryAfter(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}
