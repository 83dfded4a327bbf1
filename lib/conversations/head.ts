/**
 * The conversation head (`["conv_head", id]`): the one record every writer of a conversation
 * checks, and every hub watches. This module is its only writer: each function below adds
 * one kind of head change to the caller's atomic operation (a send, a message change, a
 * participant change), so the caller's other writes and the head move in one commit.
 */
import type { MessageRecord } from "../shared/message.ts";
import { headKey } from "../storage/mod.ts";

/** Per conversation: the last seq handed out. Every send checks it, so seq has no gaps. */
export type ConversationHead = {
  seq: number;
  updatedAt: string;
  lastMessage: MessageRecord | null;
  /**
   * Bumped by every change of participants. The head is what every hub watches, so a
   * removal reaches hubs in other processes too (they re-check who is in their room).
   */
  members?: number;
  /**
   * Bumped by every edit, delete and reaction (none of which takes a seq), in the same
   * commit as the change and its `["msg_change", conversationId, rev]` log entry: hubs that
   * see it move read what changed, as they read new messages when `seq` moves.
   */
  rev?: number;
  /**
   * Where the replies are (a reply is hidden from the history unless also sent to the
   * conversation, and the unread count leaves it out): `ranges`, the seqs of the last
   * REPLY_RANGES commits that stored a reply (the first and last message of that commit in
   * this conversation); every reply after `floor` is in one of them. Absent: no reply yet.
   */
  replies?: ReplyRanges;
};

/** See ConversationHead.replies. */
export type ReplyRanges = { ranges: [number, number][]; floor: number };

/** Commits with a reply a head remembers (a range is usually one seq: a reply alone). */
export const REPLY_RANGES = 32;

/**
 * The head's reply ranges after a commit that stored the messages `first`..`last`, with a
 * reply among them.
 */
function withReplyRange(current: ReplyRanges | undefined, first: number, last: number) {
  const ranges = [...(current?.ranges ?? []), [first, last] as [number, number]];
  let floor = current?.floor ?? 0;
  while (ranges.length > REPLY_RANGES) floor = ranges.shift()![1];
  return { ranges, floor };
}

/** A conversation's head entry (for a check in the caller's commit). */
export async function readHead(
  kv: Deno.Kv,
  conversationId: string,
): Promise<Deno.KvEntryMaybe<ConversationHead>> {
  return await kv.get<ConversationHead>(headKey(conversationId));
}

/** A conversation's head: its last seq and its change counter (0 and 0 when empty). */
export async function getHead(
  kv: Deno.Kv,
  conversationId: string,
): Promise<{ seq: number; rev: number }> {
  const head = (await readHead(kv, conversationId)).value;
  return { seq: head?.seq ?? 0, rev: head?.rev ?? 0 };
}

/** The last seq of a conversation (0 when empty). */
export async function getHeadSeq(kv: Deno.Kv, conversationId: string): Promise<number> {
  return (await readHead(kv, conversationId)).value?.seq ?? 0;
}

/**
 * New messages were stored, `last` the newest: the head takes its seq, time and record.
 * `changes`: messages of the same commit that changed too (thread parents whose summary a
 * reply moved): the change counter moves that many times, and the caller logs each rev.
 * A changed parent means a reply among the new messages: the head notes their range.
 * Returns the head as written.
 */
export function setHeadForMessages(
  op: Deno.AtomicOperation,
  current: ConversationHead | null,
  last: MessageRecord,
  changes = 0,
): ConversationHead {
  const head = {
    ...current,
    seq: last.seq,
    updatedAt: last.createdAt,
    lastMessage: last,
    ...(changes > 0
      ? {
        rev: (current?.rev ?? 0) + changes,
        replies: withReplyRange(current?.replies, (current?.seq ?? 0) + 1, last.seq),
      }
      : {}),
  };
  op.set(headKey(last.conversationId), head);
  return head;
}

/**
 * Message `next` was edited, deleted or reacted to: the change counter moves (returned),
 * and the head's last message follows when it is the one changed.
 */
export function setHeadForChange(
  op: Deno.AtomicOperation,
  current: ConversationHead,
  next: MessageRecord,
): number {
  const rev = (current.rev ?? 0) + 1;
  const lastMessage = current.lastMessage?.seq === next.seq ? next : current.lastMessage;
  op.set(headKey(next.conversationId), { ...current, rev, lastMessage });
  return rev;
}

/**
 * The participants changed: the participant counter moves. `createdAt` stands in for a
 * conversation with no head yet (nothing said).
 */
export function setHeadForMembers(
  op: Deno.AtomicOperation,
  conversationId: string,
  current: ConversationHead | null,
  createdAt: string,
): void {
  const head = current ?? { seq: 0, updatedAt: createdAt, lastMessage: null };
  op.set(headKey(conversationId), { ...head, members: (head.members ?? 0) + 1 });
}

/** The conversation is gone: so is its head. */
export function deleteHead(op: Deno.AtomicOperation, conversationId: string): void {
  op.delete(headKey(conversationId));
}
