/**
 * The conversations a participant sees: the list's rows (lib/conversations/list.ts) with
 * the people, the last message as the API shows it, and the unread and mention counts.
 * Here, not in conversations, because they read and shape messages.
 */
import {
  byActivity,
  type Conversation,
  type ConversationKind,
  type ConversationRow,
  getConversationRow,
  getVisibleRecord,
  listChannelRows,
  listConversationRows,
} from "../conversations/mod.ts";
import { deletedUser, getUsersByIds } from "../accounts/mod.ts";
import { NotFoundError } from "../errors.ts";
import { mentions } from "../shared/mentions.ts";
import type { MessageRecord } from "../shared/message.ts";
import { toMessageShape } from "./message.ts";
import {
  getManyChunked,
  headKey,
  messageKey,
  messagesPrefix,
  readMarkKey,
} from "../storage/mod.ts";
import type { ConversationHead } from "../conversations/mod.ts";
import { type DraftMark, draftsIn } from "./drafts.ts";
import { inHistory } from "./replies.ts";

/** A conversation as its participant sees it, with their own draft there (drafts.ts). */
export type ConversationView = Conversation & DraftMark;

/** A channel as the directory shows it: its view, and whether you take part. */
export type ChannelView = ConversationView & { joined: boolean };

/** The full view of one conversation for a participant. Throws NotFoundError otherwise. */
export async function getConversationForUser(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<ConversationView> {
  const row = await getConversationRow(kv, conversationId, userId);
  const [view] = await toViews(kv, [row], userId);
  return view;
}

/**
 * The user's conversations, most recently active first, `limit` at a time after `cursor`
 * (`limit: Infinity`: all of them, in one answer). See listConversationRows. `also`: one
 * more conversation's view (the one a page opens), read in the same batches: in `also`,
 * null when the user takes no part in it (as getConversationForUser's NotFoundError).
 * `username`: the reader's, when read during this request (see toViews). `alongside`: reads
 * of the caller's about the same conversations (the notification settings), started as soon
 * as the rows are known and run beside the views' reads (one KV round trip less in series);
 * its result is `alongside`.
 */
export async function listConversationsForUser<A = never>(
  kv: Deno.Kv,
  userId: string,
  options: {
    cursor?: string | null;
    limit?: number;
    also?: string;
    username?: string;
    alongside?: (rows: { id: string; kind: ConversationKind }[]) => Promise<A>;
  } = {},
): Promise<{
  values: ConversationView[];
  cursor: string | null;
  also?: ConversationView | null;
  alongside?: A;
}> {
  const { rows, cursor, also } = await listConversationRows(kv, userId, options);
  const listed = also ? rows.indexOf(also) : -1;
  const all = also && listed < 0 ? [...rows, also] : rows;
  const [views, alongside] = await Promise.all([
    toViews(kv, all, userId, options.username),
    options.alongside?.(all.map(({ record }) => ({ id: record.id, kind: record.kind }))),
  ]);
  const alsoView = also ? views[listed < 0 ? rows.length : listed] : null;
  if (also && listed < 0) views.pop();
  return {
    values: views.sort(byActivity),
    cursor,
    ...(options.also === undefined ? {} : { also: alsoView }),
    ...(options.alongside === undefined ? {} : { alongside }),
  };
}

/**
 * The channel directory (see listChannelRows): public channels and the private ones you are
 * in, by name, a page at a time. Nothing counts as unread in one you are not in.
 */
export async function listChannelDirectory(
  kv: Deno.Kv,
  userId: string,
  options: { search?: string; cursor?: string | null; limit?: number } = {},
): Promise<{ values: ChannelView[]; cursor: string | null }> {
  const { rows, cursor } = await listChannelRows(kv, userId, options);
  const views = await toViews(kv, rows, userId);
  return { values: views.map((v, i) => ({ ...v, joined: rows[i].joined })), cursor };
}

/**
 * One channel as the directory shows it, to anyone who may see it (a participant, or anyone
 * for a public channel). NotFoundError otherwise, and for any other kind of conversation.
 */
export async function getChannelForUser(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<ChannelView> {
  const { record, member } = await getVisibleRecord(kv, conversationId, userId);
  if (record.kind !== "channel") throw new NotFoundError("Channel not found.");
  const [head, mark] = await kv.getMany<[ConversationHead, number]>([
    headKey(record.id),
    readMarkKey(record.id, userId),
  ]);
  const row = {
    record,
    head: head.value,
    mark: member ? mark.value ?? 0 : head.value?.seq ?? 0,
  };
  const [view] = await toViews(kv, [row], userId);
  return { ...view, joined: member };
}

/**
 * Adds participant views, last message, unread count and draft, with batched reads. The
 * counts look for mentions of the reader's username: `username`, when the caller read the
 * reader's account during this request (the session did), lets them start with the people's
 * read instead of after it (one KV round trip less in series).
 */
async function toViews(
  kv: Deno.Kv,
  rows: ConversationRow[],
  userId: string,
  username?: string,
): Promise<ConversationView[]> {
  // Participants and the last messages' authors: one batch.
  const wanted = new Set([userId]);
  for (const { record, head } of rows) {
    for (const id of record.participantIds) wanted.add(id);
    wanted.add(record.createdBy);
    if (head?.lastMessage) wanted.add(head.lastMessage.authorId);
    // A system message names people too (its preview shows them as they are now).
    for (const id of head?.lastMessage?.system?.userIds ?? []) wanted.add(id);
  }
  const people = getUsersByIds(kv, [...wanted]).then((all) => new Map(all.map((u) => [u.id, u])));
  people.catch(() => {}); // awaited below (a failure meanwhile is not unhandled)
  const me = username ?? (await people).get(userId)?.username ?? "";
  const [users, counts, drafts] = await Promise.all([
    people,
    Promise.all(rows.map((row) => unreadCounts(kv, row, userId, me))),
    draftsIn(kv, userId, rows.map((row) => row.record.id)),
  ]);
  return rows.map(({ record: r, head }, i) => {
    const last = head?.lastMessage;
    return {
      id: r.id,
      kind: r.kind,
      title: r.title,
      projectId: r.projectId,
      // A deleted account stays named in its direct conversations (see leaveAllConversations).
      participants: r.participantIds.map((id) => users.get(id) ?? deletedUser(id)),
      lastMessage: last
        ? toMessageShape(last, users.get(last.authorId) ?? deletedUser(last.authorId), users)
        : null,
      unreadCount: counts[i].unread,
      mentionCount: counts[i].mentions,
      updatedAt: head?.updatedAt ?? r.createdAt,
      topic: r.topic ?? "",
      visibility: r.kind === "channel" ? r.visibility ?? "public" : null,
      archived: r.archived ?? false,
      memberCount: r.participantIds.length,
      createdBy: users.get(r.createdBy) ?? null,
      draft: drafts.get(r.id) ?? null,
    };
  });
}

/** Unread messages read one by one at most to count them and their mentions of you. */
const SCAN = 100;
/** Messages past SCAN read at most to tell the replies among them (see hiddenAfter). */
const MAX_CANDIDATES = 500;

/**
 * The unread messages of the conversation's history (top-level ones and replies also sent to
 * the conversation; replies count in "your threads" instead) and those that mention `me`
 * (of the first SCAN unread).
 */
async function unreadCounts(
  kv: Deno.Kv,
  row: ConversationRow,
  userId: string,
  me: string,
): Promise<{ unread: number; mentions: number }> {
  const { record: r, head, mark } = row;
  const gap = (head?.seq ?? 0) - mark;
  if (gap <= 0 || !head) return { unread: 0, mentions: 0 };
  const mentioned = (m: MessageRecord) =>
    me !== "" && m.authorId !== userId && mentions(m.content, me);
  // One unread message is the head's own last message: no read (a list of 500 conversations
  // each with one unread message made 500 range reads per request; measured, bench/all.ts).
  const last = head.lastMessage;
  if (gap === 1 && last && last.seq === mark + 1) {
    if (!inHistory(last)) return { unread: 0, mentions: 0 };
    return { unread: 1, mentions: mentioned(last) ? 1 : 0 };
  }
  // No reply after the mark and nobody to mention: the seqs tell.
  const repliesAfter = head.replies?.ranges.some(([, to]) => to > mark) ||
    (head.replies?.floor ?? 0) > mark;
  if (!repliesAfter && !me) return { unread: gap, mentions: 0 };
  let unread = 0;
  let n = 0;
  let scannedTo = mark;
  const iter = kv.list<MessageRecord>(
    { prefix: messagesPrefix(r.id), start: messageKey(r.id, mark + 1) },
    { limit: Math.min(gap, SCAN) },
  );
  for await (const e of iter) {
    scannedTo = e.value.seq;
    if (!inHistory(e.value)) continue;
    unread++;
    if (mentioned(e.value)) n++;
  }
  if (scannedTo >= head.seq) return { unread, mentions: n };
  const rest = head.seq - scannedTo;
  return {
    unread: unread + rest - (repliesAfter ? await hiddenAfter(kv, r.id, head, scannedTo) : 0),
    mentions: n,
  };
}

/**
 * How many replies hidden from the history come after `after`: the head's reply ranges say
 * which seqs may be replies (read those), and before its `floor` the messages are read
 * (MAX_CANDIDATES at most, in all: past that, the rest counts as shown).
 */
async function hiddenAfter(
  kv: Deno.Kv,
  conversationId: string,
  head: ConversationHead,
  after: number,
): Promise<number> {
  const { ranges, floor } = head.replies ?? { ranges: [], floor: 0 };
  let hidden = 0;
  let budget = MAX_CANDIDATES;
  if (floor > after) {
    const iter = kv.list<MessageRecord>({
      start: messageKey(conversationId, after + 1),
      end: messageKey(conversationId, floor + 1),
    }, { limit: budget });
    for await (const e of iter) {
      budget--;
      if (!inHistory(e.value)) hidden++;
    }
  }
  const seqs: number[] = [];
  for (const [from, to] of ranges) {
    for (let seq = Math.max(from, after + 1, floor + 1); seq <= to && budget > 0; seq++) {
      seqs.push(seq);
      budget--;
    }
  }
  const records = await getManyChunked<MessageRecord>(
    kv,
    seqs.map((seq) => messageKey(conversationId, seq)),
  );
  for (const e of records) if (e.value && !inHistory(e.value)) hidden++;
  return hidden;
}
