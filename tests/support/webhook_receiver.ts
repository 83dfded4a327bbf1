/**
 * A real outgoing-webhook receiver for tests: a Deno.serve on 127.0.0.1 (port 0, or a given
 * port to come back on after `stop`) that checks each delivery's X-Hearth-Signature against
 * the secret it was given (HMAC-SHA256 of the exact body bytes, compared in constant time),
 * records every request, and answers as told: 200 (with `{text}` when `reply` is set), a
 * status such as 503 for the next few (`failNext`), or 401 for a bad signature.
 */

export type ReceivedDelivery = {
  /** X-Hearth-Delivery. */
  id: string;
  event: string | null;
  signature: string | null;
  /** The signature matched the body with the secret. */
  verified: boolean;
  userAgent: string | null;
  contentType: string | null;
  // deno-lint-ignore no-explicit-any
  body: any;
  /** What the receiver answered. */
  answered: number;
};

export type WebhookReceiver = {
  url: string;
  port: number;
  /** The secret deliveries are checked with (set it from the webhook's creation). */
  secret: string | null;
  /** Every request, in order (failed and refused ones too). */
  deliveries: ReceivedDelivery[];
  /** Answer 2xx deliveries with `{text}` built from the delivery (null: an empty 200). */
  reply: ((d: ReceivedDelivery) => string) | null;
  /** The next `count` requests get `status` (and `Retry-After` when given). */
  failNext(count: number, status?: number, retryAfter?: string): void;
  /** Resolves once `count` requests matching `where` (default: answered 2xx) have come. */
  waitFor(
    count: number,
    options?: { timeoutMs?: number; where?: (d: ReceivedDelivery) => boolean },
  ): Promise<ReceivedDelivery[]>;
  stop(): Promise<void>;
};

export async function hmacHex(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body as BufferSource));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const ok = (d: ReceivedDelivery) => d.answered >= 200 && d.answered < 300;

export function startWebhookReceiver(
  options: { port?: number; secret?: string } = {},
): WebhookReceiver {
  let failures: { count: number; status: number; retryAfter?: string } = { count: 0, status: 503 };
  const waiters = new Set<() => void>();
  const receiver: WebhookReceiver = {
    url: "",
    port: 0,
    secret: options.secret ?? null,
    deliveries: [],
    reply: null,
    failNext(count, status = 503, retryAfter) {
      failures = { count, status, retryAfter };
    },
    async waitFor(count, { timeoutMs = 15_000, where = ok } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = receiver.deliveries.filter(where);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `waited for ${count} deliveries, got ${found.length} of ${receiver.deliveries.length}`,
          );
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, 100);
          waiters.add(wake);
        });
      }
    },
    stop: async () => {
      await server.shutdown();
    },
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
    async (req) => {
      const bytes = new Uint8Array(await req.arrayBuffer());
      const signature = req.headers.get("x-hearth-signature");
      const expected = receiver.secret ? `sha256=${await hmacHex(receiver.secret, bytes)}` : "";
      const verified = receiver.secret !== null && signature !== null &&
        sameText(signature, expected);
      let body: unknown = null;
      try {
        body = JSON.parse(new TextDecoder().decode(bytes));
      } catch { /* recorded as null */ }
      const delivery: ReceivedDelivery = {
        id: req.headers.get("x-hearth-delivery") ?? "",
        event: req.headers.get("x-hearth-event"),
        signature,
        verified,
        userAgent: req.headers.get("user-agent"),
        contentType: req.headers.get("content-type"),
        body,
        answered: 200,
      };
      let res: Response;
      if (failures.count > 0) {
        failures.count--;
        const headers: Record<string, string> = {};
        if (failures.retryAfter) headers["retry-after"] = failures.retryAfter;
        res = new Response("not now", { status: failures.status, headers });
      } else if (receiver.secret && !verified) {
        res = new Response("bad signature", { status: 401 });
      } else if (receiver.reply) {
        res = Response.json({ text: receiver.reply(delivery) });
      } else {
        res = new Response(null, { status: 200 });
      }
      delivery.answered = res.status;
      receiver.deliveries.push(delivery);
      for (const wake of [...waiters]) wake();
      return res;
    },
  );
  receiver.port = server.addr.port;
  receiver.url = `http://127.0.0.1:${server.addr.port}/hook`;
  return receiver;
}
