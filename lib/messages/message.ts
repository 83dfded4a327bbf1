/**
 * A message inside the server: what a send asks for and gets back, and how a stored record
 * becomes the Message the API shows (lib/shared/message.ts has the wire types and schemas).
 */
import { getUsersByIds } from "../accounts/mod.ts";
import type { AppError } from "../errors.ts";
import { LruCache } from "../storage/mod.ts";
import type { ConversationHead } from "../conversations/mod.ts";
import type { Attachment, Message, MessageRecord, SystemRecord } from "../shared/message.ts";
import type { User } from "../shared/user.ts";
import { formatMessage } from "./markdown.tsx";

/** What a sender gives: the text, an optional clientId (idempotency) and checked files. */
export type SendInput = {
  conversationId: string;
  content: string;
  clientId?: string | null;
  attachments?: Attachment[];
  /** A reply in the thread of this top-level message of the same conversation. */
  parentSeq?: number;
  /** A reply that also shows in the conversation's history (only with parentSeq). */
  alsoToConversation?: boolean;
  /** The name an integration posts under (an incoming webhook's `username`), cleaned. */
  senderName?: string;
};

export type SendRequest = {
  author: User;
  conversationId: string;
  content: string;
  clientId?: string | null;
  /**
   * The head's participant-change counter (`members`) under which the caller saw the
   * author take part. When the head has moved past it, the commit reads the participants
   * again and refuses a non-participant; the head check makes that exact. Leave it out
   * only when the membership was read from the store for this very send.
   */
  members?: number;
  /** Files to carry, checked by the caller (see resolveAttachments). */
  attachments?: Attachment[];
  /** See SendInput: checked in the commit (a top-level message of the conversation). */
  parentSeq?: number;
  alsoToConversation?: boolean;
  /** See SendInput: stored on the message, shown instead of the author's display name. */
  senderName?: string;
  /**
   * A system message's facts (lib/messages/system.ts builds the request): stored with
   * `kind: "system"`, written whether or not the author still takes part, and allowed in an
   * archived channel. `people`: the users it names, to show them in the result.
   */
  system?: SystemRecord;
  people?: User[];
};
export type SendResult = {
  message: Message;
  created: boolean;
  /** The conversation head's `members` when this was committed. */
  members: number;
  /**
   * A reply: its parent as that commit left it (the thread summary moved) and the head's
   * `rev` of that change, to deliver as `message_updated`.
   */
  parent?: { message: Message; rev: number };
};
/**
 * Per request: stored, or refused (NotFoundError: the author no longer takes part;
 * ConflictError `archived`: the channel was archived).
 */
export type SendOutcome = SendResult | { refused: AppError };

/**
 * What one writer remembers of the heads it committed: the entry its own commit produced
 * (the value and the versionstamp the commit returned). Its next commit checks against it
 * without reading; if someone else wrote the head since, the check fails and the batch
 * runs again on fresh reads.
 */
export type HeadCache = LruCache<string, Deno.KvEntry<ConversationHead>>;

/** A writer's head cache: the heads of its 10,000 most recently written conversations. */
export function newHeadCache(): HeadCache {
  return new LruCache({ maxEntries: 10_000 });
}

/**
 * Text that Markdown leaves as one plain paragraph, so its `formatted` is null without
 * parsing (formatMessage would answer null too, after ~15–30 µs of markdown-it: every new
 * message pays it once, on the write path). Only when sure: it starts with a letter or "~"
 * (no list, quote, fence or indented code), ends with no space, is one line, and holds none of
 * the characters an enabled rule starts at ("*", "_", "`", "\\", "[", "<", ">", "&", "@", ":",
 * "/", a doubled "~") nor a "." before a letter (linkify's bare domains, "example.com").
 * message_test.ts checks it against formatMessage on every short string of these characters
 * and on random text.
 */
export function surelyPlain(content: string): boolean {
  return PLAIN.test(content) && !NOT_PLAIN.test(content);
}
const PLAIN = /^[A-Za-z~](?:[A-Za-z0-9 ~.,;?!'"#$%()=+^{}|-]*[A-Za-z0-9~.,;?!'"#$%()=+^{}|-])?$/;
const NOT_PLAIN = /~~|\.[A-Za-z]/;

/**
 * A stored record as the API shows it, with its author (and, for a system message, the
 * people it names: `people`, by id; the author stands in for the actor).
 */
export function toMessageShape(
  record: MessageRecord,
  author: User,
  people?: Map<string, User>,
): Message {
  const { authorId: _authorId, system, thread, pinned, ...rest } = record;
  const person = (id: string): User =>
    people?.get(id) ?? { id, username: "deleted", displayName: "Deleted user" };
  return {
    ...rest,
    ...(thread !== undefined
      ? {
        thread: thread && {
          replyCount: thread.replyCount,
          lastReplyAt: thread.lastReplyAt,
          participants: thread.participantIds.map(person),
        },
      }
      : {}),
    ...(pinned !== undefined
      ? { pinned: pinned && { at: pinned.at, by: person(pinned.byId) } }
      : {}),
    ...(system
      ? {
        system: {
          event: system.event,
          actor: author,
          ...(system.userIds
            ? {
              users: system.userIds.map((id) =>
                people?.get(id) ?? { id, username: "deleted", displayName: "Deleted user" }
              ),
            }
            : {}),
          ...(system.title !== undefined ? { title: system.title } : {}),
          ...(system.topic !== undefined ? { topic: system.topic } : {}),
          ...(system.seq !== undefined ? { seq: system.seq } : {}),
        },
      }
      : {}),
    editedAt: rest.editedAt ?? null,
    deletedAt: rest.deletedAt ?? null,
    reactions: rest.reactions ?? [],
    attachments: rest.attachments ?? [],
    author,
    // A system message is shown from its facts, never as Markdown.
    formatted: system || surelyPlain(rest.content) ? null : formatMessage(rest.content),
  };
}

/**
 * Resolves authors for stored records, and the people system messages name (one batched
 * read for the distinct users).
 */
export async function withAuthors(kv: Deno.Kv, records: MessageRecord[]): Promise<Message[]> {
  const ids = new Set(records.map((r) => r.authorId));
  for (const r of records) {
    for (const id of r.system?.userIds ?? []) ids.add(id);
    for (const id of r.thread?.participantIds ?? []) ids.add(id);
    if (r.pinned) ids.add(r.pinned.byId);
  }
  const users = new Map((await getUsersByIds(kv, [...ids])).map((u) => [u.id, u]));
  return records.map((r) =>
    toMessageShape(
      r,
      users.get(r.authorId) ?? { id: r.authorId, username: "deleted", displayName: "Deleted user" },
      r.system?.userIds || r.thread || r.pinned ? users : undefined,
    )
  );
}
