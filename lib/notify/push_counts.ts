/**
 * Each person's count of push subscriptions (push.ts keeps it in every commit that adds or
 * removes one; the notifier reads it instead of listing everyone's subscriptions) for stores
 * written before the count: `recountPushSubscriptions` sets every count from the
 * subscriptions held, and `ensurePushCounts` does it once per store (a marker,
 * `migrationKey(PUSH_COUNTS_MIGRATION)`, says it ran to its end). The notifier runs
 * `ensurePushCounts` before its first round and `deno task migrate` runs it too, so a server
 * started on an older store (or a restored export from before the count) pushes to everyone
 * it did before.
 */
import {
  commitWithRetry,
  migrationKey,
  pushSubCountKey,
  pushSubCountPrefix,
  pushSubsAllPrefix,
} from "../storage/mod.ts";
import { listEntries, setCount } from "./push.ts";

/** The marker's name: every count has been set from the subscriptions held. */
export const PUSH_COUNTS_MIGRATION = "push_sub_counts";

/**
 * Sets the count of every person who holds a subscription or a count (a count whose
 * subscriptions are gone goes). Each person's in a commit checked on their count, read before
 * their subscriptions: a subscription added or removed meanwhile (which moves the count)
 * makes that person's count read again. Idempotent. Returns how many counts it changed.
 */
export async function recountPushSubscriptions(kv: Deno.Kv): Promise<{ changed: number }> {
  const people = new Set<string>();
  for await (const e of kv.list({ prefix: pushSubsAllPrefix() })) people.add(String(e.key[1]));
  for await (const e of kv.list({ prefix: pushSubCountPrefix() })) people.add(String(e.key[1]));
  let changed = 0;
  for (const userId of people) {
    const done = await commitWithRetry(async () => {
      const count = await kv.get<number>(pushSubCountKey(userId));
      const held = (await listEntries(kv, userId)).length;
      if ((count.value ?? 0) === held) return false;
      const op = kv.atomic().check(count);
      setCount(op, userId, held);
      return (await op.commit()).ok ? true : null;
    });
    if (done) changed++;
  }
  return { changed };
}

/** Recounts once per store (the marker); true when it ran now. */
export async function ensurePushCounts(kv: Deno.Kv): Promise<boolean> {
  const marker = migrationKey(PUSH_COUNTS_MIGRATION);
  if ((await kv.get(marker)).value !== null) return false;
  await recountPushSubscriptions(kv);
  await kv.set(marker, new Date().toISOString());
  return true;
}
