import { areaFilesPrefix, fileKey, getManyChunked, isId } from "../storage/mod.ts";
import { NotFoundError } from "../errors.ts";
import { getUsersByIds, type User } from "../accounts/mod.ts";
import { cleanFileName } from "../shared/names.ts";

/**
 * Where files live: a project's file area, or a conversation's own (for conversations outside
 * projects: their attachments). Both are keyed by the owner's id (project and conversation ids
 * are ULIDs of one space, so they never collide), which keeps export, import and quotas alike.
 * Who may reach an area is decided by the caller (routes/api/_project.ts): this folder sits
 * below projects and conversations and knows only the area's id.
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
  /** Lowercase hex SHA-256 of the bytes (the download's ETag). */
  sha256: string;
  uploadedBy: User;
  createdAt: string;
};

export type FileRecord = Omit<FileMeta, "uploadedBy"> & { uploadedById: string; chunks: number };

/**
 * The record without what only the store needs (the uploader's id, the chunk count); its name
 * cleaned again (a record stored before names were cleaned may hold a path or a bidi override).
 */
export function toMeta(record: FileRecord): Omit<FileMeta, "uploadedBy"> {
  const { uploadedById: _u, chunks: _c, ...meta } = record;
  return { ...meta, name: cleanFileName(meta.name) };
}

async function withUploaders(kv: Deno.Kv, records: FileRecord[]): Promise<FileMeta[]> {
  const ids = [...new Set(records.map((r) => r.uploadedById))];
  const users = new Map((await getUsersByIds(kv, ids)).map((u) => [u.id, u]));
  return records.map((r) => ({
    ...toMeta(r),
    uploadedBy: users.get(r.uploadedById) ??
      { id: r.uploadedById, username: "deleted", displayName: "Deleted user" },
  }));
}

/** The area's files, newest first. */
export async function listFiles(kv: Deno.Kv, areaId: string): Promise<FileMeta[]> {
  const records: FileRecord[] = [];
  for await (
    const e of kv.list<FileRecord>({ prefix: areaFilesPrefix(areaId) }, { reverse: true })
  ) {
    records.push(e.value);
  }
  return await withUploaders(kv, records);
}

/** One file's stored record. Throws NotFoundError when it is not in this area. */
export async function getFileRecord(
  kv: Deno.Kv,
  areaId: string,
  fileId: string,
): Promise<FileRecord> {
  if (!isId(fileId)) throw new NotFoundError("File not found.");
  const entry = await kv.get<FileRecord>(fileKey(areaId, fileId));
  if (!entry.value) throw new NotFoundError("File not found.");
  return entry.value;
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
