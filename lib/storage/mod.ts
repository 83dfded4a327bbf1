/**
 * Storage (layer 1): the KV store and what every domain folder builds on. It imports nothing
 * above lib/shared; what happens above it (metrics) is told through hooks (onCommitRetry).
 */
export {
  commitRetryingLocks,
  type CommitRetryReason,
  commitWithRetry,
  getManyChunked,
  getManyInOrder,
  type KvLocation,
  onCommitRetry,
  openKv,
  perStore,
} from "./kv.ts";
/** Every KV key builder: the key table (one owner per kind, named beside each). */
export * from "./keys.ts";
export { LruCache } from "./lru.ts";
export { decodeKey, decodeValue, encodeKey, encodeValue } from "./codec.ts";
export { deletePrefix } from "./delete.ts";
export { isId } from "./ids.ts";
