import { AppError, ConflictError } from "../errors.ts";
import {
  commitWithRetry,
  fileKey,
  filesPrefix,
  uploadKey,
  usageKey,
  userUsageKey,
} from "../storage/mod.ts";
import { deletionMarker } from "./orphans.ts";
import type { FileRecord } from "./records.ts";

/*
 * An area's usage counter, its uploader's and its file records change together, in one commit
 * each way, so both quotas count exactly the files that are listed.
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

/** Bytes of the files a user uploaded, in every area (what the per-user quota counts). */
export async function getUserUsage(kv: Deno.Kv, userId: string): Promise<number> {
  return Number((await kv.get<Deno.KvU64>(userUsageKey(userId))).value?.value ?? 0n);
}

/**
 * Sets every uploader's usage to the sum of their listed files (`deno task migrate`: stores
 * from before the per-user quota have files no user usage counts). Run before the server
 * starts; a second run changes nothing. Returns how many users have files.
 */
export async function recountUserUsage(kv: Deno.Kv): Promise<{ users: number }> {
  const totals = new Map<string, number>();
  for await (const e of kv.list<FileRecord>({ prefix: filesPrefix() })) {
    const by = e.value.uploadedById;
    totals.set(by, (totals.get(by) ?? 0) + e.value.size);
  }
  for (const [userId, bytes] of totals) {
    await kv.set(userUsageKey(userId), new Deno.KvU64(BigInt(bytes)));
  }
  return { users: totals.size };
}

/**
 * Makes an uploaded file visible: its record, the area's and the uploader's usage and the end
 * of its upload marker, in one commit. Throws AppError 413 `quota_exceeded` when it would pass
 * the area's `quotaBytes` or the uploader's `userQuotaBytes` (across all areas: a full project
 * is not worked around by uploading to new conversations).
 */
export async function addFileRecord(
  kv: Deno.Kv,
  areaId: string,
  input: { record: FileRecord; quotaBytes: number; userQuotaBytes: number },
): Promise<void> {
  const { record, quotaBytes, userQuotaBytes } = input;
  await commitWithRetry(async () => {
    const [usage, marker, mine] = await kv.getMany<[Deno.KvU64, unknown, Deno.KvU64]>([
      usageKey(areaId),
      uploadKey(record.id),
      userUsageKey(record.uploadedById),
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
    const usedByUser = Number(mine.value?.value ?? 0n);
    if (usedByUser + record.size > userQuotaBytes) {
      throw new AppError(
        413,
        "quota_exceeded",
        `Cannot upload file: your storage (${
          formatBytes(userQuotaBytes)
        }) is full. Delete some of your files first.`,
      );
    }
    const result = await kv.atomic()
      .check(usage, marker, mine)
      .set(usageKey(areaId), new Deno.KvU64(BigInt(used + record.size)))
      .set(userUsageKey(record.uploadedById), new Deno.KvU64(BigInt(usedByUser + record.size)))
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
    const [entry, usage, mine] = await kv.getMany<[FileRecord, Deno.KvU64, Deno.KvU64]>([
      fileKey(areaId, record.id),
      usageKey(areaId),
      userUsageKey(record.uploadedById),
    ]);
    if (!entry.value) return true; // deleted concurrently
    const used = Number(usage.value?.value ?? 0n);
    const usedByUser = Number(mine.value?.value ?? 0n);
    const result = await kv.atomic()
      .check(entry, usage, mine)
      .delete(fileKey(areaId, record.id))
      .set(usageKey(areaId), new Deno.KvU64(BigInt(Math.max(0, used - record.size))))
      .set(
        userUsageKey(record.uploadedById),
        new Deno.KvU64(BigInt(Math.max(0, usedByUser - record.size))),
      )
      .set(uploadKey(record.id), deletionMarker(areaId))
      .commit();
    return result.ok ? true : null;
  });
}
