import { ForbiddenError } from "../errors.ts";
import { areaFilesPrefix, uploadKey, usageKey } from "../storage/mod.ts";
import { deleteChunks } from "./chunks.ts";
import { type FileRecord, getFileRecord } from "./records.ts";
import { removeFileRecord } from "./usage.ts";

/**
 * Deletes a file of an area (a project's or a conversation's): its uploader may, and so may
 * a `manager` (a project's owner or admin: the caller decides). The metadata and usage go
 * first (one commit), so the file disappears at once; its chunks are freed after. Returns the
 * deleted record. Throws NotFoundError for a file not in the area, ForbiddenError for anyone
 * else.
 */
export async function deleteFile(
  kv: Deno.Kv,
  areaId: string,
  input: { fileId: string; actorId: string; manager: boolean },
): Promise<FileRecord> {
  const record = await getFileRecord(kv, areaId, input.fileId);
  if (record.uploadedById !== input.actorId && !input.manager) {
    throw new ForbiddenError("Only the uploader, an owner or an admin can delete this file.");
  }
  await removeFileRecord(kv, areaId, record);
  await deleteChunks(kv, record.id);
  await kv.delete(uploadKey(record.id));
  return record;
}

/**
 * Deletes every file of an area, their chunks and its usage counter (a deleted project); each
 * uploader's usage drops by their files.
 */
export async function deleteAreaFiles(kv: Deno.Kv, areaId: string): Promise<void> {
  for await (const e of kv.list<FileRecord>({ prefix: areaFilesPrefix(areaId) })) {
    // Its record and its uploader's usage go together (removeFileRecord marks the chunks).
    await removeFileRecord(kv, areaId, e.value);
    await deleteChunks(kv, e.value.id);
    await kv.delete(uploadKey(e.value.id));
  }
  await kv.delete(usageKey(areaId));
}
