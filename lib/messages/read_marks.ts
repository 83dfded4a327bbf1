/**
 * Read marks (`["read_mark", conv, user]`): the highest seq a user has read. Written here
 * and by a send (its author has read their own message, lib/messages/send.ts).
 */
import { commitWithRetry, headKey, readMarkKey } from "../storage/mod.ts";
import type { ConversationHead } from "../conversations/mod.ts";

/**
 * Moves a reader's read mark forward to `seq` (never backward, never past the head).
 * Returns the new mark when it moved, null when it did not.
 */
export async function markRead(
  kv: Deno.Kv,
  conversationId: string,
  options: { userId: string; seq: number },
): Promise<number | null> {
  let moved: number | null = null;
  await commitWithRetry(async () => {
    const [mark, head] = await kv.getMany<[number, ConversationHead]>([
      readMarkKey(conversationId, options.userId),
      headKey(conversationId),
    ]);
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
