/**
 * Web Push, the site's side (RFC 8030, 8291, 8292): the VAPID key pair (made once, kept in KV,
 * the private half never sent) and each person's subscriptions (the push service's https
 * address a browser gave, and the keys it encrypts to). Sending is push_send.ts.
 */
import { z } from "zod";
import { ValidationError } from "../errors.ts";
import { addressRefusal } from "../outbound/mod.ts";
import {
  commitWithRetry,
  getManyChunked,
  pushEndpointKey,
  pushSubCountKey,
  pushSubKey,
  pushSubsPrefix,
  vapidKey,
} from "../storage/mod.ts";

/** The site's VAPID key pair, base64url: the public key a 65-byte P-256 point, the private 32. */
export type VapidKeys = { publicKey: string; privateKey: string; createdAt: string };

/** A person's subscription as stored (by the hash of its endpoint). */
export type PushSubscriptionRecord = {
  endpoint: string;
  /** The session that subscribed: signing that session out unsubscribes the device. */
  sessionId?: string;
  /** The browser's P-256 public key (65 bytes) and auth secret (16 bytes), base64url. */
  p256dh: string;
  auth: string;
  createdAt: string;
};

/** What one person may keep: a browser that re-subscribes replaces the oldest beyond this. */
export const MAX_PUSH_SUBSCRIPTIONS = 10;
export const MAX_ENDPOINT_LENGTH = 2048;

const known = new WeakMap<Deno.Kv, Promise<VapidKeys>>();

/**
 * The site's VAPID keys: read, or made on first use in a checked commit (two processes that
 * start together agree on the one that landed). Cached per store.
 */
export function vapidKeys(kv: Deno.Kv): Promise<VapidKeys> {
  let keys = known.get(kv);
  if (!keys) {
    keys = loadOrMakeVapidKeys(kv);
    keys.catch(() => known.delete(kv));
    known.set(kv, keys);
  }
  return keys;
}

/** The stored keys, or new ones stored in a checked commit (uncached: vapidKeys caches). */
export async function loadOrMakeVapidKeys(kv: Deno.Kv): Promise<VapidKeys> {
  for (;;) {
    const stored = await kv.get<VapidKeys>(vapidKey());
    if (stored.value) return stored.value;
    const made = await makeVapidKeys();
    const res = await kv.atomic().check(stored).set(vapidKey(), made).commit();
    if (res.ok) return made;
  }
}

/** A fresh ES256 (P-256) key pair in the form web-push and browsers take. */
export async function makeVapidKeys(): Promise<VapidKeys> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return {
    publicKey: toBase64Url(raw),
    privateKey: jwk.d!,
    createdAt: new Date().toISOString(),
  };
}

export function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** base64url (padded or not; plain base64 too, as some browsers gave) → bytes; null if not. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_+/-]*={0,2}$/.test(text)) return null;
  const plain = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (plain.length % 4 === 1) return null;
  try {
    const s = atob(plain + "=".repeat((4 - (plain.length % 4)) % 4));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** The body of `POST /api/push/subscriptions`, as `PushSubscription.toJSON()` gives it. */
export const pushSubscriptionSchema = z.object({
  endpoint: z.string().min(1).max(MAX_ENDPOINT_LENGTH).pipe(z.url({ protocol: /^https?$/ })),
  keys: z.object({
    p256dh: z.string().min(1).max(200),
    auth: z.string().min(1).max(100),
  }),
  // Browsers send it (null for most push services); not used.
  expirationTime: z.number().nullable().optional(),
});
export type PushSubscriptionInput = z.infer<typeof pushSubscriptionSchema>;

export const pushEndpointSchema = z.object({
  endpoint: z.string().min(1).max(MAX_ENDPOINT_LENGTH),
});

/**
 * Checks what a browser gave beyond its shape: the keys are a P-256 point and a 16-byte secret;
 * the endpoint is https (plain http only where private push services are allowed, for tests)
 * and, when its host is an address, not one refused (the name's addresses are checked when
 * each push leaves: lib/outbound/address.ts). ValidationError (400) otherwise.
 */
export function checkSubscription(
  input: PushSubscriptionInput,
  allowPrivate: boolean,
): PushSubscriptionRecord {
  const url = new URL(input.endpoint);
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    throw new ValidationError("The push service's address must be https.", {
      endpoint: "must be an https address",
    });
  }
  if (url.username || url.password) {
    throw new ValidationError("The push service's address may not hold a name or password.", {
      endpoint: "no credentials in the address",
    });
  }
  const refusal = addressRefusal(url.hostname, allowPrivate);
  if (refusal) {
    throw new ValidationError(`The push service's address is refused: ${refusal}.`, {
      endpoint: refusal,
    });
  }
  const p256dh = fromBase64Url(input.keys.p256dh);
  if (!p256dh || p256dh.length !== 65 || p256dh[0] !== 4 || !isP256Point(p256dh)) {
    throw new ValidationError("The subscription's p256dh key is not a P-256 public key.", {
      "keys.p256dh": "must be a 65-byte uncompressed P-256 point, base64url",
    });
  }
  const auth = fromBase64Url(input.keys.auth);
  if (!auth || auth.length !== 16) {
    throw new ValidationError("The subscription's auth secret must be 16 bytes.", {
      "keys.auth": "must be 16 bytes, base64url",
    });
  }
  return {
    endpoint: url.href,
    p256dh: toBase64Url(p256dh),
    auth: toBase64Url(auth),
    createdAt: new Date().toISOString(),
  };
}

/** P-256 (secp256r1): y² = x³ − 3x + b over p. Web Crypto's import does not check this. */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

/** Whether a 65-byte uncompressed point lies on P-256 (and is not the point at infinity). */
export function isP256Point(raw: Uint8Array): boolean {
  if (raw.length !== 65 || raw[0] !== 4) return false;
  const num = (b: Uint8Array) => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
  const x = num(raw.subarray(1, 33));
  const y = num(raw.subarray(33));
  if (x >= P || y >= P) return false;
  const mod = (n: bigint) => ((n % P) + P) % P;
  return mod(y * y) === mod(x * x * x - 3n * x + B);
}

/**
 * A subscription's key part: the SHA-256 of its endpoint (as a URL writes it: the same address
 * however it was spelled), base64url.
 */
export async function endpointHash(endpoint: string): Promise<string> {
  let href = endpoint;
  try {
    href = new URL(endpoint).href;
  } catch { /* not a URL: hashed as given (it matches nothing stored) */ }
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(href));
  return toBase64Url(new Uint8Array(digest));
}

/**
 * Keeps a subscription for `userId` (the same endpoint again replaces its keys). A browser's
 * subscription belongs to one account: the one that gave it last (someone else signed in on
 * that browser), so the previous holder's entry goes in the same commit. Beyond
 * MAX_PUSH_SUBSCRIPTIONS the oldest goes: browsers make a new one after a reinstall and seldom
 * say the old one is gone.
 */
export async function saveSubscription(
  kv: Deno.Kv,
  userId: string,
  sub: PushSubscriptionRecord,
): Promise<void> {
  const hash = await endpointHash(sub.endpoint);
  await commitWithRetry(async () => {
    // The counts first, then the lists: a commit that changes a list after it moves its count.
    const [holder, count] = await kv.getMany<[string, number]>([
      pushEndpointKey(hash),
      pushSubCountKey(userId),
    ]);
    const entries = await listEntries(kv, userId);
    const others = entries.filter((e) => e.key.at(-1) !== hash)
      .sort((a, b) => a.value.createdAt.localeCompare(b.value.createdAt));
    const evicted = others.slice(0, Math.max(0, others.length - MAX_PUSH_SUBSCRIPTIONS + 1));
    const evictedHolders = evicted.length
      ? await kv.getMany<string[]>(evicted.map((e) => pushEndpointKey(String(e.key.at(-1)))))
      : [];
    const op = kv.atomic().check(holder, count);
    if (holder.value && holder.value !== userId) {
      // Someone else signed in on that browser before: their entry goes, and their count.
      const theirCount = await kv.get<number>(pushSubCountKey(holder.value));
      const theirs = await listEntries(kv, holder.value);
      op.check(theirCount).delete(pushSubKey(holder.value, hash));
      setCount(op, holder.value, theirs.filter((e) => e.key.at(-1) !== hash).length);
    }
    evicted.forEach((old, i) => {
      op.check(old).delete(old.key);
      const h = evictedHolders[i];
      if (h.value === userId) op.check(h).delete(h.key);
    });
    setCount(op, userId, others.length - evicted.length + 1);
    const res = await op.set(pushSubKey(userId, hash), sub).set(pushEndpointKey(hash), userId)
      .commit();
    return res.ok ? true : null;
  });
}

/** Forgets one of a person's subscriptions (nothing when they have none at that endpoint). */
export async function deleteSubscription(
  kv: Deno.Kv,
  userId: string,
  endpoint: string,
): Promise<void> {
  await forgetSubscription(kv, userId, await endpointHash(endpoint));
}

/** Forgets a person's subscription by its hash, and who holds its endpoint if it is them. */
export async function forgetSubscription(
  kv: Deno.Kv,
  userId: string,
  hash: string,
): Promise<void> {
  await commitWithRetry(async () => {
    const [holder, count] = await kv.getMany<[string, number]>([
      pushEndpointKey(hash),
      pushSubCountKey(userId),
    ]);
    const entries = await listEntries(kv, userId);
    const op = kv.atomic().check(holder, count).delete(pushSubKey(userId, hash));
    setCount(op, userId, entries.filter((e) => e.key.at(-1) !== hash).length);
    if (holder.value === userId) op.delete(holder.key);
    return (await op.commit()).ok ? true : null;
  });
}

/**
 * Forgets the subscriptions made by these sessions of the person (they signed out: a shared
 * computer must not go on showing their messages).
 */
export async function forgetSessionSubscriptions(
  kv: Deno.Kv,
  userId: string,
  sessionIds: string[],
): Promise<void> {
  const ended = new Set(sessionIds);
  for (const sub of await listSubscriptions(kv, userId)) {
    if (sub.sessionId && ended.has(sub.sessionId)) await forgetSubscription(kv, userId, sub.hash);
  }
}

/**
 * How many push subscriptions each person holds, in order (one read per ten people): kept
 * exact by every commit above that adds or removes one (the notifier lists only people
 * with some). A store written before the count is recounted by push_counts.ts.
 */
export async function pushSubscriptionCounts(kv: Deno.Kv, userIds: string[]): Promise<number[]> {
  const entries = await getManyChunked<number>(kv, userIds.map(pushSubCountKey));
  return entries.map((e) => e.value ?? 0);
}

/** Sets a person's count in `op` (none: the key goes). */
export function setCount(op: Deno.AtomicOperation, userId: string, count: number): void {
  if (count > 0) op.set(pushSubCountKey(userId), count);
  else op.delete(pushSubCountKey(userId));
}

/** A person's subscriptions with their key's hash (at most MAX_PUSH_SUBSCRIPTIONS and a few). */
export async function listSubscriptions(
  kv: Deno.Kv,
  userId: string,
): Promise<(PushSubscriptionRecord & { hash: string })[]> {
  return (await listEntries(kv, userId)).map((e) => ({
    ...e.value,
    hash: String(e.key.at(-1)),
  }));
}

/** A person's subscription entries (at most 4 × MAX_PUSH_SUBSCRIPTIONS). */
export async function listEntries(kv: Deno.Kv, userId: string) {
  const out: Deno.KvEntry<PushSubscriptionRecord>[] = [];
  const iter = kv.list<PushSubscriptionRecord>({ prefix: pushSubsPrefix(userId) }, {
    limit: 4 * MAX_PUSH_SUBSCRIPTIONS,
  });
  for await (const e of iter) out.push(e);
  return out;
}

/** Forgets every subscription of a person (their account is deleted). */
export async function deleteAllPushSubscriptions(kv: Deno.Kv, userId: string): Promise<void> {
  for (
    let batch = await listEntries(kv, userId);
    batch.length;
    batch = await listEntries(kv, userId)
  ) {
    for (const e of batch) await forgetSubscription(kv, userId, String(e.key.at(-1)));
  }
}
