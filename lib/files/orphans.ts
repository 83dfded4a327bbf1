import { deleteChunks } from "./chunks.ts";
import { uploadsPrefix } from "../storage/mod.ts";

/**
 * The value under `uploadKey(fileId)`: present while a file's chunks are owned by no committed
 * record (during an upload, and during a deletion), so one left behind by a crash marks
 * chunks to sweep. `projectId` names the area (the field predates conversation areas, and
 * backups carry it as is).
 */
export type UploadMarker = { projectId: string; startedAt: string };

/** A deletion's marker: dated at the epoch, so any sweep frees its chunks whatever its age. */
export function deletionMarker(areaId: string): UploadMarker {
  return { projectId: areaId, startedAt: new Date(0).toISOString() };
}

/**
 * Frees the chunks of uploads that never finished (a crash mid-upload) or deletions that
 * stopped half-way. Returns how many were swept.
 */
export async function sweepOrphanChunks(
  kv: Deno.Kv,
  options: { olderThanMs: number },
): Promise<number> {
  const cutoff = Date.now() - options.olderThanMs;
  let swept = 0;
  for await (const e of kv.list<UploadMarker>({ prefix: uploadsPrefix() })) {
    if (new Date(e.value.startedAt).getTime() > cutoff) continue;
    await deleteChunks(kv, String(e.key[1]));
    await kv.delete(e.key);
    swept++;
  }
  return swept;
}
