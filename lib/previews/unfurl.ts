/**
 * A URL's preview: read from the day's cache (`unfurlKey(sha256(url))`), or fetched once under
 * the outbound guard and cached for a day, failures included. One process fetches a URL at a
 * time: it claims the cache entry in a checked commit ("fetching"), so two messages with the
 * same link, in any processes, make one request a day. The record outlives the day (the
 * image route finds the page's image address in it to fetch the image again).
 */
import { AddressRefusedError, guardedFetch } from "../outbound/mod.ts";
import { log } from "../ops/mod.ts";
import { unfurlKey } from "../storage/mod.ts";
import { fetchImage } from "./image.ts";
import { decodeHtml, type PageFacts, parsePage } from "./parse.ts";

export const PAGE_MAX_BYTES = 1024 * 1024;
export const PAGE_TIMEOUT_MS = 3000;
export const MAX_REDIRECTS = 3;
/** A URL is fetched at most once in this long (a failure too). */
export const UNFURL_TTL_MS = 24 * 60 * 60_000;
/** The record is kept this long (the image is fetched again from its address). */
const RECORD_KEPT_MS = 30 * 24 * 60 * 60_000;
/** A claim older than this is a process that died mid-fetch: another one may take it. */
const CLAIM_MS = 30_000;

const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"]);

export type UnfurlRecord =
  | { fetching: true; at: number }
  | { facts: PageFacts | null; image: boolean; at: number; reason?: string };

export type FetchOptions = {
  allowPrivate: boolean;
  timeoutMs?: number;
  /** Tests: how names resolve for the address check, and the TLS client that trusts them. */
  resolve?: (host: string) => Promise<string[]>;
  client?: Deno.HttpClient;
};

/** The hex SHA-256 of a URL: its key in the cache and in image paths. */
export async function hashUrl(url: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(url));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The page's facts (null: it gave none, or could not be fetched), fetched or from the cache,
 * and whether its image was kept; `busy` when another process is fetching it right now.
 */
export async function unfurl(
  kv: Deno.Kv,
  url: string,
  options: FetchOptions,
  now = Date.now(),
): Promise<{ urlHash: string; facts: PageFacts | null; image: boolean } | { busy: true }> {
  const urlHash = await hashUrl(url);
  const entry = await kv.get<UnfurlRecord>(unfurlKey(urlHash));
  const cached = entry.value;
  if (cached && "facts" in cached && now - cached.at < UNFURL_TTL_MS) {
    return { urlHash, facts: cached.facts, image: cached.image };
  }
  if (cached && "fetching" in cached && now - cached.at < CLAIM_MS) return { busy: true };
  const claim: UnfurlRecord = { fetching: true, at: now };
  const claimed = await kv.atomic().check(entry).set(unfurlKey(urlHash), claim, {
    expireIn: RECORD_KEPT_MS,
  }).commit();
  if (!claimed.ok) return { busy: true };
  const { facts, reason } = await fetchPage(url, options);
  const image = facts?.imageUrl ? await fetchImage(kv, urlHash, facts.imageUrl, options) : false;
  const record: UnfurlRecord = { facts, image, at: Date.now(), ...(reason ? { reason } : {}) };
  await kv.set(unfurlKey(urlHash), record, { expireIn: RECORD_KEPT_MS });
  if (reason) log("info", "link preview not found", { urlHash, reason });
  return { urlHash, facts, image };
}

/** The cached record of a URL's hash (any age), or null. */
export async function unfurlRecord(kv: Deno.Kv, urlHash: string): Promise<UnfurlRecord | null> {
  return (await kv.get<UnfurlRecord>(unfurlKey(urlHash))).value;
}

/**
 * Fetches an HTML page under the outbound guard (every address checked, each redirect again,
 * at most 3; 3 s for the whole exchange; the first 1 MB read, the rest never) and reads its
 * facts. Never throws: a refusal or failure is `{facts: null, reason}`.
 */
export async function fetchPage(
  url: string,
  options: FetchOptions,
): Promise<{ facts: PageFacts | null; reason?: string }> {
  try {
    const res = await guardedFetch(url, {
      headers: {
        accept: "text/html,application/xhtml+xml;q=0.9",
        "user-agent": "HearthBot/1.0 (link preview)",
      },
      ...(options.client ? { client: options.client } : {}),
    }, {
      allowPrivate: options.allowPrivate,
      ...(options.resolve ? { resolve: options.resolve } : {}),
      timeoutMs: options.timeoutMs ?? PAGE_TIMEOUT_MS,
      maxBytes: PAGE_MAX_BYTES,
      maxRedirects: MAX_REDIRECTS,
    });
    if (res.status !== 200) return { facts: null, reason: `status ${res.status}` };
    const contentType = res.headers.get("content-type") ?? "";
    const mime = contentType.split(";")[0].trim().toLowerCase();
    if (!HTML_TYPES.has(mime)) return { facts: null, reason: `not HTML (${mime || "no type"})` };
    const facts = parsePage(decodeHtml(res.body, contentType), res.url);
    return facts ? { facts } : { facts: null, reason: "no title" };
  } catch (err) {
    const reason = err instanceof AddressRefusedError
      ? err.reason
      : err instanceof Error
      ? `${err.name}: ${err.message}`
      : String(err);
    return { facts: null, reason };
  }
}
