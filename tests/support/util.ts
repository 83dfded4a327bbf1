/**
 * Small test utilities with no app import (bytes, numbers, headers, time), so the unit tests in
 * lib/ can share them with the HTTP and WebSocket tests without loading the whole app.
 */
import assert from "node:assert/strict";

/** The integers from `from` to `to`, both included. */
export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The `seq` of each message, in order. */
export const seqs = (messages: { seq: number }[]): number[] => messages.map((m) => m.seq);

/** Waits for the clock to move on, so "most recent" cannot tie within a millisecond. */
export async function nextMillisecond(): Promise<void> {
  const start = Date.now();
  while (Date.now() === start) await new Promise((r) => setTimeout(r, 1));
}

/** `n` random bytes (getRandomValues fills at most 64 KiB per call). */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  return bytes;
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** How many keys a store holds under `prefix`. */
export async function countKeys(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

/** The kind, ASCII fallback and decoded filename* of a Content-Disposition value. */
export function parseDisposition(value: string | null) {
  const match = /^(attachment|inline); filename="([^"\\]*)"; filename\*=UTF-8''([^\s;"]*)$/.exec(
    value ?? "",
  );
  assert.ok(match, `unexpected Content-Disposition: ${value}`);
  return { kind: match[1], fallback: match[2], name: decodeURIComponent(match[3]) };
}

/** A PNG's signature and the head of its IHDR chunk: enough for a type sniffer to say PNG. */
// deno-fmt-ignore
export const PNG_HEAD = [
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
];

/** A whole one-pixel PNG. */
// deno-fmt-ignore
export const PNG = new Uint8Array([
  ...PNG_HEAD,
  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
  0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
  0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
  0x42, 0x60, 0x82,
]);

/**
 * Polls `probe` until it returns true, for what converges in the background (another
 * process's change); fails after `boundMs`, a generous bound, never a timed assertion.
 */
export async function eventually(
  probe: () => Promise<boolean>,
  what: string,
  boundMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not within ${boundMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs `fn` on a fresh in-memory store, closing it afterwards. */
export async function withKv(fn: (kv: Deno.Kv) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}
