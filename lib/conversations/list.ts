/**
 * A user's conversations in order of activity, a page at a time: each with its record, its
 * head and the user's read mark (what a list entry is made of; lib/messages/
 * conversation_views.ts makes the entries, with their last message and unread counts).
 */
import {
  conversationKey,
  getManyChunked,
  headKey,
  membershipsPrefix,
  readMarkKey,
} from "../storage/mod.ts";
import {
  CONVERSATION_PAGE,
  type ConversationRecord,
  MAX_CONVERSATION_PAGE,
} from "./conversation.ts";
import type { ConversationHead } from "./head.ts";
import { getConversationRecordForUser } from "./membership.ts";
import { listCacheOf, type Ranked } from "./list_cache.ts";

/** One conversation as a user's list sees it, read fresh. */
export type ConversationRow = {
  record: ConversationRecord;
  head: ConversationHead | null;
  /** The user's read mark (0: nothing read). */
  mark: number;
};

/** One conversation's row for a participant. Throws NotFoundError otherwise. */
export async function getConversationRow(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<ConversationRow> {
  const record = await getConversationRecordForUser(kv, conversationId, userId);
  const { heads, marks } = await readFresh(kv, [record.id], userId);
  return { record, head: heads[0], mark: marks[0] };
}

/**
 * The user's conversations, most recently active first, `limit` at a time after `cursor`
 * (`limit: Infinity`: all of them, in one answer).
 * The order needs every conversation's latest activity. No index is written per message
 * (that would multiply every send by its participants): the order comes from the list
 * cache (list_cache.ts: this isolate's own commits, doorbells and heads, every head re-read
 * after REVALIDATE_MS), so a request reads what its page shows, fresh.
 */
export async function listConversationRows(
  kv: Deno.Kv,
  userId: string,
  options: {
    cursor?: string | null;
    limit?: number;
    /**
     * One more conversation whose row the caller needs (the one a page opens), read in the
     * same batch: `also` is its row, null when the user takes no part in it (an archived
     * channel is kept here, unlike in `rows`). Without a page that shows it, one more read.
     */
    also?: string;
  } = {},
): Promise<{ rows: ConversationRow[]; cursor: string | null; also?: ConversationRow | null }> {
  const limit = options.limit === Infinity
    ? Infinity
    : Math.min(MAX_CONVERSATION_PAGE, Math.max(1, options.limit ?? CONVERSATION_PAGE));
  const order = await activityOrder(kv, userId);
  let start = 0;
  if (options.cursor) {
    const [at, id] = options.cursor.split("|");
    start = order.findIndex((a) => a.updatedAt < at || (a.updatedAt === at && a.id < id));
    if (start < 0) start = order.length;
  }
  const page = order.slice(start, start + limit);
  const last = page.at(-1);
  const cursor = last && start + limit < order.length ? `${last.updatedAt}|${last.id}` : null;
  const ids = page.map((a) => a.id);
  const { also } = options;
  if (also === undefined) return { rows: await readPage(kv, ids, userId), cursor };
  const listed = ids.includes(also);
  const rows = await readPage(kv, listed ? ids : [...ids, also], userId, also);
  const row = rows.find((r) => r.record.id === also) ?? null;
  return {
    rows: rows.filter((r) => r !== row || (listed && !r.record.archived)),
    cursor,
    also: row,
  };
}

/** Every conversation of the user with its latest activity, newest first. */
async function activityOrder(kv: Deno.Kv, userId: string): Promise<Ranked[]> {
  const cache = listCacheOf(kv);
  const ids = await cache.membership(userId, async () => {
    const ids: string[] = [];
    for await (const e of kv.list({ prefix: membershipsPrefix(userId) }, { batchSize: 500 })) {
      ids.push(String(e.key[2]));
    }
    await readActivity(kv, ids);
    return ids;
  });
  // Dropped by a doorbell or evicted: read again.
  await readActivity(kv, ids.filter((id) => !cache.activity(id)));
  return cache.sorted(userId, ids);
}

/** Reads the conversations' heads into the list cache. */
async function readActivity(kv: Deno.Kv, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const cache = listCacheOf(kv);
  const heads = await getManyChunked<ConversationHead>(kv, ids.map(headKey));
  // No head yet (nothing said, nobody joined later): the record's creation time stands in.
  const headless = ids.filter((id, i) => {
    const head = heads[i].value;
    if (head) cache.sawHead(id, head);
    return !head;
  });
  for (const e of await getManyChunked<ConversationRecord>(kv, headless.map(conversationKey))) {
    if (e.value) cache.sawHead(e.value.id, { seq: 0, updatedAt: e.value.createdAt });
  }
}

/**
 * The page's conversations with their heads and the user's read marks, read fresh, and
 * their records: from the list cache while the head's participant counter has not moved
 * since (records are read after the heads, so a record kept under a counter is at least
 * that new). One the user no longer takes part in, or an archived channel, is left out.
 */
async function readPage(
  kv: Deno.Kv,
  ids: string[],
  userId: string,
  /** Kept even when archived (the conversation a page opens). */
  keep?: string,
): Promise<ConversationRow[]> {
  const cache = listCacheOf(kv);
  const { heads, marks } = await readFresh(kv, ids, userId);
  const records = ids.map((id, i) => {
    const head = heads[i];
    if (head) cache.sawHead(id, head);
    return head ? cache.record(id, head.members ?? 0) : undefined;
  });
  const missing = ids.flatMap((_, i) => records[i] ? [] : [i]);
  const read = await getManyChunked<ConversationRecord>(
    kv,
    missing.map((i) => conversationKey(ids[i])),
  );
  read.forEach((e, j) => {
    const i = missing[j];
    records[i] = e.value ?? undefined;
    if (e.value && heads[i]) cache.keepRecord(e.value, heads[i].members ?? 0);
  });
  return ids.flatMap((_, i) => {
    const record = records[i];
    // Archived channels leave the list (the directory and search still have them).
    if (!record?.participantIds.includes(userId)) return [];
    if (record.archived && record.id !== keep) return [];
    return [{ record, head: heads[i], mark: marks[i] }];
  });
}

/** The conversations' heads and the user's read marks, in one batch of reads. */
async function readFresh(
  kv: Deno.Kv,
  ids: string[],
  userId: string,
): Promise<{ heads: (ConversationHead | null)[]; marks: number[] }> {
  const entries = await getManyChunked<unknown>(kv, [
    ...ids.map(headKey),
    ...ids.map((id) => readMarkKey(id, userId)),
  ]);
  return {
    heads: ids.map((_, i) => entries[i].value as ConversationHead | null),
    marks: ids.map((_, i) => (entries[ids.length + i].value as number | null) ?? 0),
  };
}
