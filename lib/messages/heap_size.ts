/**
 * What a value holds in V8's heap, about: the measure of the caches that keep messages and
 * their formatting (history_cache.ts, markdown.tsx), so that they are bounded by what they
 * hold, not by a count or by their text alone (issue 15, item 12).
 */

/** A string's bytes in V8's heap: one per character when all are Latin-1, else two. */
export function stringBytes(s: string): number {
  return 16 + s.length * (/[\u0100-\uffff]/.test(s) ? 2 : 1);
}

/**
 * The bytes a value holds, about: each object, array and string with V8's overheads (within
 * a few percent of a measured page of messages heavy with reactions, over it for plain text,
 * about half of a measured formatting tree of many small nodes).
 */
export function bytesOf(value: unknown): number {
  if (typeof value === "string") return stringBytes(value);
  if (value === null || typeof value !== "object") return 8;
  if (Array.isArray(value)) {
    return value.reduce((n: number, v) => n + bytesOf(v), 32 + 8 * value.length);
  }
  let n = 32;
  for (const v of Object.values(value)) n += 8 + bytesOf(v);
  return n;
}
