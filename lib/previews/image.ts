/**
 * A preview's image, served through the app (the CSP stays `'self'`): fetched under the same
 * outbound guard as the page, kept only when its bytes are a PNG, JPEG, GIF or WebP of at most
 * 1 MB, stored in KV chunks under the page URL's hash for a day (fetched again after that,
 * when someone asks). Chunk 0 is the image's record; its `gen` ties the chunks to one fetch,
 * so two processes storing the same image at once never mix their chunks.
 */
import { AddressRefusedError, guardedFetch } from "../outbound/mod.ts";
import { log } from "../ops/mod.ts";
import { getManyChunked, previewImageKey } from "../storage/mod.ts";

export const IMAGE_MAX_BYTES = 1024 * 1024;
/** How long a stored image (or a failed fetch of it) stands. */
export const IMAGE_TTL_MS = 24 * 60 * 60_000;
/** Below KV's 64 KiB per value. */
const CHUNK_BYTES = 60 * 1024;
/** Chunks per commit (KV's ~800 KiB per commit). */
const CHUNKS_PER_COMMIT = 8;

type ImageRecord =
  | { gen: string; contentType: string; size: number; chunks: number; at: number }
  | { failed: string; at: number };

export type StoredImage = { contentType: string; bytes: Uint8Array };

/** The image type its first bytes say (never the server's Content-Type), or null. */
export function sniffImage(b: Uint8Array): string | null {
  const starts = (sig: number[], at = 0) => sig.every((x, i) => b[at + i] === x);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts([0x47, 0x49, 0x46, 0x38]) && (b[4] === 0x37 || b[4] === 0x39) && b[5] === 0x61) {
    return "image/gif";
  }
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

/**
 * Fetches the image at `imageUrl` and stores it under `urlHash`; whether it was kept. A
 * refusal (address, type, size, status) is remembered for a day like a success.
 */
export async function fetchImage(
  kv: Deno.Kv,
  urlHash: string,
  imageUrl: string,
  options: { allowPrivate: boolean; timeoutMs?: number },
): Promise<boolean> {
  let failed: string;
  try {
    const res = await guardedFetch(
      imageUrl,
      { headers: { accept: "image/png,image/jpeg,image/gif,image/webp" } },
      {
        allowPrivate: options.allowPrivate,
        timeoutMs: options.timeoutMs ?? 3000,
        maxBytes: IMAGE_MAX_BYTES,
        maxRedirects: 3,
      },
    );
    const type = sniffImage(res.body);
    if (res.status !== 200) failed = `status ${res.status}`;
    else if (res.truncated) failed = "over 1 MB";
    else if (!type) failed = "not a PNG, JPEG, GIF or WebP image";
    else {
      await storeImage(kv, urlHash, type, res.body);
      return true;
    }
  } catch (err) {
    failed = err instanceof AddressRefusedError
      ? err.reason
      : err instanceof Error
      ? `${err.name}: ${err.message}`
      : String(err);
  }
  log("info", "preview image not kept", { urlHash, reason: failed });
  const record: ImageRecord = { failed, at: Date.now() };
  await kv.set(previewImageKey(urlHash, 0), record, { expireIn: IMAGE_TTL_MS });
  return false;
}

async function storeImage(
  kv: Deno.Kv,
  urlHash: string,
  contentType: string,
  bytes: Uint8Array,
): Promise<void> {
  const gen = crypto.randomUUID();
  const chunks = Math.ceil(bytes.length / CHUNK_BYTES);
  // A little longer than the record: a reader never finds the record without its chunks.
  const expireIn = IMAGE_TTL_MS + 60 * 60_000;
  for (let first = 0; first < chunks; first += CHUNKS_PER_COMMIT) {
    const op = kv.atomic();
    for (let n = first; n < Math.min(chunks, first + CHUNKS_PER_COMMIT); n++) {
      const part = bytes.slice(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES);
      op.set(previewImageKey(urlHash, n + 1), { gen, part }, { expireIn });
    }
    await op.commit();
  }
  const record: ImageRecord = { gen, contentType, size: bytes.length, chunks, at: Date.now() };
  await kv.set(previewImageKey(urlHash, 0), record, { expireIn: IMAGE_TTL_MS });
}

/**
 * The stored image: `{image}` when it is there and under a day old, `{failed}` when its fetch
 * failed within the day, null when it was never fetched or is out of date.
 */
export async function readImage(
  kv: Deno.Kv,
  urlHash: string,
  now = Date.now(),
): Promise<{ image: StoredImage } | { failed: string } | null> {
  const record = (await kv.get<ImageRecord>(previewImageKey(urlHash, 0))).value;
  if (!record || now - record.at > IMAGE_TTL_MS) return null;
  if ("failed" in record) return { failed: record.failed };
  const keys = Array.from({ length: record.chunks }, (_, n) => previewImageKey(urlHash, n + 1));
  const parts = await getManyChunked<{ gen: string; part: Uint8Array }>(kv, keys);
  if (parts.some((p) => p.value?.gen !== record.gen)) return null;
  const bytes = new Uint8Array(record.size);
  let at = 0;
  for (const p of parts) {
    bytes.set(p.value!.part, at);
    at += p.value!.part.length;
  }
  return { image: { contentType: record.contentType, bytes } };
}
