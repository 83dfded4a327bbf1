/**
 * Replies in the send path (send.ts): which messages take a thread, and what a reply does
 * to its parent's thread summary and to the people's "your threads" entries. A reply is a
 * message like any other (the conversation's next seq); these are the extra writes of its
 * commit.
 */
import { ValidationError } from "../errors.ts";
import type { MessageRecord } from "../shared/message.ts";
import { isSystem } from "./system.ts";

/** The people a thread summary names at most: the parent's author and the latest repliers. */
export const MAX_THREAD_PARTICIPANTS = 20;

/**
 * What `["user_thread", userId, conv, parentSeq]` holds: the person takes part (started the
 * thread, replied, or was mentioned in a reply); `readSeq`: the highest reply they have read
 * (their own replies count as read); `lastReplyAt`: when their entry was last written.
 */
export type UserThread = { lastReplyAt: string; readSeq: number };

/**
 * Why `parent` cannot take a reply (400 `invalid_input` with `fields.parentSeq`), or null.
 * The parent is a top-level message of the same conversation (not a reply, not a system
 * message). A deleted message takes replies only when it already has some: its thread stays
 * readable and open under the "deleted message" placeholder; a deleted message with no
 * thread is only a placeholder.
 */
export function parentError(parent: MessageRecord | undefined): ValidationError | null {
  const no = (why: string) => new ValidationError(why, { parentSeq: why });
  if (!parent) return no("There is no such message in this conversation to reply to.");
  if (parent.parentSeq != null) {
    return no("Reply in the thread of a top-level message, not to a reply.");
  }
  if (isSystem(parent)) return no("System messages can't be replied to.");
  if (parent.deletedAt && !parent.thread?.replyCount) return no("That message was deleted.");
  return null;
}

/**
 * The parent after `reply`: one reply more, its time, and the people (the parent's author
 * first, then the repliers, the latest last; the oldest repliers leave past
 * MAX_THREAD_PARTICIPANTS).
 */
export function withReply(parent: MessageRecord, reply: MessageRecord): MessageRecord {
  const before = parent.thread;
  const ids = [
    parent.authorId,
    ...(before?.participantIds ?? []).filter((id) =>
      id !== parent.authorId && id !== reply.authorId
    ),
  ];
  if (reply.authorId !== parent.authorId) ids.push(reply.authorId);
  while (ids.length > MAX_THREAD_PARTICIPANTS) ids.splice(1, 1);
  return {
    ...parent,
    thread: {
      replyCount: (before?.replyCount ?? 0) + 1,
      lastReplyAt: reply.createdAt,
      participantIds: ids,
    },
  };
}

/** Whether a stored message shows in the conversation's history (not a hidden reply). */
export function inHistory(record: Pick<MessageRecord, "parentSeq" | "alsoToConversation">) {
  return record.parentSeq == null || record.alsoToConversation === true;
}
