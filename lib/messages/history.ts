/** Reading a conversation's messages a page at a time. */
import type { Message, MessageRecord } from "../shared/message.ts";
import { withAuthors } from "./message.ts";
import { inHistory } from "./replies.ts";
import { messageKey, messagesPrefix } from "../storage/mod.ts";

export type MessagePage = {
  messages: Message[];
  nextCursor: string | null;
  /** With `around` only: the newest seq returned when newer ones remain (pass it as `after`). */
  newerCursor?: string | null;
};

export type ListOptions = {
  before?: number;
  after?: number;
  around?: number;
  limit?: number;
  /**
   * The history people read: top-level messages and replies sent `alsoToConversation`
   * only (a thread's other replies are read with its thread). Without it, every message:
   * what delivery and catch-up need, so the seqs a client holds have no gap.
   */
  topLevel?: boolean;
};

/**
 * Records one filtered page reads at most: a page of history skips a thread's replies, and
 * a long run of them ends the page early (its cursor then points past what was read, so
 * the next page goes on from there).
 */
export const MAX_SCAN = 2000;

type Keep = (r: MessageRecord) => boolean;

/**
 * Up to `limit` kept records in key order (newest first when `reverse`), whether more may
 * follow, and the seq to go on from (the last kept one returned, or the last read when the
 * scan stopped at MAX_SCAN).
 */
async function scan(
  kv: Deno.Kv,
  selector: Deno.KvListSelector,
  limit: number,
  reverse: boolean,
  keep: Keep | null,
): Promise<{ records: MessageRecord[]; more: boolean; edge: number | null }> {
  const records: MessageRecord[] = [];
  if (!keep) {
    for await (
      const e of kv.list<MessageRecord>(selector, { limit: limit + 1, reverse })
    ) records.push(e.value);
    const more = records.length > limit;
    if (more) records.length = limit;
    return { records, more, edge: records.at(-1)?.seq ?? null };
  }
  let read = 0;
  let lastRead: number | null = null;
  for await (const e of kv.list<MessageRecord>(selector, { reverse, batchSize: 200 })) {
    if (keep(e.value)) {
      if (records.length === limit) return { records, more: true, edge: records.at(-1)!.seq };
      records.push(e.value);
    }
    lastRead = e.value.seq;
    if (++read >= MAX_SCAN) return { records, more: true, edge: lastRead };
  }
  return { records, more: false, edge: null };
}

/**
 * One page of history, oldest first. With `after`: the messages after that seq (nextCursor
 * continues forward). With `around`: that seq in the middle of the page (a search result
 * opened in context); nextCursor pages back, newerCursor forward. Otherwise the newest ones
 * before `before` (default: the end), and nextCursor is the oldest seq returned when older
 * ones remain (pass it as `before`). `topLevel`: see ListOptions.
 */
export async function listMessages(
  kv: Deno.Kv,
  conversationId: string,
  options: ListOptions = {},
): Promise<MessagePage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 100);
  const keep = options.topLevel ? inHistory : null;
  if (options.around !== undefined) {
    return await listAround(kv, conversationId, options.around, limit, keep);
  }
  const prefix = messagesPrefix(conversationId);
  if (options.after !== undefined) {
    // Prefix-bounded selectors: a start past the last seq (or an end before the first)
    // is an empty page, where a start/end pair out of order would make KV throw.
    const { records, more, edge } = await scan(
      kv,
      {
        prefix,
        start: messageKey(conversationId, options.after + 1),
      },
      limit,
      false,
      keep,
    );
    const messages = await withAuthors(kv, records);
    return { messages, nextCursor: more && edge !== null ? String(edge) : null };
  }
  const { records, more, edge } = await scan(
    kv,
    options.before === undefined
      ? { prefix }
      : { prefix, end: messageKey(conversationId, options.before) },
    limit,
    true,
    keep,
  );
  records.reverse();
  const messages = await withAuthors(kv, records);
  return { messages, nextCursor: more && edge !== null ? String(edge) : null };
}

/** Up to `limit` messages with `around` in the middle (or as near as history allows). */
async function listAround(
  kv: Deno.Kv,
  conversationId: string,
  around: number,
  limit: number,
  keep: Keep | null,
): Promise<MessagePage> {
  const prefix = messagesPrefix(conversationId);
  const end = messageKey(conversationId, around + 1);
  const older = await scan(kv, { prefix, end }, Math.ceil(limit / 2), true, keep);
  older.records.reverse();
  const newer = await scan(kv, { prefix, start: end }, limit - older.records.length, false, keep);
  const records = [...older.records, ...newer.records];
  return {
    messages: await withAuthors(kv, records),
    nextCursor: older.more && older.edge !== null ? String(older.edge) : null,
    newerCursor: newer.more && newer.edge !== null ? String(newer.edge) : null,
  };
}
