/**
 * A message's clientId, chosen by the sender so that a send tried again is stored once: a
 * UUIDv7 (RFC 9562), whose first 48 bits are the time in ms. The server keeps a UUIDv7's
 * entry with the time first (lib/storage/keys.ts, clientIdByTimeKey), so the entries of one
 * commit land together instead of on a page each. Any other id up to 64 characters is still
 * taken (older clients and programs).
 */
export function newClientId(now = Date.now()): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let t = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70; // version 7
  b[8] = (b[8] & 0x3f) | 0x80; // the RFC's variant
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${
    hex.slice(20)
  }`;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** When a UUIDv7 was minted, by its first 48 bits (ms since the epoch). */
export function timeOfId(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** Whether `id` is a UUIDv7 in lower case, as newClientId makes them. */
export function isTimeOrderedId(id: string): boolean {
  return UUID_V7.test(id);
}
