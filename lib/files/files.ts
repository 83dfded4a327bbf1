import { fileTypeFromBuffer } from "file-type";
import { isId } from "../storage/ids.ts";
import { createSHA256 } from "hash-wasm";
import { ulid } from "ulid";
import { AppError, ForbiddenError, NotFoundError } from "../errors.ts";
import { commitWithRetry, getManyChunked } from "../storage/kv.ts";
import { canManage, type Project } from "../projects/projects.ts";
import { getUsersByIds, type User } from "../accounts/users.ts";
import {
  areaFilesPrefix,
  chunkKey,
  chunksPrefix,
  fileKey,
  uploadKey,
  uploadsPrefix,
  usageKey,
} from "../storage/keys.ts";

/** KV values hold at most 64 KiB: a file is stored as chunks of exactly that size. */
export const CHUNK_SIZE = 64 * 1024;
/** Chunks per atomic commit: 10 × 64 KiB stays under KV's 800 KiB per commit. */
const CHUNKS_PER_COMMIT = 10;
/** Bytes looked at to recognise the type (what file-type needs). */
const SNIFF_BYTES = 4100;

/**
 * Where files live: a project's file area, or a conversation's own (for conversations outside
 * projects: their attachments). Both are keyed by the owner's id (project and conversation ids
 * are ULIDs of one space, so they never collide), which keeps export, import and quotas alike.
 */
export type FileArea = { kind: "project" | "conversation"; id: string };

export type FileMeta = {
  id: string;
  /** The project whose files these are (a project's area). */
  projectId?: string;
  /** The conversation whose own files these are (a conversation's area). */
  conversationId?: string;
  name: string;
  size: number;
  contentType: string;
  sha256: string;
  uploadedBy: User;
  createdAt: string;
};

export type FileRecord = Omit<FileMeta, "uploadedBy"> & { uploadedById: string; chunks: number };

/** Stored as given, but without control characters (no header or log injection) and ≤ 255. */
export function cleanFileName(name: string): string {
  // deno-lint-ignore no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  const chars = [...cleaned];
  if (chars.length <= 255) return cleaned || "file";
  const dot = cleaned.lastIndexOf(".");
  const ext = dot > 0 && cleaned.length - dot <= 16 ? cleaned.slice(dot) : "";
  return chars.slice(0, 255 - [...ext].length).join("") + ext;
}

/** The type from the bytes, never from the client: known signatures, else text or binary. */
async function detectType(head: Uint8Array): Promise<string> {
  const found = await fileTypeFromBuffer(head).catch(() => undefined);
  if (found) return found.mime;
  if (head.length === 0) return "application/octet-stream";
  if (head.includes(0)) return "application/octet-stream";
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(
      head.subarray(0, Math.max(0, head.length - 3)),
    );
    return "text/plain; charset=utf-8";
  } catch {
    return "application/octet-stream";
  }
}

export class UploadTooLargeError extends AppError {
  constructor(readonly limit: number) {
    super(413, "file_too_large", `Cannot upload file: it exceeds ${formatBytes(limit)}.`);
  }
}

/** "25 MiB", "1.5 KiB", "512 bytes". */
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

/**
 * Streams a file into KV: 64 KiB chunks in batched atomic commits, never the whole file in
 * memory. The file becomes visible only when its metadata is committed last (with the
 * project's usage, checked against the quota). On any failure (too large, over quota, the
 * client went away) the chunks written so far are deleted and the error is rethrown.
 */
export async function storeFile(
  kv: Deno.Kv,
  area: Pick<Project, "id"> | FileArea,
  input: {
    uploader: User;
    name: string;
    body: AsyncIterable<Uint8Array>;
    maxBytes: number;
    quotaBytes: number;
  },
): Promise<FileMeta> {
  const id = ulid();
  const startedAt = new Date().toISOString();
  const areaId = area.id;
  const owner = "kind" in area && area.kind === "conversation"
    ? { conversationId: areaId }
    : { projectId: areaId };
  await kv.set(uploadKey(id), { projectId: areaId, startedAt });
  const hasher = await createSHA256();
  hasher.init();
  let chunk = new Uint8Array(CHUNK_SIZE);
  let filled = 0;
  let size = 0;
  let chunks = 0;
  let head: Uint8Array | null = null;
  let batch: Uint8Array[] = [];

  // One batch commits while the next one is read: the upload does not stall on every commit,
  // and at most two batches (~1.3 MB) are held.
  let inFlight: Promise<unknown> = Promise.resolve();
  const flush = async () => {
    if (batch.length === 0) return;
    const first = chunks - batch.length;
    const pieces = batch;
    batch = [];
    await inFlight;
    inFlight = commitWithRetry(async () => {
      const op = kv.atomic();
      pieces.forEach((piece, i) => op.set(chunkKey(id, first + i), piece));
      return (await op.commit()).ok ? true : null;
    });
    inFlight.catch(() => {}); // surfaced by the next await of inFlight
  };
  const finishChunk = async () => {
    const piece = filled === CHUNK_SIZE ? chunk : chunk.slice(0, filled);
    if (!head) head = piece.slice(0, SNIFF_BYTES);
    hasher.update(piece);
    batch.push(piece);
    chunks++;
    chunk = new Uint8Array(CHUNK_SIZE);
    filled = 0;
    if (batch.length >= CHUNKS_PER_COMMIT) await flush();
  };

  try {
    for await (const data of input.body) {
      size += data.length;
      if (size > input.maxBytes) throw new UploadTooLargeError(input.maxBytes);
      let offset = 0;
      while (offset < data.length) {
        const n = Math.min(CHUNK_SIZE - filled, data.length - offset);
        chunk.set(data.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === CHUNK_SIZE) await finishChunk();
      }
    }
    if (filled > 0) await finishChunk();
    await flush();
    await inFlight;
    const record: FileRecord = {
      id,
      ...owner,
      name: cleanFileName(input.name),
      size,
      contentType: await detectType(head ?? new Uint8Array()),
      sha256: hasher.digest("hex"),
      uploadedById: input.uploader.id,
      createdAt: new Date().toISOString(),
      chunks,
    };
    await commitWithRetry(async () => {
      const usage = await kv.get<Deno.KvU64>(usageKey(areaId));
      const used = Number(usage.value?.value ?? 0n);
      if (used + size > input.quotaBytes) {
        throw new AppError(
          413,
          "quota_exceeded",
          `Cannot upload file: the ${owner.projectId ? "project" : "conversation"}'s storage (${
            formatBytes(input.quotaBytes)
          }) is full.`,
        );
      }
      const result = await kv.atomic()
        .check(usage)
        .set(usageKey(areaId), new Deno.KvU64(BigInt(used + size)))
        .set(fileKey(areaId, id), record)
        .delete(uploadKey(id))
        .commit();
      return result.ok ? true : null;
    });
    return { ...toMeta(record), uploadedBy: input.uploader };
  } catch (err) {
    await inFlight.catch(() => {}); // let a commit in flight land before its chunks are removed
    await deleteChunks(kv, id).catch(() => {});
    await kv.delete(uploadKey(id)).catch(() => {});
    throw err;
  }
}

function toMeta(record: FileRecord): Omit<FileMeta, "uploadedBy"> {
  const { uploadedById: _u, chunks: _c, ...meta } = record;
  return meta;
}

async function withUploaders(kv: Deno.Kv, records: FileRecord[]): Promise<FileMeta[]> {
  const users = new Map(
    (await getUsersByIds(kv, [...new Set(records.map((r) => r.uploadedById))])).map((
      u,
    ) => [u.id, u]),
  );
  return records.map((r) => ({
    ...toMeta(r),
    uploadedBy: users.get(r.uploadedById) ??
      { id: r.uploadedById, username: "deleted", displayName: "Deleted user" },
  }));
}

/** Deletes every chunk of a file, in batched commits. */
async function deleteChunks(kv: Deno.Kv, fileId: string): Promise<void> {
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

/** The project's files, newest first. */
export async function listFiles(kv: Deno.Kv, projectId: string): Promise<FileMeta[]> {
  const records: FileRecord[] = [];
  for await (
    const e of kv.list<FileRecord>({ prefix: areaFilesPrefix(projectId) }, { reverse: true })
  ) {
    records.push(e.value);
  }
  return await withUploaders(kv, records);
}

/** One file's stored record. Throws NotFoundError when it is not in this project. */
export async function getFileRecord(
  kv: Deno.Kv,
  projectId: string,
  fileId: string,
): Promise<FileRecord> {
  if (!isId(fileId)) throw new NotFoundError("File not found.");
  const entry = await kv.get<FileRecord>(fileKey(projectId, fileId));
  if (!entry.value) throw new NotFoundError("File not found.");
  return entry.value;
}

/** The public view of one file record. */
export async function toFileMeta(kv: Deno.Kv, record: FileRecord): Promise<FileMeta> {
  return (await withUploaders(kv, [record]))[0];
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

/**
 * Deletes a file: the uploader, an owner or an admin may. The metadata and usage go first
 * (one commit), so the file disappears at once; its chunks are freed after.
 */
export async function deleteFile(
  kv: Deno.Kv,
  project: Project,
  input: { fileId: string; actorId: string },
): Promise<FileRecord> {
  return await deleteFileIn(kv, project.id, { ...input, manager: canManage(project.role) });
}

/**
 * Deletes a file of an area (a project's or a conversation's): its uploader may, and so may
 * a `manager` (a project's owner or admin). Returns the deleted record. Throws NotFoundError
 * for a file not in the area, ForbiddenError for anyone else.
 */
export async function deleteFileIn(
  kv: Deno.Kv,
  areaId: string,
  input: { fileId: string; actorId: string; manager: boolean },
): Promise<FileRecord> {
  const record = await getFileRecord(kv, areaId, input.fileId);
  if (record.uploadedById !== input.actorId && !input.manager) {
    throw new ForbiddenError("Only the uploader, an owner or an admin can delete this file.");
  }
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
      .set(uploadKey(record.id), { projectId: areaId, startedAt: new Date(0).toISOString() })
      .commit();
    return result.ok ? true : null;
  });
  await deleteChunks(kv, record.id);
  await kv.delete(uploadKey(record.id));
  return record;
}

/**
 * The records of these files in an area, in the order given; null for an id that names no
 * file there (one batched read).
 */
export async function getFileRecords(
  kv: Deno.Kv,
  areaId: string,
  fileIds: string[],
): Promise<(FileRecord | null)[]> {
  const valid = fileIds.filter(isId);
  const entries = await getManyChunked<FileRecord>(kv, valid.map((id) => fileKey(areaId, id)));
  const byId = new Map(entries.flatMap((e) => e.value ? [[e.value.id, e.value]] : []));
  return fileIds.map((id) => byId.get(id) ?? null);
}

/** Bytes stored by a project (what the quota counts). */
export async function getProjectUsage(kv: Deno.Kv, projectId: string): Promise<number> {
  return Number((await kv.get<Deno.KvU64>(usageKey(projectId))).value?.value ?? 0n);
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
  for await (const e of kv.list<{ startedAt: string }>({ prefix: uploadsPrefix() })) {
    if (new Date(e.value.startedAt).getTime() > cutoff) continue;
    await deleteChunks(kv, String(e.key[1]));
    await kv.delete(e.key);
    swept++;
  }
  return swept;
}

/** Deletes every file of a project, its chunks and its usage counter (a deleted project). */
export async function deleteProjectFiles(kv: Deno.Kv, projectId: string): Promise<void> {
  for await (const e of kv.list<FileRecord>({ prefix: areaFilesPrefix(projectId) })) {
    await kv.set(uploadKey(e.value.id), { projectId, startedAt: new Date(0).toISOString() });
    await kv.delete(e.key);
    await deleteChunks(kv, e.value.id);
    await kv.delete(uploadKey(e.value.id));
  }
  await kv.delete(usageKey(projectId));
}
