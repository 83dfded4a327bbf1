import { chunkKey, chunksPrefix, commitWithRetry, getManyChunked } from "../storage/mod.ts";
import type { FileRecord } from "./records.ts";

/** KV values hold at most 64 KiB: a file is stored as chunks of exactly that size. */
export const CHUNK_SIZE = 64 * 1024;
/** Chunks per atomic commit (and per read): 10 × 64 KiB stays under KV's 800 KiB per commit. */
export const CHUNKS_PER_COMMIT = 10;

/** Writes `pieces` as the chunks `first`, `first + 1`, … of a file, in one commit. */
export async function writeChunks(
  kv: Deno.Kv,
  fileId: string,
  chunks: { first: number; pieces: Uint8Array[] },
): Promise<void> {
  await commitWithRetry(async () => {
    const op = kv.atomic();
    chunks.pieces.forEach((piece, i) => op.set(chunkKey(fileId, chunks.first + i), piece));
    return (await op.commit()).ok ? true : null;
  });
}

/** Deletes every chunk of a file, in batched commits. */
export async function deleteChunks(kv: Deno.Kv, fileId: string): Promise<void> {
  let keys: Deno.KvKey[] = [];
  for await (const e of kv.list({ prefix: chunksPrefix(fileId) }, { batchSize: 500 })) {
    keys.push(e.key);
    if (keys.length === 100) {
      const op = kv.atomic();
      keys.forEach((k) => op.delete(k));
      await op.commit();
      keys = [];
    }
  }
  if (keys.length) {
    const op = kv.atomic();
    keys.forEach((k) => op.delete(k));
    await op.commit();
  }
}

/**
 * Streams bytes `start`..`end` (inclusive) of a file, reading up to ten chunks per KV read
 * as the consumer pulls (so a slow download holds at most ~640 KiB here).
 */
export function readFileRange(
  kv: Deno.Kv,
  record: FileRecord,
  range: { start: number; end: number },
): ReadableStream<Uint8Array> {
  let index = Math.floor(range.start / CHUNK_SIZE);
  const last = Math.floor(range.end / CHUNK_SIZE);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (record.size === 0 || index > last) return controller.close();
      const keys: Deno.KvKey[] = [];
      for (let i = index; i <= last && keys.length < CHUNKS_PER_COMMIT; i++) {
        keys.push(chunkKey(record.id, i));
      }
      const entries = await getManyChunked<Uint8Array>(kv, keys);
      for (const entry of entries) {
        if (!entry.value) return controller.error(new Error(`chunk missing: ${String(entry.key)}`));
        const at = index * CHUNK_SIZE;
        const from = Math.max(range.start - at, 0);
        const to = Math.min(range.end - at + 1, entry.value.length);
        controller.enqueue(entry.value.subarray(from, to));
        index++;
      }
      if (index > last) controller.close();
    },
  });
}
