/**
 * What the chat room knows of threads: which messages its history shows, and a parent's
 * summary counting the replies it hears of. In app.js with the room; the thread panel's
 * own model (thread_model.ts) loads with the panel, in its chunk (thread/lazy_panel.tsx).
 */
import type { Message } from "../../lib/shared/message.ts";

/** Says the Threads link's unread count may have changed (islands/ThreadsLink.tsx listens). */
export const THREADS_CHANGED = "hearth:threads-changed";

/** A message the room's history shows: a top-level one, or a reply also sent to it. */
export function isShownInRoom(m: Message): boolean {
  return m.parentSeq == null || m.alsoToConversation === true;
}

/**
 * The parent's summary with `reply` counted, when the summary does not count it yet (a
 * reply newer than its last one): the room shows the count at once, and the server's
 * `message_updated` for the parent (the exact summary) replaces it whichever comes first.
 */
export function withReply(parent: Message, reply: Message): Message {
  const t = parent.thread;
  if (t && t.lastReplyAt >= reply.createdAt) return parent;
  const participants = t?.participants ?? [parent.author];
  return {
    ...parent,
    thread: {
      replyCount: (t?.replyCount ?? 0) + 1,
      lastReplyAt: reply.createdAt,
      participants: participants.some((u) => u.id === reply.author.id)
        ? participants
        : [...participants, reply.author],
    },
  };
}

/** Applies each reply in `incoming` to its parent among `messages` (unchanged when none). */
export function countReplies(messages: Message[], incoming: Message[]): Message[] {
  const replies = incoming.filter((m) => m.parentSeq != null);
  if (replies.length === 0) return messages;
  let out = messages;
  for (const r of replies) {
    const i = out.findIndex((m) => m.seq === r.parentSeq);
    if (i < 0) continue;
    const next = withReply(out[i], r);
    if (next !== out[i]) out = out.map((m, j) => (j === i ? next : m));
  }
  return out;
}

/**
 * `next` (a message's new state) with the people it names as "Deleted user" that `before`
 * knew by the same id kept as they were: a change's frame may carry only its author resolved.
 */
export function keepKnownPeople(
  before: Message,
  next: Message,
  people: Message["author"][] = [],
): Message {
  const known = new Map(people.map((u) => [u.id, u]));
  for (const u of before.thread?.participants ?? []) known.set(u.id, u);
  if (before.pinned) known.set(before.pinned.by.id, before.pinned.by);
  known.set(before.author.id, before.author);
  const fix = (u: Message["author"]) =>
    u.username === "deleted" && known.get(u.id)?.username !== "deleted" ? known.get(u.id) ?? u : u;
  const t = next.thread;
  const p = next.pinned;
  if (!t?.participants.some((u) => fix(u) !== u) && !(p && fix(p.by) !== p.by)) return next;
  return {
    ...next,
    ...(t ? { thread: { ...t, participants: t.participants.map(fix) } } : {}),
    ...(p ? { pinned: { ...p, by: fix(p.by) } } : {}),
  };
}
