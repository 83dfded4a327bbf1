/**
 * Date bounds of a search (`after:`, `before:`) as seqs: postings are keyed by seq
 * (`["search", conv, token, firstSeq]`), so a query limited in time reads only the postings
 * of that stretch of seqs. Messages' times rise with their seqs (a conversation's writer
 * stamps them in order), which lets a binary search over `messageKey(conv, seq)` find the
 * bounds in O(log n) reads: ~2 × 20 for a million messages, however old the range.
 */
import { headKey, messageKey } from "../storage/mod.ts";
import type { ConversationHead, MessageRecord } from "../messages/mod.ts";

/** Bounds in ms since the epoch, both exclusive (like Slack's `after:` and `before:`). */
export type DateBounds = { after?: number; before?: number };

/**
 * The seqs of the first and last message of the conversation inside the bounds (created
 * after `after` and before `before`, both exclusive), or null when there is none.
 */
export async function seqRange(
  kv: Deno.Kv,
  conversationId: string,
  bounds: DateBounds,
): Promise<{ from: number; to: number } | null> {
  const head = await kv.get<ConversationHead>(headKey(conversationId));
  const last = head.value?.seq ?? 0;
  if (last < 1) return null;
  const { after, before } = bounds;
  if (after !== undefined && before !== undefined && before - after <= 1) return null;
  const [from, end] = await Promise.all([
    after === undefined ? 1 : firstSeqWhere(kv, conversationId, last, (at) => at > after),
    before === undefined ? last + 1 : firstSeqWhere(kv, conversationId, last, (at) => at >= before),
  ]);
  const to = end - 1;
  return from <= to ? { from, to } : null;
}

/**
 * The first seq in [1, last] whose message's time passes `test` (a test that, once true,
 * stays true for later seqs), or last + 1 when none does. Each probe is one read: the first
 * message stored at or after the probed seq (a seq without a message, which the writer never
 * leaves, would only move the answer to the next stored one).
 */
async function firstSeqWhere(
  kv: Deno.Kv,
  conversationId: string,
  last: number,
  test: (at: number) => boolean,
): Promise<number> {
  let lo = 1;
  let hi = last + 1;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const found = await firstStoredFrom(kv, conversationId, mid, hi);
    if (!found || test(found.at)) hi = mid;
    else lo = found.seq + 1;
  }
  return lo;
}

/** The first message stored with a seq in [from, end): its seq and time in ms. */
async function firstStoredFrom(
  kv: Deno.Kv,
  conversationId: string,
  from: number,
  end: number,
): Promise<{ seq: number; at: number } | null> {
  const entries = kv.list<MessageRecord>({
    start: messageKey(conversationId, from),
    end: messageKey(conversationId, end),
  }, { limit: 1 });
  for await (const { value } of entries) return { seq: value.seq, at: Date.parse(value.createdAt) };
  return null;
}
