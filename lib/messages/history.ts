/** Reading a conversation's messages a page at a time. */
import type { Message, MessageRecord } from "../shared/message.ts";
import { withAuthors } from "./message.ts";
import { messageKey, messagesPrefix } from "../storage/mod.ts";

export type MessagePage = {
  messages: Message[];
  nextCursor: string | null;
  /** With `around` only: the newest seq returned when newer ones remain (pass it as `after`). */
  newerCursor?: string | null;
};

/**
 * One page of history, oldest first. With `after`: the messages after that seq (nextCursor
 * continues forward). With `around`: that seq in the middle of the page (a search result
 * opened in context); nextCursor pages back, newerCursor forward. Otherwise the newest ones
 * before `before` (default: the end), and nextCursor is the oldest seq returned when older
 * ones remain (pass it as `before`).
 */
export async function listMessages(
  kv: Deno.Kv,
  conversationId: string,
  options: { before?: number; after?: number; around?: number; limit?: number } = {},
): Promise<MessagePage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 100);
  const records: MessageRecord[] = [];
  let more = false;
  if (options.around !== undefined) {
    return await listAround(kv, conversationId, options.around, limit);
  }
  if (options.after !== undefined) {
    // Prefix-bounded selectors: a start past the last seq (or an end before the first)
    // is an empty page, where a start/end pair out of order would make KV throw.
    const iter = kv.list<MessageRecord>({
      prefix: messagesPrefix(conversationId),
      start: messageKey(conversationId, options.after + 1),
    }, { limit: limit + 1 });
    for await (const e of iter) records.push(e.value);
    more = records.length > limit;
    if (more) records.length = limit;
    const messages = await withAuthors(kv, records);
    return { messages, nextCursor: more ? String(records[records.length - 1].seq) : null };
  }
  const iter = kv.list<MessageRecord>(
    options.before === undefined
      ? { prefix: messagesPrefix(conversationId) }
      : { prefix: messagesPrefix(conversationId), end: messageKey(conversationId, options.before) },
    { limit: limit + 1, reverse: true },
  );
  for await (const e of iter) records.push(e.value);
  more = records.length > limit;
  if (more) records.length = limit;
  records.reverse();
  const messages = await withAuthors(kv, records);
  return { messages, nextCursor: more ? String(records[0].seq) : null };
}

/** Up to `limit` messages with `around` in the middle (or as near as history allows). */
async function listAround(
  kv: Deno.Kv,
  conversationId: string,
  around: number,
  limit: number,
): Promise<MessagePage> {
  const prefix = messagesPrefix(conversationId);
  const older: MessageRecord[] = [];
  const olderWanted = Math.ceil(limit / 2);
  const end = messageKey(conversationId, around + 1);
  for await (
    const e of kv.list<MessageRecord>({ prefix, end }, {
      limit: olderWanted + 1,
      reverse: true,
    })
  ) older.push(e.value);
  const moreOlder = older.length > olderWanted;
  if (moreOlder) older.length = olderWanted;
  older.reverse();
  const newer: MessageRecord[] = [];
  const newerWanted = limit - older.length;
  for await (
    const e of kv.list<MessageRecord>({ prefix, start: end }, {
      limit: newerWanted + 1,
    })
  ) newer.push(e.value);
  const moreNewer = newer.length > newerWanted;
  if (moreNewer) newer.length = newerWanted;
  const records = [...older, ...newer];
  return {
    messages: await withAuthors(kv, records),
    nextCursor: moreOlder ? String(records[0].seq) : null,
    newerCursor: moreNewer ? String(records[records.length - 1].seq) : null,
  };
}
