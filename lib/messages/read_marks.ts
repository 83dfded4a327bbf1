/**
 * Read marks (`["read_mark", conv, user]`): the highest seq a user has read. Written here
 * and by a send (its author has read their own message, lib/messages/send.ts).
 */
import { commitWithRetry, headKey, readMarkKey } from "../storage/mod.ts";
import type { ConversationHead } from "../conversations/mod.ts";

/**
 * Moves a reader's read mark forward to `seq` (never backward, never past the head).
 * Returns the new mark when it moved, null when it did not. `known`: the mark's and the
 * head's entries when the caller read them in one snapshot during this request (the page
 * does, with its session): the first try commits on them (its check of the mark refuses a
 * stale one, and the head only bounds the target, which a newer head leaves valid).
 */
export async function markRead(
  kv: Deno.Kv,
  conversationId: string,
  options: {
    userId: string;
    seq: number;
    known?: { mark: Deno.KvEntryMaybe<unknown>; head: Deno.KvEntryMaybe<unknown> };
  },
): Promise<number | null> {
  let moved: number | null = null;
  let known = options.known;
  await commitWithRetry(async () => {
    const [mark, head] = known
      ? [known.mark as Deno.KvEntryMaybe<number>, known.head as Deno.KvEntryMaybe<ConversationHead>]
      : await kv.getMany<[number, ConversationHead]>([
        readMarkKey(conversationId, options.userId),
        headKey(conversationId),
      ]);
    known = undefined;
    const target = Math.min(options.seq, head.value?.seq ?? 0);
    if ((mark.value ?? 0) >= target) return true;
    const result = await kv.atomic().check(mark).set(
      readMarkKey(conversationId, options.userId),
      target,
    ).commit();
    if (result.ok) moved = target;
    return result.ok ? true : null;
  });
  return moved;
}
