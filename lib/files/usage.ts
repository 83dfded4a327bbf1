import { AppError, ConflictError } from "../errors.ts";
import { commitWithRetry, fileKey, uploadKey, usageKey } from "../storage/mod.ts";
import { deletionMarker } from "./orphans.ts";
import type { FileRecord } from "./records.ts";

/*
 * An area's usage counter and its file records change together, in one commit each way, so
 * the quota counts exactly the files that are listed.
 */

export class UploadTooLargeError extends AppError {
  constructor(readonly limit: number) {
    super(413, "file_too_large", `Cannot upload file: it exceeds ${formatBytes(limit)}.`);
  }
}

/** "25 MiB", "1.5 KiB", "512 bytes" (exact binary units: the server's error messages). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Bytes stored in an area (what the quota counts). */
export async function getAreaUsage(kv: Deno.Kv, areaId: string): Promise<number> {
  return Number((await kv.get<Deno.KvU64>(usageKey(areaId))).value?.value ?? 0n);
}

/**
 * Makes an uploaded file visible: its record, the area's usage and the end of its upload
 * marker, in one commit. Throws AppError 413 `quota_exceeded` when it would pass `quotaBytes`.
 */
export async function addFileRecord(
  kv: Deno.Kv,
  areaId: string,
  input: { record: FileRecord; quotaBytes: number },
): Promise<void> {
  const { record, quotaBytes } = input;
  await commitWithRetry(async () => {
    const [usage, marker] = await kv.getMany<[Deno.KvU64, unknown]>([
      usageKey(areaId),
      uploadKey(record.id),
    ]);
    // Its marker gone, the upload was taken for a dead one's and its chunks freed.
    if (!marker.value) {
      throw new ConflictError("The upload was interrupted. Send the file again.", "upload_lost");
    }
    const used = Number(usage.value?.value ?? 0n);
    if (used + record.size > quotaBytes) {
      throw new AppError(
        413,
        "quota_exceeded",
        `Cannot upload file: the ${record.projectId ? "project" : "conversation"}'s storage (${
          formatBytes(quotaBytes)
        }) is full.`,
      );
    }
    const result = await kv.atomic()
      .check(usage, marker)
      .set(usageKey(areaId), new Deno.KvU64(BigInt(used + record.size)))
      .set(fileKey(areaId, record.id), record)
      .delete(uploadKey(record.id))
      .commit();
    return result.ok ? true : null;
  });
}

/**
 * Hides a file at once: its record goes and the area's usage drops, in one commit, which also
 * marks its chunks for removal (a deletion marker) should the caller stop before freeing them.
 */
export async function removeFileRecord(
  kv: Deno.Kv,
  areaId: string,
  record: FileRecord,
): Promise<void> {
  await commitWithRetry(async () => {
    const [entry, usage] = await kv.getMany<[FileRecord, Deno.KvU64]>([
      fileKey(areaId, record.id),
      usageKey(areaId),
    ]);
    if (!entry.value) return true; // deleted concurrently
    const used = Number(usage.value?.value ?? 0n);
    const result = await kv.atomic()
      .check(entry, usage)
      .delete(fileKey(areaId, record.id))
      .set(usageKey(areaId), new Deno.KvU64(BigInt(Math.max(0, used - record.size))))
      .set(uploadKey(record.id), deletionMarker(areaId))
      .commit();
    return result.ok ? true : null;
  });
}
