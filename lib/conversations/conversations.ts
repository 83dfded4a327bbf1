import { z } from "zod";
import { isId } from "../storage/ids.ts";
import { ulid } from "ulid";
import { NotFoundError, ValidationError } from "../errors.ts";
import { commitWithRetry, getManyChunked } from "../storage/kv.ts";
import {
  type ConversationHead,
  type Message,
  type MessageRecord,
  toMessageShape,
} from "../messages/messages.ts";
import { byActivity, listCacheOf, type Ranked } from "./list_cache.ts";
import { deletedUser, getUsersByIds, type User } from "../accounts/users.ts";
import { deletePrefix } from "../storage/delete.ts";

import { mentions } from "../shared/mentions.ts";
import {
  conversationKey,
  directPairKey,
  headKey,
  membershipKey,
  membershipsPrefix,
  messageKey,
  messagesPrefix,
  PER_CONVERSATION_KINDS,
  projectConversationKey,
  projectConversationsPrefix,
  readMarkKey,
  searchCursorKey,
} from "../storage/keys.ts";

export const conversationKindSchema = z.enum(["direct", "group", "project"]);
export type ConversationKind = z.infer<typeof conversationKindSchema>;

export type ConversationRecord = {
  id: string;
  kind: ConversationKind;
  title: string | null;
  projectId: string | null;
  participantIds: string[];
  createdBy: string;
  createdAt: string;
};

export type Conversation = {
  id: string;
  kind: ConversationKind;
  title: string | null;
  projectId: string | null;
  participants: User[];
  lastMessage: Message | null;
  unreadCount: number;
  /** Unread messages that mention you (`@username`), of the last 100 unread at most. */
  mentionCount: number;
  updatedAt: string;
};

/** A conversation record lists its people: this keeps it far below KV's 64 KiB value limit. */
export const MAX_PARTICIPANTS = 256;

/**
 * Creates a conversation of `creator` with `others`. One other person and no title makes a
 * direct conversation, and the existing one between the two is returned (created: false).
 * Throws ValidationError when nobody else takes part.
 */
export async function createConversation(
  kv: Deno.Kv,
  creator: User,
  input: {
    others: User[];
    title?: string | null;
    kind?: ConversationKind;
    projectId?: string | null;
  },
): Promise<{ conversation: ConversationRecord; created: boolean }> {
  const others = dedupe(input.others.filter((u) => u.id !== creator.id));
  if (others.length === 0 && input.kind !== "project") {
    throw new ValidationError("Add at least one other person.", {
      participants: "Add at least one other person.",
    });
  }
  if (others.length + 1 > MAX_PARTICIPANTS) {
    throw new ValidationError(`A conversation holds at most ${MAX_PARTICIPANTS} people.`, {
      participants: "Too many people.",
    });
  }
  const kind: ConversationKind = input.kind ??
    (others.length === 1 && !input.title ? "direct" : "group");
  const record: ConversationRecord = {
    id: ulid(),
    kind,
    title: input.title?.trim() || null,
    projectId: input.projectId ?? null,
    participantIds: [creator.id, ...others.map((u) => u.id)],
    createdBy: creator.id,
    createdAt: new Date().toISOString(),
  };
  return await commitWithRetry(async () => {
    const op = kv.atomic().set(conversationKey(record.id), record);
    for (const id of record.participantIds) op.set(membershipKey(id, record.id), true);
    if (record.projectId) op.set(projectConversationKey(record.projectId, record.id), true);
    if (kind === "direct") {
      const pair = directPairKey(creator.id, others[0].id);
      const existing = await kv.get<string>(pair);
      if (existing.value) {
        const found = await kv.get<ConversationRecord>(conversationKey(existing.value));
        if (found.value) return { conversation: found.value, created: false };
      }
      op.check(existing).set(pair, record.id);
    }
    if (!(await op.commit()).ok) return null;
    listCacheOf(kv).forgetUsers(record.participantIds);
    return { conversation: record, created: true };
  });
}

function dedupe(users: User[]): User[] {
  return [...new Map(users.map((u) => [u.id, u])).values()];
}

/** The conversation if `userId` takes part in it. Throws NotFoundError otherwise (no IDOR). */
export async function getConversationRecordForUser(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<ConversationRecord> {
  if (!isId(conversationId)) throw new NotFoundError("Conversation not found.");
  const [member, conv] = await kv.getMany<[boolean, ConversationRecord]>([
    membershipKey(userId, conversationId),
    conversationKey(conversationId),
  ]);
  if (!member.value || !conv.value) throw new NotFoundError("Conversation not found.");
  return conv.value;
}

/**
 * A participant's view of who takes part, with the head's participant-change counter read
 * in the same snapshot: a send made under that counter is re-checked at commit time only
 * if it moved. Throws NotFoundError for a non-participant.
 */
export async function getParticipation(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<{ participantIds: string[]; members: number }> {
  if (!isId(conversationId)) throw new NotFoundError("Conversation not found.");
  const [member, conv, head] = await kv.getMany<[boolean, ConversationRecord, ConversationHead]>([
    membershipKey(userId, conversationId),
    conversationKey(conversationId),
    headKey(conversationId),
  ]);
  if (!member.value || !conv.value) throw new NotFoundError("Conversation not found.");
  return { participantIds: conv.value.participantIds, members: head.value?.members ?? 0 };
}

/** The full view of one conversation for a participant. Throws NotFoundError otherwise. */
export async function getConversationForUser(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<Conversation> {
  const record = await getConversationRecordForUser(kv, conversationId, userId);
  const { heads, marks } = await readFresh(kv, [record.id], userId);
  const [view] = await toViews(kv, [{ record, head: heads[0], mark: marks[0] }], userId);
  return view;
}

/** A page of the list goes on after this: `<updatedAt>|<id>` of the last one shown. */
export const conversationCursorSchema = z.string().regex(
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\|[0-9A-HJKMNP-TV-Z]{26}$/,
  "Use the nextCursor of the page before.",
);
export const CONVERSATION_PAGE = 50;
export const MAX_CONVERSATION_PAGE = 200;

/**
 * The user's conversations, most recently active first, `limit` at a time after `cursor`
 * (`limit: Infinity`: all of them, in one answer).
 * The order needs every conversation's latest activity. No index is written per message
 * (that would multiply every send by its participants): the order comes from the list
 * cache (list_cache.ts: this isolate's own commits, doorbells and heads, every head re-read
 * after REVALIDATE_MS), so a request reads what its page shows, fresh.
 */
export async function listConversationsForUser(
  kv: Deno.Kv,
  userId: string,
  options: { cursor?: string | null; limit?: number } = {},
): Promise<{ values: Conversation[]; cursor: string | null }> {
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
  const views = await toViews(kv, await readPage(kv, page.map((a) => a.id), userId), userId);
  const last = page.at(-1);
  return {
    values: views.sort(byActivity),
    cursor: last && start + limit < order.length ? `${last.updatedAt}|${last.id}` : null,
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

type Row = {
  record: ConversationRecord;
  head: ConversationHead | null;
  mark: number;
};

/**
 * The page's conversations with their heads and the user's read marks, read fresh, and
 * their records: from the list cache while the head's participant counter has not moved
 * since (records are read after the heads, so a record kept under a counter is at least
 * that new). One the user no longer takes part in is left out.
 */
async function readPage(kv: Deno.Kv, ids: string[], userId: string): Promise<Row[]> {
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
    if (!record?.participantIds.includes(userId)) return [];
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

/** Adds participant views, last message and unread count, with batched reads. */
async function toViews(kv: Deno.Kv, rows: Row[], userId: string): Promise<Conversation[]> {
  // Participants and the last messages' authors: one batch.
  const wanted = new Set([userId]);
  for (const { record, head } of rows) {
    for (const id of record.participantIds) wanted.add(id);
    if (head?.lastMessage) wanted.add(head.lastMessage.authorId);
  }
  const users = new Map((await getUsersByIds(kv, [...wanted])).map((u) => [u.id, u]));
  const me = users.get(userId)?.username ?? "";
  const mentionCounts = await Promise.all(rows.map((row) => mentionCount(kv, row, userId, me)));
  return rows.map(({ record: r, head, mark }, i) => {
    const last = head?.lastMessage;
    return {
      id: r.id,
      kind: r.kind,
      title: r.title,
      projectId: r.projectId,
      // A deleted account stays named in its direct conversations (see leaveAllConversations).
      participants: r.participantIds.map((id) => users.get(id) ?? deletedUser(id)),
      lastMessage: last
        ? toMessageShape(last, users.get(last.authorId) ?? deletedUser(last.authorId))
        : null,
      unreadCount: Math.max(0, (head?.seq ?? 0) - mark),
      mentionCount: mentionCounts[i],
      updatedAt: head?.updatedAt ?? r.createdAt,
    };
  });
}

/** Unread messages that mention `me`, of the last 100 unread at most. */
async function mentionCount(kv: Deno.Kv, row: Row, userId: string, me: string): Promise<number> {
  const { record: r, head, mark } = row;
  const unread = (head?.seq ?? 0) - mark;
  if (unread <= 0 || !me) return 0;
  // One unread message is the head's own last message: no read (a list of 500 conversations
  // each with one unread message made 500 range reads per request; measured, bench/all.ts).
  const last = head?.lastMessage;
  if (unread === 1 && last && last.seq === mark + 1) {
    return last.authorId !== userId && mentions(last.content, me) ? 1 : 0;
  }
  let n = 0;
  const iter = kv.list<MessageRecord>(
    { prefix: messagesPrefix(r.id), start: messageKey(r.id, mark + 1) },
    { limit: Math.min(unread, 100) },
  );
  for await (const e of iter) {
    if (e.value.authorId !== userId && mentions(e.value.content, me)) n++;
  }
  return n;
}

async function changeParticipants(
  kv: Deno.Kv,
  conversationId: string,
  change: { add?: string; remove?: string },
): Promise<void> {
  await commitWithRetry(async () => {
    const [entry, head] = await kv.getMany<[ConversationRecord, ConversationHead]>([
      conversationKey(conversationId),
      headKey(conversationId),
    ]);
    if (!entry.value) throw new NotFoundError("Conversation not found.");
    const ids = entry.value.participantIds.filter((id) => id !== change.remove);
    if (change.add && !ids.includes(change.add)) {
      if (ids.length >= MAX_PARTICIPANTS) {
        throw new ValidationError(`A conversation holds at most ${MAX_PARTICIPANTS} people.`, {
          participants: "It is full.",
        });
      }
      ids.push(change.add);
    }
    const current = head.value ?? { seq: 0, updatedAt: entry.value.createdAt, lastMessage: null };
    const op = kv.atomic().check(entry, head).set(conversationKey(conversationId), {
      ...entry.value,
      participantIds: ids,
    }).set(headKey(conversationId), { ...current, members: (current.members ?? 0) + 1 });
    if (change.add) op.set(membershipKey(change.add, conversationId), true);
    if (change.remove) op.delete(membershipKey(change.remove, conversationId));
    if (!(await op.commit()).ok) return null;
    forgetMembers(kv, conversationId, [change.add, change.remove]);
    return true;
  });
}

/** Who joined or left `conversationId` sees their list read again; so does its record. */
function forgetMembers(kv: Deno.Kv, conversationId: string, userIds: (string | undefined)[]) {
  const cache = listCacheOf(kv);
  cache.forgetUsers(userIds.filter((id) => id !== undefined));
  cache.forgetConversation(conversationId);
}

/** Adds a participant (project members join the project's conversation). */
export async function addParticipant(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<void> {
  await changeParticipants(kv, conversationId, { add: userId });
}

/** Removes a participant: from now on the conversation is a 404 for them. */
export async function removeParticipant(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<void> {
  await changeParticipants(kv, conversationId, { remove: userId });
}

/** The ids of every conversation that belongs to a project (its own, and groups in it). */
export async function listProjectConversationIds(
  kv: Deno.Kv,
  projectId: string,
): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: projectConversationsPrefix(projectId) })) {
    ids.push(String(e.key[2]));
  }
  return ids;
}

/** A conversation's record whoever asks (for the hub's own checks), or null. */
export async function getConversationRecord(
  kv: Deno.Kv,
  conversationId: string,
): Promise<ConversationRecord | null> {
  return (await kv.get<ConversationRecord>(conversationKey(conversationId))).value;
}

/**
 * Takes a user out of every conversation (account deletion): out of groups and project
 * conversations like a removed participant; a direct conversation keeps naming them (it shows
 * "Deleted user" to the other person) but is gone from their side. Their read marks go too.
 * Returns the conversations' ids.
 */
export async function leaveAllConversations(kv: Deno.Kv, userId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: membershipsPrefix(userId) })) ids.push(String(e.key[2]));
  for (const id of ids) {
    const record = await getConversationRecord(kv, id);
    if (record && record.kind !== "direct") await removeParticipant(kv, id, userId);
    await kv.atomic().delete(membershipKey(userId, id)).delete(readMarkKey(id, userId)).commit();
    forgetMembers(kv, id, [userId]);
  }
  return ids;
}

/**
 * Deletes a conversation and everything in it (a deleted project's): its record, who takes
 * part, and its messages, head, change log, clientId index, read marks, search postings and cursor
 * (the prefixes messages.ts, message_changes.ts and search_index.ts write under its id).
 */
export async function deleteConversation(kv: Deno.Kv, conversationId: string): Promise<void> {
  const record = await commitWithRetry(async () => {
    const [entry, head] = await kv.getMany<[ConversationRecord, ConversationHead]>([
      conversationKey(conversationId),
      headKey(conversationId),
    ]);
    if (!entry.value) return { record: null };
    const record = entry.value;
    const op = kv.atomic().check(head).delete(conversationKey(conversationId));
    for (const id of record.participantIds) op.delete(membershipKey(id, conversationId));
    if (record.projectId) op.delete(projectConversationKey(record.projectId, conversationId));
    // The participant counter moves, as for a removal: other processes' list caches then
    // read the (deleted) record again instead of showing the conversation until its head
    // goes, after its messages; hubs re-check their rooms.
    if (head.value) {
      op.set(headKey(conversationId), { ...head.value, members: (head.value.members ?? 0) + 1 });
    }
    return (await op.commit()).ok ? { record } : null;
  }).then((r) => r.record);
  if (record) forgetMembers(kv, conversationId, record.participantIds);
  for (const prefix of PER_CONVERSATION_KINDS) {
    await deletePrefix(kv, [prefix, conversationId]);
  }
  await kv.atomic().delete(headKey(conversationId)).delete(searchCursorKey(conversationId))
    .commit();
}
