import { type ConversationHead, getParticipation, setHeadForChange } from "../conversations/mod.ts";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import {
  changeKey,
  commitWithRetry,
  conversationKey,
  getManyChunked,
  headKey,
  messageKey,
  pinKey,
} from "../storage/mod.ts";
import { enqueue } from "../outbound/mod.ts";
import {
  type LinkPreview,
  type Message,
  type MessageRecord,
  type Reaction,
  UNFURL_QUEUE,
  type UnfurlJob,
} from "../shared/message.ts";
import type { User } from "../shared/user.ts";
import { toMessageShape, withAuthors } from "./message.ts";
import { searchHooks } from "./index_port.ts";
import { isSystem, systemMessageError } from "./system.ts";
import { requireRoomForPin } from "./pins.ts";
import { archivedError, firstLink } from "./send.ts";

export { emojiSchema, messageSeqSchema, normalizeEmoji } from "../shared/message.ts";

/**
 * Per conversation, which message each change (`rev` of the head) touched. Kept, like the
 * messages, for good: a hub or a client resuming from any rev reads exactly what it missed.
 */

/** Distinct emoji on one message (a 409 `too_many_reactions` past it). */
export const MAX_DISTINCT_REACTIONS = 20;
/** Reactions on one message, all emoji together: keeps the record far below KV's 64 KiB. */
export const MAX_REACTIONS = 1000;

export type MessageChange =
  | { kind: "edit"; content: string }
  | { kind: "delete" }
  | { kind: "react"; emoji: string; on: boolean }
  /** Pinned in the conversation (any participant), or not: see lib/messages/pins.ts. */
  | { kind: "pin"; on: boolean }
  /**
   * A file the message carries was deleted: it shows as removed. Only the server makes this
   * change (after the file's deletion was allowed), never a client frame; so it needs no
   * participant (a project's admin may delete a file attached where they are not).
   */
  | { kind: "detach"; fileId: string }
  /**
   * The message's link preview. An object: found by the server's unfurl worker (lib/previews),
   * never a client's: stored only while `preview.url` is still the message's first link and
   * the author has not removed it (no participant needed, like detach; archived or not).
   * null: the author removes it, for good (a later unfurl of the message does nothing).
   */
  | { kind: "preview"; preview: LinkPreview | null };

export type ChangeResult = {
  message: Message;
  /** The head's new rev, or null when nothing changed (same text, reaction already there). */
  rev: number | null;
  /** It is the conversation's last message (what conversation lists show). */
  last?: boolean;
};

/**
 * Applies an edit, a delete, a reaction or a file's removal to message `seq`, with the head's `rev` bumped, a
 * change-log entry and the search index moved, all in one commit checked against the head
 * and the message (so concurrent changes and participant changes retry on fresh reads).
 * Throws NotFoundError for a non-participant or an unknown message, ForbiddenError when
 * someone edits or deletes another's message, ConflictError on a deleted message, past
 * the reaction limits, on a system message (`system_message`) or in an archived channel
 * (`archived`).
 */
export async function changeMessage(
  kv: Deno.Kv,
  user: User,
  target: { conversationId: string; seq: number },
  change: MessageChange,
): Promise<ChangeResult> {
  const { conversationId, seq } = target;
  return await commitWithRetry(async () => {
    const seen = byServer(change) ? null : await getParticipation(kv, conversationId, user.id);
    const [head, entry, conversation] = await kv.getMany<
      [ConversationHead, MessageRecord, { archived?: boolean }]
    >([
      headKey(conversationId),
      messageKey(conversationId, seq),
      conversationKey(conversationId),
    ]);
    // Participants changed between the two reads: judge again on fresh ones.
    if (seen && (head.value?.members ?? 0) !== seen.members) return null;
    if (!head.value || !entry.value) throw new NotFoundError("Message not found.");
    // An archived channel is read-only (archiving moves the head: the check below covers a
    // concurrent one). A file's removal still shows.
    if (!byServer(change) && conversation.value?.archived === true) throw archivedError();
    const record = entry.value;
    const next = applyChange(record, user, change);
    if (!next) return { message: (await withAuthors(kv, [record]))[0], rev: null };
    const op = kv.atomic().check(head, entry).set(messageKey(conversationId, seq), next);
    const rev = setHeadForChange(op, head.value, next);
    op.set(changeKey(conversationId, rev), seq);
    // The conversation's pins list (pins.ts) follows the record in the same commit: a pin
    // sets it, an unpin or the message's deletion takes it away.
    if (next.pinned && !record.pinned) {
      await requireRoomForPin(kv, conversationId);
      op.set(pinKey(conversationId, seq), { by: next.pinned.byId, at: next.pinned.at });
    } else if (record.pinned && !next.pinned) op.delete(pinKey(conversationId, seq));
    // The words move in this same commit (lib/search: see index_port.ts).
    if (next.content !== record.content) await searchHooks()?.textChanged(kv, op, record, next);
    // An edit that changed the first link: its preview is fetched again (see applyChange).
    const url = change.kind === "edit" && next.preview !== null ? firstLink(next.content) : null;
    if (url && url !== firstLink(record.content)) {
      const job: UnfurlJob = { conversationId, seq, url };
      enqueue(op, UNFURL_QUEUE, job, { id: `${conversationId}.${seq}` });
    }
    if (!(await op.commit()).ok) return null;
    // A thread's repliers and a pin's author are people too: read them with the author.
    const message = next.thread || next.pinned || record.authorId !== user.id
      ? (await withAuthors(kv, [next]))[0]
      : toMessageShape(next, user);
    return {
      message,
      rev,
      last: head.value.lastMessage?.seq === seq,
    };
  });
}

/** The record after `change`, or null when it would change nothing. Throws as changeMessage. */
function applyChange(
  record: MessageRecord,
  user: User,
  change: MessageChange,
): MessageRecord | null {
  const now = new Date().toISOString();
  if (change.kind === "preview" && change.preview) return withPreview(record, change.preview);
  if (change.kind === "detach") {
    const files = record.attachments ?? [];
    if (!files.some((a) => a.id === change.fileId && !a.removed)) return null;
    return {
      ...record,
      attachments: files.map((a) => a.id === change.fileId ? { ...a, removed: true } : a),
    };
  }
  // Before whose it is: nobody edits, deletes, reacts to or pins one, its author included.
  if (isSystem(record)) {
    if (change.kind === "pin") {
      throw new ConflictError("System messages can't be pinned.", "system_message");
    }
    throw systemMessageError();
  }
  if (change.kind === "pin") return applyPin(record, user, change.on, now);
  if (change.kind !== "react" && record.authorId !== user.id) {
    throw new ForbiddenError(
      change.kind === "edit"
        ? "You can only edit your own messages."
        : change.kind === "preview"
        ? "You can only remove previews from your own messages."
        : "You can only delete your own messages.",
    );
  }
  // Removed for good (even before the preview came, or on a deleted message: nothing shows).
  if (change.kind === "preview") return record.preview === null ? null : withoutPreview(record);
  if (change.kind === "delete") {
    if (record.deletedAt) return null;
    // A deleted message is no longer pinned (changeMessage drops it from the pins list).
    return {
      ...dropPreview(record),
      content: "",
      reactions: [],
      attachments: [],
      deletedAt: now,
      ...(record.pinned ? { pinned: null } : {}),
    };
  }
  if (record.deletedAt) {
    throw new ConflictError("That message was deleted.", "message_deleted");
  }
  if (change.kind === "edit") {
    if (change.content === record.content) return null;
    // A preview belongs to the first link: another link (or none) drops it, and changeMessage
    // queues the new one's. A removed preview stays removed.
    const same = firstLink(change.content) === firstLink(record.content);
    return { ...(same ? record : dropPreview(record)), content: change.content, editedAt: now };
  }
  const reactions = toggleReaction(record.reactions ?? [], user.id, change.emoji, change.on);
  return reactions ? { ...record, reactions } : null;
}

/** Changes made by the server, not by a person (no participant needed). */
function byServer(change: MessageChange): boolean {
  return change.kind === "detach" || (change.kind === "preview" && change.preview !== null);
}

/** The server's preview, unless the message moved on (see MessageChange), or null. */
function withPreview(record: MessageRecord, preview: LinkPreview): MessageRecord | null {
  if (isSystem(record) || record.deletedAt || record.preview === null) return null;
  if (firstLink(record.content) !== preview.url) return null;
  if (JSON.stringify(record.preview) === JSON.stringify(preview)) return null;
  return { ...record, preview };
}

/** Removed by its author: null, and it stays so. */
function withoutPreview(record: MessageRecord): MessageRecord {
  return { ...record, preview: null };
}

/** The record without its preview (a removed one stays removed). */
function dropPreview(record: MessageRecord): MessageRecord {
  if (!record.preview) return record;
  const { preview: _, ...rest } = record;
  return rest;
}

/**
 * Pin or unpin, by any participant (the caller checked). Pinning again, or unpinning a
 * message that is not pinned, changes nothing; a deleted message cannot be pinned (409).
 */
function applyPin(
  record: MessageRecord,
  user: User,
  on: boolean,
  now: string,
): MessageRecord | null {
  if (!on) return record.pinned ? { ...record, pinned: null } : null;
  if (record.deletedAt) {
    throw new ConflictError("That message was deleted.", "message_deleted");
  }
  if (record.pinned) return null;
  return { ...record, pinned: { at: now, byId: user.id } };
}

function toggleReaction(
  current: Reaction[],
  userId: string,
  emoji: string,
  on: boolean,
): Reaction[] | null {
  const i = current.findIndex((r) => r.emoji === emoji);
  const has = i >= 0 && current[i].userIds.includes(userId);
  if (on === has) return null;
  if (!on) {
    const userIds = current[i].userIds.filter((id) => id !== userId);
    return userIds.length ? current.with(i, { emoji, userIds }) : current.filter((_, j) => j !== i);
  }
  if (current.reduce((n, r) => n + r.userIds.length, 0) >= MAX_REACTIONS) {
    throw new ConflictError(
      "This message has as many reactions as it can hold.",
      "too_many_reactions",
    );
  }
  if (i >= 0) return current.with(i, { emoji, userIds: [...current[i].userIds, userId] });
  if (current.length >= MAX_DISTINCT_REACTIONS) {
    throw new ConflictError(
      `A message holds at most ${MAX_DISTINCT_REACTIONS} different reactions.`,
      "too_many_reactions",
    );
  }
  return [...current, { emoji, userIds: [userId] }];
}

/** The changes after rev `after` up to rev `upTo`, oldest first: `{rev, seq}` each. */
export async function listChanges(
  kv: Deno.Kv,
  conversationId: string,
  options: { after: number; upTo: number; limit?: number },
): Promise<{ rev: number; seq: number }[]> {
  if (options.upTo <= options.after) return [];
  const changes: { rev: number; seq: number }[] = [];
  const iter = kv.list<number>({
    start: changeKey(conversationId, options.after + 1),
    end: changeKey(conversationId, options.upTo + 1),
  }, { limit: options.limit ?? 1000 });
  for await (const e of iter) changes.push({ rev: e.key[2] as number, seq: e.value });
  return changes;
}

/** The messages with these seqs (those that exist), in the order given. */
export async function getMessagesBySeq(
  kv: Deno.Kv,
  conversationId: string,
  seqs: number[],
): Promise<Message[]> {
  const entries = await getManyChunked<MessageRecord>(
    kv,
    seqs.map((seq) => messageKey(conversationId, seq)),
  );
  return await withAuthors(kv, entries.flatMap((e) => e.value ? [e.value] : []));
}
