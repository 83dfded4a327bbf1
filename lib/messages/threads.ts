/**
 * Reading threads: one thread's replies a page at a time, the threads a person takes part
 * in ("your threads", newest activity first, with unread replies counted), and a person's
 * read mark in a thread. Replies are written by send.ts (see replies.ts).
 */
import { NotFoundError } from "../errors.ts";
import type { Conversation, ConversationRecord } from "../conversations/mod.ts";
import { getHeadSeq } from "../conversations/mod.ts";
import { getUsersByUsernames } from "../accounts/mod.ts";
import { mentionsIn } from "../shared/mentions.ts";
import type { Message, MessageRecord } from "../shared/message.ts";
import {
  conversationKey,
  getManyChunked,
  messageKey,
  threadInboxKey,
  threadRepliesPrefix,
  threadReplyKey,
  userThreadKey,
  userThreadsPrefix,
} from "../storage/mod.ts";
import { withAuthors } from "./message.ts";
import type { UserThread } from "./replies.ts";
import { getConversationForUser } from "./conversation_views.ts";

export type ThreadPage = { parent: Message; replies: Message[]; nextCursor: string | null };

/** A thread as "your threads" lists it. */
export type ThreadItem = {
  conversation: Conversation;
  parent: Message;
  replyCount: number;
  lastReplyAt: string;
  /** Replies after your read mark in the thread (at most 100 counted). */
  unreadCount: number;
};

/** Threads a person's list reads at most (the newest activity of those is listed). */
export const MAX_USER_THREADS = 1000;
/** Unread replies counted per thread at most. */
const MAX_UNREAD = 100;

/** A thread's parent: a top-level, non-system message (NotFoundError otherwise). */
async function readParent(kv: Deno.Kv, conversationId: string, seq: number) {
  const entry = await kv.get<MessageRecord>(messageKey(conversationId, seq));
  const parent = entry.value;
  if (!parent || parent.parentSeq != null || parent.kind === "system") {
    throw new NotFoundError("Thread not found.");
  }
  return parent;
}

/**
 * One page of a thread, oldest first: its parent (a deleted one as the deleted placeholder,
 * its replies still readable) and the replies after `after` (default: from the first;
 * nextCursor continues forward), or with `before` the newest ones before that seq
 * (nextCursor is the oldest returned, to page back). The caller has checked that the reader
 * takes part. A top-level message with no replies is an empty thread (one may start it).
 */
export async function readThread(
  kv: Deno.Kv,
  conversationId: string,
  parentSeq: number,
  options: { after?: number; before?: number; limit?: number } = {},
): Promise<ThreadPage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 100);
  const parent = await readParent(kv, conversationId, parentSeq);
  const prefix = threadRepliesPrefix(conversationId, parentSeq);
  const seqs: number[] = [];
  const backwards = options.before !== undefined && options.after === undefined;
  const iter = backwards
    ? kv.list({ prefix, end: threadReplyKey(conversationId, parentSeq, options.before!) }, {
      limit: limit + 1,
      reverse: true,
    })
    : kv.list({
      prefix,
      start: threadReplyKey(conversationId, parentSeq, (options.after ?? 0) + 1),
    }, {
      limit: limit + 1,
    });
  for await (const e of iter) seqs.push(e.key[3] as number);
  const more = seqs.length > limit;
  if (more) seqs.length = limit;
  if (backwards) seqs.reverse();
  const entries = await getManyChunked<MessageRecord>(
    kv,
    seqs.map((seq) => messageKey(conversationId, seq)),
  );
  const records = entries.flatMap((e) => e.value ? [e.value] : []);
  const [shapedParent, ...replies] = await withAuthors(kv, [parent, ...records]);
  const edge = backwards ? seqs[0] : seqs.at(-1);
  return { parent: shapedParent, replies, nextCursor: more ? String(edge) : null };
}

/**
 * Marks thread `parentSeq` read up to reply `seq` for a person who takes part in it (others
 * have nothing to mark: 204 all the same). The mark never moves back or past the
 * conversation's last seq. The caller has checked that the person takes part in the
 * conversation; a parent that is not a thread's is a NotFoundError.
 */
export async function markThreadRead(
  kv: Deno.Kv,
  userId: string,
  conversationId: string,
  parentSeq: number,
  seq: number,
): Promise<boolean> {
  await readParent(kv, conversationId, parentSeq);
  const last = await getHeadSeq(kv, conversationId);
  const readSeq = Math.min(seq, last);
  const key = userThreadKey(userId, conversationId, parentSeq);
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await kv.get<UserThread>(key);
    if (!entry.value || entry.value.readSeq >= readSeq) return false;
    const op = kv.atomic().check(entry).set(key, { ...entry.value, readSeq });
    const ok = await staleInboxes(op, [userId]).commit();
    if (ok.ok) return true;
  }
  return false;
}

/**
 * After a reply is stored (lib/realtime/sending.ts, behind the commit; best effort): the
 * participants it mentions (`@username`) take part in its thread from now on (an entry with
 * nothing read, written only where they have none), and the sidebar counts of the thread's
 * people (its parent's author and repliers, and those mentioned) are read again.
 */
export async function noteThreadMentions(
  kv: Deno.Kv,
  reply: Pick<Message, "conversationId" | "parentSeq" | "content" | "createdAt">,
  participantIds: string[],
): Promise<void> {
  if (reply.parentSeq == null) return;
  const names = mentionsIn(reply.content);
  const inside = new Set(participantIds);
  const [parent, users] = await Promise.all([
    kv.get<MessageRecord>(messageKey(reply.conversationId, reply.parentSeq)),
    names.length ? getUsersByUsernames(kv, names.slice(0, 20)) : [],
  ]);
  const mentioned = users.filter((u) => inside.has(u.id));
  const people = new Set([
    ...parent.value?.thread?.participantIds ?? [],
    ...mentioned.map((u) => u.id),
  ]);
  await staleInboxes(kv.atomic(), [...people]).commit();
  for (const u of mentioned) {
    const key = userThreadKey(u.id, reply.conversationId, reply.parentSeq);
    const value: UserThread = { lastReplyAt: reply.createdAt, readSeq: reply.parentSeq };
    const op = kv.atomic().check({ key, versionstamp: null }).set(key, value);
    await staleInboxes(op, [u.id]).commit();
  }
}

/**
 * `["thread_inbox", userId]`: the sidebar's count of threads with unread replies, kept so a
 * page reads one key (countUnreadThreads reads a read per thread). Marked stale by whatever
 * may move it (a reply in one of the person's threads, a read, a mention); a kept count is
 * written only over the entry it read (a stale mark since wins). Every entry expires after
 * INBOX_TTL_MS, so a mark lost to a crash behind a reply's commit (or a conversation left)
 * is made good by then.
 */
type ThreadInbox = { unreadThreads: number } | { stale: true };

/** How long a kept count (or a stale mark) lives. */
export const INBOX_TTL_MS = 10 * 60_000;

/** Marks the people's kept counts stale in `op`. */
function staleInboxes(op: Deno.AtomicOperation, userIds: string[]): Deno.AtomicOperation {
  for (const id of userIds) {
    op.set(threadInboxKey(id), { stale: true } satisfies ThreadInbox, { expireIn: INBOX_TTL_MS });
  }
  return op;
}

/** Keeps `unreadThreads` for the person unless the entry moved since `read`. */
async function keepInbox(
  kv: Deno.Kv,
  userId: string,
  read: Deno.KvEntryMaybe<ThreadInbox>,
  unreadThreads: number,
): Promise<void> {
  const kept = read.value && "unreadThreads" in read.value ? read.value.unreadThreads : null;
  if (kept === unreadThreads) return;
  // A cache: a store that takes no writes (a full disk) still serves the page, counted afresh.
  await kv.atomic().check(read).set(
    threadInboxKey(userId),
    { unreadThreads } satisfies ThreadInbox,
    { expireIn: INBOX_TTL_MS },
  ).commit().catch(() => {});
}

/**
 * How many of the person's threads have replies they have not read (the sidebar's Threads
 * mark, on every signed-in page): one read while the kept count holds, else counted (as
 * listUserThreads does) and kept.
 */
export async function unreadThreadCount(kv: Deno.Kv, userId: string): Promise<number> {
  const inbox = await kv.get<ThreadInbox>(threadInboxKey(userId));
  if (inbox.value && "unreadThreads" in inbox.value) return inbox.value.unreadThreads;
  const n = await countUnreadThreads(kv, await userThreadCandidates(kv, userId));
  await keepInbox(kv, userId, inbox, n);
  return n;
}

type Candidate = {
  conversationId: string;
  parent: MessageRecord;
  readSeq: number;
  lastReplyAt: string;
};

/** Newest activity first; ties by conversation and seq (a total order, for the cursor). */
function byActivity(a: Candidate, b: Candidate): number {
  if (a.lastReplyAt !== b.lastReplyAt) return a.lastReplyAt < b.lastReplyAt ? 1 : -1;
  if (a.conversationId !== b.conversationId) return a.conversationId < b.conversationId ? -1 : 1;
  return a.parent.seq - b.parent.seq;
}

function cursorOf(c: Candidate): string {
  return `${c.lastReplyAt}|${c.conversationId}|${c.parent.seq}`;
}

function fromCursor(cursor: string): Candidate | null {
  const [lastReplyAt, conversationId, seq] = cursor.split("|");
  if (!lastReplyAt || !conversationId || !Number.isSafeInteger(Number(seq))) return null;
  return {
    lastReplyAt,
    conversationId,
    readSeq: 0,
    parent: { seq: Number(seq) } as MessageRecord,
  };
}

/**
 * The threads a person takes part in (started, replied or mentioned), in conversations they
 * still take part in, newest activity first, `limit` after `cursor`. `unreadThreads`: how
 * many of all of them have replies the person has not read (for the sidebar's mark).
 */
export async function listUserThreads(
  kv: Deno.Kv,
  userId: string,
  options: { cursor?: string; limit?: number } = {},
): Promise<{ threads: ThreadItem[]; nextCursor: string | null; unreadThreads: number }> {
  const limit = Math.min(Math.max(options.limit ?? 20, 1), 50);
  const inbox = await kv.get<ThreadInbox>(threadInboxKey(userId));
  const all = await userThreadCandidates(kv, userId);
  const after = options.cursor ? fromCursor(options.cursor) : null;
  const start = after ? all.findIndex((c) => byActivity(c, after) > 0) : 0;
  const page = start < 0 ? [] : all.slice(start, start + limit);
  const more = start >= 0 && start + limit < all.length;
  const [views, shaped, unread, unreadThreads] = await Promise.all([
    Promise.all(
      [...new Set(page.map((c) => c.conversationId))].map(async (id) =>
        [id, await getConversationForUser(kv, id, userId)] as const
      ),
    ),
    withAuthors(kv, page.map((c) => c.parent)),
    Promise.all(page.map((c) => countUnread(kv, c))),
    countUnreadThreads(kv, all),
  ]);
  const viewOf = new Map(views);
  await keepInbox(kv, userId, inbox, unreadThreads);
  return {
    threads: page.map((c, i) => ({
      conversation: viewOf.get(c.conversationId)!,
      parent: shaped[i],
      replyCount: c.parent.thread!.replyCount,
      lastReplyAt: c.lastReplyAt,
      unreadCount: unread[i],
    })),
    nextCursor: more ? cursorOf(page[page.length - 1]) : null,
    unreadThreads,
  };
}

/**
 * The threads a person takes part in (started, replied or mentioned), in conversations they
 * still take part in, that have replies: newest activity first.
 */
async function userThreadCandidates(kv: Deno.Kv, userId: string): Promise<Candidate[]> {
  const entries: { conversationId: string; parentSeq: number; value: UserThread }[] = [];
  for await (
    const e of kv.list<UserThread>({ prefix: userThreadsPrefix(userId) }, {
      limit: MAX_USER_THREADS,
    })
  ) {
    entries.push({
      conversationId: e.key[2] as string,
      parentSeq: e.key[3] as number,
      value: e.value,
    });
  }
  const conversationIds = [...new Set(entries.map((e) => e.conversationId))];
  const records = await getManyChunked<ConversationRecord>(
    kv,
    conversationIds.map(conversationKey),
  );
  const inside = new Set(
    conversationIds.filter((_, i) => records[i].value?.participantIds.includes(userId)),
  );
  const kept = entries.filter((e) => inside.has(e.conversationId));
  const parents = await getManyChunked<MessageRecord>(
    kv,
    kept.map((e) => messageKey(e.conversationId, e.parentSeq)),
  );
  return kept.flatMap((e, i) => {
    const parent = parents[i].value;
    if (!parent?.thread?.replyCount) return [];
    return [{
      conversationId: e.conversationId,
      parent,
      readSeq: e.value.readSeq,
      lastReplyAt: parent.thread.lastReplyAt,
    }];
  }).sort(byActivity);
}

/** Replies after the person's read mark in the thread (at most MAX_UNREAD). */
async function countUnread(kv: Deno.Kv, c: Candidate): Promise<number> {
  let n = 0;
  const prefix = threadRepliesPrefix(c.conversationId, c.parent.seq);
  const start = threadReplyKey(c.conversationId, c.parent.seq, c.readSeq + 1);
  for await (const _ of kv.list({ prefix, start }, { limit: MAX_UNREAD })) n++;
  return n;
}

/** Threads of the newest activity whose unread state is counted for the sidebar. */
const MAX_UNREAD_THREADS = 200;

/**
 * How many of the MAX_UNREAD_THREADS most active threads have a reply after the person's
 * read mark (one small read each).
 */
async function countUnreadThreads(kv: Deno.Kv, all: Candidate[]): Promise<number> {
  const flags = await Promise.all(
    all.slice(0, MAX_UNREAD_THREADS).map(async (c) => {
      const prefix = threadRepliesPrefix(c.conversationId, c.parent.seq);
      const iter = kv.list({ prefix }, { limit: 1, reverse: true });
      for await (const e of iter) return (e.key[3] as number) > c.readSeq;
      return false;
    }),
  );
  return flags.filter(Boolean).length;
}
