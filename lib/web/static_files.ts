/**
 * Files served as they are on disk (issue 21): the content-hashed build under /assets/ and
 * the repository's static/ under /static/. Each text file is sent compressed as the request's
 * `Accept-Encoding` asks (brotli preferred): the build's from the `.br`/`.gz` files written
 * beside it at build time (precompress.ts), static/'s compressed once per process and kept
 * (they are a few KB). Every answer has its length, a strong ETag per encoding (a conditional
 * request gets 304), and `Vary: Accept-Encoding` when the file has encoded forms. A Range
 * request gets the whole identity (ranges are not offered: `Accept-Ranges: none`). Encoded
 * forms are used only while the file has the bytes they were made from (and decode to), so
 * one changed under a running server is never answered stale: static/'s files are read on
 * every request and compared; the build's (content-hashed names, ~100 KB of script) are
 * stat'ed instead, and read and compared only when their size, mtime, ctime or inode moved,
 * or when they were last checked less than TRUST_AFTER_MS after their mtime (a rewrite in the
 * same clock tick as the check could keep every stat field: git's "racily clean" rule).
 */
import zlib from "node:zlib";
import type { MiddlewareHandler } from "hono";
import {
  answerWithForms,
  compressBytes,
  type EncodedForms,
  isCompressibleType,
} from "./compress.ts";
import { ENCODED_SUFFIX } from "./precompress.ts";

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  map: "application/json; charset=utf-8",
  json: "application/json; charset=utf-8",
  html: "text/html; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  webmanifest: "application/manifest+json; charset=utf-8",
  woff2: "font/woff2",
};

/** A path inside the root: plain names, no dot files, no `..`, no encoded forms asked for by name. */
const SAFE_PATH = /^(?:[\w-][\w.-]*\/)*[\w-][\w.-]*$/;

type Entry = EncodedForms & {
  type: string;
  /** The file's stat when its bytes were last found to be these (built files). */
  stat?: string;
  /** Wall time (ms) just before those bytes were read. */
  checkedAt?: number;
};

/**
 * How long after its mtime a file's check must have been for its stat alone to vouch for
 * it: file times are taken from a coarse clock (a few ms), so a write in the same tick as a
 * read may leave size and times as they were.
 */
export const TRUST_AFTER_MS = 1000;

/** What a stat tells of a file's bytes: an in-place write or a rename over it moves it. */
function statOf(info: Deno.FileInfo): string {
  return `${info.size}:${info.mtime?.getTime()}:${info.ctime?.getTime()}:${info.ino}`;
}
type Bytes = Uint8Array<ArrayBuffer>;

export type StaticFilesOptions = {
  /** The directory served. */
  root: string;
  /** The URL prefix before the file's path ("/assets"). */
  prefix: string;
  cacheControl: string;
  /** "built": `.br`/`.gz` files beside each one (the build); "memory": compressed here once. */
  encoded: "built" | "memory";
};

async function readIf(path: string): Promise<Bytes | undefined> {
  try {
    return await Deno.readFile(path);
  } catch {
    return undefined;
  }
}

const DECODE = { br: zlib.brotliDecompressSync, gzip: zlib.gunzipSync } as const;

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The file's forms: the identity as read, and each encoded form that is smaller and decodes
 * to exactly these bytes (a `.br` left from other bytes is never sent).
 */
async function load(file: string, identity: Bytes, encoded: "built" | "memory"): Promise<Entry> {
  const ext = /\.(\w+)$/.exec(file)?.[1].toLowerCase() ?? "";
  const type = TYPES[ext] ?? "application/octet-stream";
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", identity));
  const tag = [...digest.subarray(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const bodies: EncodedForms["bodies"] = { identity };
  if (isCompressibleType(type)) {
    for (const coding of ["br", "gzip"] as const) {
      const packed = encoded === "built"
        ? await readIf(`${file}${ENCODED_SUFFIX[coding]}`)
        : compressBytes(identity, coding, true);
      if (!packed || packed.length >= identity.length) continue;
      let decoded: Uint8Array | null = null;
      try {
        decoded = DECODE[coding](packed);
      } catch { /* not what it claims to be */ }
      if (decoded && same(decoded, identity)) bodies[coding] = packed;
    }
  }
  return { tag, type, bodies };
}

/** Serves the files under `root` at `prefix` (see the module's comment). */
export function staticFiles(options: StaticFilesOptions): MiddlewareHandler {
  const cache = new Map<string, Entry>();
  return async (c, next) => {
    const method = c.req.method;
    if (method !== "GET" && method !== "HEAD") return next();
    const rel = c.req.path.slice(options.prefix.length + 1);
    if (!c.req.path.startsWith(`${options.prefix}/`) || !SAFE_PATH.test(rel)) return next();
    if (/\.(?:br|gz)$/.test(rel)) return next();
    const file = `${options.root}/${rel}`;
    const entry = options.encoded === "built"
      ? await builtEntry(cache, file)
      : await readEntry(cache, file);
    if (!entry) return next();
    return answerWithForms(c, entry, {
      "Content-Type": entry.type,
      "Cache-Control": options.cacheControl,
      "Accept-Ranges": "none",
    });
  };
}

/**
 * static/'s file, read on every request and compared with what the encoded forms were made
 * from: a file changed under a running server is never answered from what was read before.
 */
async function readEntry(cache: Map<string, Entry>, file: string): Promise<Entry | null> {
  const identity = await Deno.readFile(file).catch(() => null);
  if (!identity) {
    cache.delete(file);
    return null;
  }
  let entry = cache.get(file);
  if (!entry || !same(entry.bodies.identity!, identity)) {
    entry = await load(file, identity, "memory");
    cache.set(file, entry);
  }
  return entry;
}

/**
 * A built file: its stat on every request; its bytes read and compared only when the stat
 * moved or cannot vouch for them yet (see TRUST_AFTER_MS).
 */
async function builtEntry(cache: Map<string, Entry>, file: string): Promise<Entry | null> {
  const info = await Deno.stat(file).catch(() => null);
  if (!info?.isFile) {
    cache.delete(file);
    return null;
  }
  const stat = statOf(info);
  const known = cache.get(file);
  const mtime = info.mtime?.getTime();
  if (
    known && known.stat === stat && mtime !== undefined &&
    known.checkedAt! >= mtime + TRUST_AFTER_MS
  ) return known;
  const checkedAt = Date.now();
  const identity = await Deno.readFile(file).catch(() => null);
  if (!identity) {
    cache.delete(file);
    return null;
  }
  const entry = known && same(known.bodies.identity!, identity)
    ? known
    : await load(file, identity, "built");
  // The stat taken before the read: a write between the two moves it for the next request.
  entry.stat = stat;
  entry.checkedAt = checkedAt;
  cache.set(file, entry);
  return entry;
}
