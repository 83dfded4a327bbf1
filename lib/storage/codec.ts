/**
 * KV keys and values as plain JSON, for the export file. JSON has no bytes, bigints, dates,
 * `Deno.KvU64`, `undefined`, Map, Set or non-finite numbers, all of which KV can store: those
 * become tagged objects `{"$t": tag, "v": …}`, and a stored object that itself has a `$t`
 * field is wrapped (`{"$t": "obj", "v": …}`) so no value can pass for a tag.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A KV value (anything structured-cloneable KV keeps) as JSON. Throws on what KV cannot hold. */
export function encodeValue(value: unknown): Json {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (value === undefined) return { $t: "undef" };
  if (typeof value === "number") {
    if (Object.is(value, -0)) return { $t: "num", v: "-0" }; // String(-0) is "0"
    return Number.isFinite(value) ? value : { $t: "num", v: String(value) };
  }
  if (typeof value === "bigint") return { $t: "big", v: value.toString() };
  if (value instanceof Deno.KvU64) return { $t: "u64", v: value.value.toString() };
  if (value instanceof Uint8Array) return { $t: "bytes", v: value.toBase64() };
  if (value instanceof Date) return { $t: "date", v: value.toISOString() };
  if (value instanceof Map) {
    return { $t: "map", v: [...value].map(([k, v]) => [encodeValue(k), encodeValue(v)]) };
  }
  if (value instanceof Set) return { $t: "set", v: [...value].map(encodeValue) };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeValue(v);
    return "$t" in out ? { $t: "obj", v: out } : out;
  }
  throw new TypeError(`Cannot export a value of type ${Object.prototype.toString.call(value)}`);
}

/** The inverse of encodeValue. Throws TypeError on an unknown tag. */
export function decodeValue(json: unknown): unknown {
  if (json === null || typeof json !== "object") return json;
  if (Array.isArray(json)) return json.map(decodeValue);
  const record = json as Record<string, unknown>;
  if (typeof record.$t !== "string") return decodeObject(record);
  const v = record.v;
  switch (record.$t) {
    case "undef":
      return undefined;
    case "num":
      return Number(v);
    case "big":
      return BigInt(String(v));
    case "u64":
      return new Deno.KvU64(BigInt(String(v)));
    case "bytes":
      return Uint8Array.fromBase64(String(v));
    case "date":
      return new Date(String(v));
    case "map":
      return new Map((v as [unknown, unknown][]).map(([k, x]) => [decodeValue(k), decodeValue(x)]));
    case "set":
      return new Set((v as unknown[]).map(decodeValue));
    case "obj":
      return decodeObject(v as Record<string, unknown>);
  }
  throw new TypeError(`Unknown tag in export: ${record.$t}`);
}

function decodeObject(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = decodeValue(v);
  return out;
}

/** A key's parts (string, number, bigint, boolean, bytes) as JSON. */
export function encodeKey(key: Deno.KvKey): Json[] {
  return key.map(encodeValue);
}

/** The inverse of encodeKey. Throws TypeError for a part a KV key cannot have. */
export function decodeKey(json: unknown): Deno.KvKey {
  if (!Array.isArray(json)) throw new TypeError("A key must be an array.");
  return json.map((part) => {
    const p = decodeValue(part);
    if (
      typeof p === "string" || typeof p === "number" || typeof p === "bigint" ||
      typeof p === "boolean" || p instanceof Uint8Array
    ) return p;
    throw new TypeError("A key part must be a string, number, bigint, boolean or bytes.");
  });
}
