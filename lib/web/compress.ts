/**
 * Compression of what the server sends (issue 21). Three parts:
 *
 * - `chooseEncoding`: the coding an `Accept-Encoding` asks for (q-values, `*`, `identity`;
 *   `br` preferred over `gzip` at equal weight), or null for the identity.
 * - `compressAnswers()`: pages and JSON compressed on the fly when it pays (text types, at
 *   least `MIN_BYTES`), never what is already encoded, a download, a range, a 1xx/204/304,
 *   an event stream or an answer marked `no-transform`. A body the handler gave whole is
 *   compressed in one call (brotli quality 1, or gzip level 5); a streamed body stays
 *   streamed (CompressionStream gzip, which flushes every chunk it is given).
 * - `breachSafe`: whether an answer may be compressed at all for this request (BREACH, see
 *   docs/security.md): an answer to a request carrying cookies is compressed only when the
 *   browser says the request came from this origin (`Sec-Fetch-Site: same-origin`) or from
 *   the person (`none`: the address bar, a bookmark), and is not a no-cors fetch (an image
 *   or a script another page embeds). An API answer marked `Cache-Control: no-store` (a
 *   token's, a bot's or a webhook's new secret) is never compressed.
 *
 * Static files (the build's assets, /static/*) are compressed once, not per request: see
 * static_files.ts and precompress.ts.
 */
import zlib from "node:zlib";
import type { Context, MiddlewareHandler } from "hono";

type Bytes = Uint8Array<ArrayBuffer>;

export type Coding = "br" | "gzip";

/** Below this many bytes a compressed answer saves less than its headers and CPU are worth. */
export const MIN_BYTES = 1024;

/** Text types worth compressing (not an event stream: each event must arrive at once). */
const COMPRESSIBLE =
  /^\s*(?:text\/(?!event-stream\b)[\w.+-]+|application\/(?:json|javascript|ecmascript|xml|manifest\+json|[\w.-]+\+(?:json|xml))|image\/svg\+xml)\s*(?:;|$)/i;

/** Whether a Content-Type is one this server compresses. */
export function isCompressibleType(type: string | null | undefined): boolean {
  return !!type && COMPRESSIBLE.test(type);
}

/**
 * The coding to answer with among `offered` (in the server's order of preference), as
 * `Accept-Encoding` weighs them: the highest q wins, ties go to the earlier offered; a coding
 * not named takes `*`'s weight (0 without one); q=0 refuses. Null: send the identity (no
 * header, an empty one, `identity`, or nothing offered acceptable). `x-gzip` is gzip.
 */
export function chooseEncoding(
  header: string | null | undefined,
  offered: readonly Coding[] = ["br", "gzip"],
): Coding | null {
  if (!header) return null;
  const weights = new Map<string, number>();
  for (const part of header.split(",")) {
    const [rawName, ...params] = part.split(";");
    let name = rawName.trim().toLowerCase();
    if (!name) continue;
    if (name === "x-gzip") name = "gzip";
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=(.*)$/i.exec(param);
      if (m) q = m[1].trim() === "" ? NaN : Number(m[1]);
    }
    if (!(q >= 0 && q <= 1)) q = 0; // a malformed weight accepts nothing
    weights.set(name, q);
  }
  const star = weights.get("*") ?? 0;
  let best: Coding | null = null;
  let bestQ = 0;
  for (const coding of offered) {
    const q = weights.get(coding) ?? star;
    if (q > bestQ) [best, bestQ] = [coding, q];
  }
  return best;
}

/**
 * Whether an answer to `req` may be compressed without opening a BREACH: true when the
 * request carries no cookie (nothing private can be in its answer: a bearer token cannot be
 * attached by another site), or when the browser marks it as from this origin or from the
 * person, and not as a no-cors subresource. A browser too old to send `Sec-Fetch-Site` gets
 * its signed-in pages uncompressed.
 */
export function breachSafe(req: Request): boolean {
  const h = req.headers;
  if (!h.has("cookie")) return true;
  const site = h.get("sec-fetch-site");
  if (site !== "same-origin" && site !== "none") return false;
  return h.get("sec-fetch-mode") !== "no-cors";
}

const BROTLI_DYNAMIC_QUALITY = 1;
const GZIP_DYNAMIC_LEVEL = 5;

/** One whole body compressed in one call (the cheaper way: see docs/benchmarks.md). */
export function compressBytes(bytes: Uint8Array, coding: Coding, best = false): Bytes {
  if (coding === "br") {
    return own(zlib.brotliCompressSync(bytes, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: best ? 11 : BROTLI_DYNAMIC_QUALITY,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }));
  }
  return own(zlib.gzipSync(bytes, { level: best ? 9 : GZIP_DYNAMIC_LEVEL }));
}

/** A Buffer's bytes as a plain Uint8Array over its own ArrayBuffer. */
function own(buf: Uint8Array): Bytes {
  return buf.buffer instanceof ArrayBuffer && buf.byteOffset === 0 &&
      buf.byteLength === buf.buffer.byteLength
    ? new Uint8Array(buf.buffer)
    : new Uint8Array(buf);
}

/** Adds `Accept-Encoding` to the answer's Vary unless it is there (or `*`). */
export function addVary(headers: Headers): void {
  const vary = headers.get("vary");
  if (!vary) return headers.set("vary", "Accept-Encoding");
  if (vary.trim() === "*" || /(?:^|,)\s*accept-encoding\s*(?:,|$)/i.test(vary)) return;
  headers.set("vary", `${vary}, Accept-Encoding`);
}

/** Statuses whose answers carry no body to compress, or a part of one. */
const NOT_COMPRESSED_STATUS = new Set([101, 204, 205, 206, 304]);

/** Whether the answer is of a kind this server compresses (whatever the request asked). */
function compressible(res: Response): boolean {
  // Decided from the status and headers alone: reading `res.body` of an answer made from a
  // string turns it into a stream, which Deno.serve then sends by its slower stream path
  // (measured: 6–10 % of a REST answer's CPU), and which dropped the body of an upgrade
  // request's 401 (tests/ws/token_socket_test.ts). The body is looked at only to compress it.
  if (NOT_COMPRESSED_STATUS.has(res.status) || res.status < 200) return false;
  const h = res.headers;
  if (h.has("content-encoding") || h.has("content-range") || h.has("content-disposition")) {
    return false;
  }
  const type = h.get("content-type");
  if (!isCompressibleType(type)) return false;
  const cacheControl = h.get("cache-control") ?? "";
  if (/\bno-transform\b/i.test(cacheControl)) return false;
  // A secret shown once (a new token, bot or webhook) is answered no-store: never compressed.
  if (/\bno-store\b/i.test(cacheControl) && /json/i.test(type!)) return false;
  return true;
}

type Read = ReadableStreamReadResult<Bytes>;
type Rest = { reader: ReadableStreamDefaultReader<Bytes>; pending: Promise<Read> };

/**
 * Reads what the body holds at once: the whole body when the handler gave it whole (a
 * string or bytes: Deno hands it over in one chunk, and the stream is done without waiting),
 * or the chunks read before the first wait, with the read still pending and the reader, to
 * stream the rest.
 */
async function readAvailable(
  body: ReadableStream<Bytes>,
): Promise<{ chunks: Bytes[]; rest: Rest | null }> {
  const reader = body.getReader();
  const chunks: Bytes[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A macrotask: everything a whole body has already queued is read before it fires.
  const later = new Promise<"wait">((resolve) => timer = setTimeout(resolve, 0, "wait"));
  try {
    for (;;) {
      const pending = reader.read();
      const next = await Promise.race([pending, later]);
      if (next === "wait") return { chunks, rest: { reader, pending } };
      if (next.done) return { chunks, rest: null };
      chunks.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
}

function concat(chunks: Bytes[]): Bytes {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) (out.set(c, at), at += c.length);
  return out;
}

/** The chunks already read, then the pending read, then the rest of the reader's stream. */
function resume(chunks: Bytes[], rest: Rest): ReadableStream<Bytes> {
  let pending: Promise<Read> | null = rest.pending;
  return new ReadableStream<Bytes>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
    },
    async pull(controller) {
      const next = await (pending ?? rest.reader.read());
      pending = null;
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return rest.reader.cancel(reason);
    },
  });
}

/** A strong ETag names one representation: the encoded one gets its own (`"x"` → `"x-br"`). */
function encodedTag(headers: Headers, coding: Coding): void {
  const etag = headers.get("etag");
  if (etag && !etag.startsWith("W/")) headers.set("etag", etag.replace(/"$/, `-${coding}"`));
}

/** Replaces the answer without Hono copying the old one's headers over it again. */
function replace(c: Context, res: Response): void {
  c.res = undefined;
  c.res = res;
}

/**
 * Compresses pages, JSON and other text answers on the fly (see the module's comment). Vary:
 * Accept-Encoding goes on every answer of a compressible kind, compressed or not.
 */
export function compressAnswers(minBytes = MIN_BYTES): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (!compressible(res)) return;
    try {
      addVary(res.headers);
    } catch {
      return; // immutable headers: a fetched or redirect answer, passed through as it is
    }
    const coding = chooseEncoding(c.req.header("accept-encoding"));
    // A Range request gets the identity (an asset answers it whole: `Accept-Ranges: none`).
    if (!coding || !breachSafe(c.req.raw) || !res.body || c.req.header("range")) return;
    const { chunks, rest } = await readAvailable(res.body as ReadableStream<Bytes>);
    const headers = new Headers(res.headers);
    const init = { status: res.status, statusText: res.statusText, headers };
    if (rest) {
      // Streamed: it stays streamed, gzip flushing each chunk (brotli only on whole bodies).
      if (chooseEncoding(c.req.header("accept-encoding"), ["gzip"]) !== "gzip") {
        return replace(c, new Response(resume(chunks, rest), init));
      }
      headers.set("content-encoding", "gzip");
      headers.delete("content-length");
      encodedTag(headers, "gzip");
      return replace(
        c,
        new Response(
          resume(chunks, rest).pipeThrough(
            new CompressionStream("gzip") as TransformStream<Bytes, Bytes>,
          ),
          init,
        ),
      );
    }
    const bytes = concat(chunks);
    if (bytes.length < minBytes) return replace(c, new Response(bytes, init));
    const packed = compressBytes(bytes, coding);
    headers.set("content-encoding", coding);
    encodedTag(headers, coding);
    headers.set("content-length", String(packed.length));
    replace(c, new Response(packed, init));
  };
}

/** A text answer made once and kept in every form the server sends (the identity, br, gzip). */
export type EncodedForms = {
  /** A strong ETag of the identity (a hash of its bytes): each encoding's adds its coding. */
  tag: string;
  bodies: Partial<Record<Coding, Bytes>> & { identity: Bytes };
};

/** `text` in each form that is smaller than it, at the best compression (made once). */
export async function encodedForms(text: string | Uint8Array): Promise<EncodedForms> {
  const identity = typeof text === "string" ? new TextEncoder().encode(text) : new Uint8Array(text);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", identity));
  const tag = [...digest.subarray(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const bodies: EncodedForms["bodies"] = { identity };
  for (const coding of ["br", "gzip"] as const) {
    const packed = compressBytes(identity, coding, true);
    if (packed.length < identity.length) bodies[coding] = packed;
  }
  return { tag, bodies };
}

/** Whether If-None-Match names `etag` (weak comparison, as the header is compared). */
export function matchesTag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((t) => {
    const tag = t.trim();
    return tag === "*" || tag.replace(/^W\//, "") === bare;
  });
}

/**
 * The answer to a GET or HEAD for kept forms: the encoding the request accepts (none for a
 * Range request), its ETag and length, `Vary: Accept-Encoding` when there is a choice, 304
 * when If-None-Match names it. `headers` carries the rest (Content-Type, Cache-Control…).
 */
export function answerWithForms(
  c: Context,
  forms: EncodedForms,
  headers: Record<string, string>,
): Response {
  const offered = (["br", "gzip"] as const).filter((k) => forms.bodies[k]);
  const coding = c.req.header("range")
    ? null
    : chooseEncoding(c.req.header("accept-encoding"), offered);
  const body = forms.bodies[coding ?? "identity"]!;
  const out = new Headers(headers);
  out.set("ETag", `"${forms.tag}${coding ? `-${coding}` : ""}"`);
  if (offered.length > 0) addVary(out);
  if (coding) out.set("Content-Encoding", coding);
  if (matchesTag(c.req.header("if-none-match"), out.get("etag")!)) {
    out.delete("Content-Type");
    return new Response(null, { status: 304, headers: out });
  }
  out.set("Content-Length", String(body.length));
  return new Response(c.req.method === "HEAD" ? null : body, { status: 200, headers: out });
}
