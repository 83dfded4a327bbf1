/**
 * Files: areas of stored files (a project's, or a conversation's own), their chunks, uploads
 * and downloads. Who may reach an area is decided by the caller; nothing here imports
 * projects, conversations or messages.
 */
export type { FileArea, FileMeta } from "./records.ts";
export { getFileRecord, getFileRecords, listFiles } from "./records.ts";
export { storeFile } from "./store.ts";
export { readFileRange } from "./chunks.ts";
export { recountUserUsage, UploadTooLargeError } from "./usage.ts";
export { deleteAreaFiles, deleteFile } from "./delete.ts";
export { BOOT_ID, keepBootLease, sweepOrphanChunks } from "./orphans.ts";
export { readMultipartFile } from "./uploads.ts";
export { contentDisposition, parseRange, SAFE_INLINE_TYPES } from "./download.ts";
