import { z } from "zod";
import { ulid } from "ulid";
import { commitWithRetry } from "./kv.ts";
import { getUsersByIds, type User } from "./users.ts";

export const contentSchema = z.string().trim().min(1, "Write something first.").max(
  4000,
  "Keep messages under 4,000 characters.",
);
export const clientIdSchema = z.string().min(1).max(64).regex(
  /^[A-Za-z0-9_.:-]+$/,
  "Use letters, digits and '_', '.', ':', '-'.",
);

export type Message = {
  id: string;
  conversationId: string;
  seq: number;
  author: User;
  content: string;
  clientId: string | null;
  createdAt: string;
};

/** What KV keeps: the author by id, so a renamed user shows the new name everywhere. */
export type MessageRecord = Omit<Message, "author"> & { authorId: string };

/** Per conversation: the last seq handed out. Every send checks it, so seq has no gaps. */
export type ConversationHead = {
  seq: number;
  updatedAt: string;
  lastMessage: MessageRecord | null;
};

export const messageKey = (conversationId: string, seq: number) => ["msg", conversationId, seq];
const messagesPrefix = (conversationId: string) => ["msg", conversationId];
export const headKey = (conversationId: string) => ["conv_head", conversationId];
export const readMarkKey = (conversationId: string, userId: string) => [
  "read_mark",
  conversationId,
  userId,
];
const clientIdKey = (conversationId: string, authorId: string, clientId: string) => [
  "msg_client",
  conversationId,
  authorId,
  clientId,
];

/**
 * Stores a message as the next seq of its conversation. The seq, the message, the clientId
 * index and the author's read mark are one atomic commit checked against the head, so two
 * concurrent sends never share a seq and a repeated clientId is stored once.
 * The caller has checked that the author is a participant.
 */
export async function sendMessage(
  kv: Deno.Kv,
  author: User,
  input: { conversationId: string; content: string; clientId?: string | null },
): Promise<{ message: Message; created: boolean }> {
  const { conversationId } = input;
  const clientId = input.clientId ?? null;
  return await commitWithRetry(async () => {
    const [head, dup] = await kv.getMany<[ConversationHead, number]>([
      headKey(conversationId),
      clientId ? clientIdKey(conversationId, author.id, clientId) : ["msg_client_none"],
    ]);
    if (clientId && dup.value !== null) {
      const original = await kv.get<MessageRecord>(messageKey(conversationId, dup.value));
      if (original.value) {
        return { message: { ...toMessageShape(original.value, author) }, created: false };
      }
    }
    const seq = (head.value?.seq ?? 0) + 1;
    const record: MessageRecord = {
      id: ulid(),
      conversationId,
      seq,
      authorId: author.id,
      content: input.content,
      clientId,
      createdAt: new Date().toISOString(),
    };
    const op = kv.atomic()
      .check(head)
      .set(messageKey(conversationId, seq), record)
      .set(headKey(conversationId), { seq, updatedAt: record.createdAt, lastMessage: record })
      .set(readMarkKey(conversationId, author.id), seq);
    if (clientId) {
      op.check(dup).set(clientIdKey(conversationId, author.id, clientId), seq);
    }
    const result = await op.commit();
    return result.ok ? { message: toMessageShape(record, author), created: true } : null;
  });
}

function toMessageShape(record: MessageRecord, author: User): Message {
  const { authorId: _authorId, ...rest } = record;
  return { ...rest, author };
}

/** Resolves authors for stored records (one batched read for the distinct authors). */
export async function withAuthors(kv: Deno.Kv, records: MessageRecord[]): Promise<Message[]> {
  const ids = [...new Set(records.map((r) => r.authorId))];
  const users = new Map((await getUsersByIds(kv, ids)).map((u) => [u.id, u]));
  return records.map((r) =>
    toMessageShape(
      r,
      users.get(r.authorId) ?? { id: r.authorId, username: "deleted", displayName: "Deleted user" },
    )
  );
}

export type MessagePage = { messages: Message[]; nextCursor: string | null };

/**
 * One page of history, oldest first. With `after`: the messages after that seq (nextCursor
 * continues forward). Otherwise the newest ones before `before` (default: the end), and
 * nextCursor is the oldest seq returned when older ones remain (pass it as `before`).
 */
export async function listMessages(
  kv: Deno.Kv,
  conversationId: string,
  options: { before?: number; after?: number; limit?: number } = {},
): Promise<MessagePage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 100);
  const records: MessageRecord[] = [];
  let more = false;
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

/** The last seq of a conversation (0 when empty). */
export async function getHeadSeq(kv: Deno.Kv, conversationId: string): Promise<number> {
  return (await kv.get<ConversationHead>(headKey(conversationId))).value?.seq ?? 0;
}

/** Moves a reader's read mark forward to `seq` (never backward, never past the head). */
export async function markRead(
  kv: Deno.Kv,
  conversationId: string,
  options: { userId: string; seq: number },
): Promise<void> {
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
    return result.ok ? true : null;
  });
}
