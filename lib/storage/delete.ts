import { commitRetryingLocks } from "./kv.ts";

/** Keys deleted per commit: far below KV's 1,000 mutations. */
const PER_COMMIT = 200;

/**
 * Deletes every key under `prefix`, in batched commits (not one atomic step: for data
 * nobody can reach any more, such as a deleted project's). `alongside(entry)`: keys kept
 * elsewhere that go in the same commit as that entry. Returns how many were deleted.
 */
export async function deletePrefix(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  alongside?: (entry: Deno.KvEntry<unknown>) => Deno.KvKey[],
): Promise<number> {
  let keys: Deno.KvKey[] = [];
  let deleted = 0;
  const flush = async () => {
    const batch = keys;
    keys = [];
    await commitRetryingLocks(() => {
      const op = kv.atomic();
      for (const key of batch) op.delete(key);
      return op;
    });
    deleted += batch.length;
  };
  for await (const e of kv.list({ prefix }, { batchSize: 500 })) {
    keys.push(e.key, ...alongside?.(e) ?? []);
    if (keys.length >= PER_COMMIT) await flush();
  }
  if (keys.length) await flush();
  return deleted;
}
