import assert from "node:assert/strict";
import type { Message } from "../../lib/shared/message.ts";
import type { User } from "../../lib/shared/user.ts";
import { initialRoom, lastOwn, roomFrame } from "../chat/room_model.ts";
import {
  countReplies,
  isShownInRoom,
  keepKnownPeople,
  THREADS_CHANGED,
  withReply,
} from "./room_threads.ts";
import {
  initialThread,
  type RoomThreads,
  splitReplies,
  threadFrame as frameWith,
  threadSend,
  withPage,
} from "./thread_model.ts";
import type { ServerFrame } from "../../lib/shared/protocol.ts";

/** The room's parts, as the panel hands them (thread_parts.ts). */
const room: RoomThreads = { withReply, keepKnownPeople, THREADS_CHANGED };
const threadFrame = (t: Parameters<typeof frameWith>[0], frame: ServerFrame) =>
  frameWith(t, frame, room);

const ann: User = { id: "u-ann", username: "ann", displayName: "Ann Lee" };
const ben: User = { id: "u-ben", username: "ben", displayName: "Ben Ode" };

function message(seq: number, author = ben, extra: Partial<Message> = {}): Message {
  return {
    id: `m-${seq}`,
    conversationId: "c1",
    seq,
    author,
    content: `message ${seq}`,
    clientId: null,
    createdAt: new Date(seq * 60_000).toISOString(),
    editedAt: null,
    deletedAt: null,
    reactions: [],
    attachments: [],
    formatted: null,
    ...extra,
  };
}

const reply = (seq: number, parentSeq: number, author = ben, extra: Partial<Message> = {}) =>
  message(seq, author, { parentSeq, ...extra });

Deno.test("the room shows top-level messages and replies also sent to it", () => {
  assert.equal(isShownInRoom(message(1)), true);
  assert.equal(isShownInRoom(reply(2, 1)), false);
  assert.equal(isShownInRoom(reply(3, 1, ben, { alsoToConversation: true })), true);
});

Deno.test("a reply counts on its parent once, whichever comes first: it or the server's summary", () => {
  const parent = message(1, ann);
  const once = withReply(parent, reply(2, 1));
  assert.deepEqual(once.thread, {
    replyCount: 1,
    lastReplyAt: reply(2, 1).createdAt,
    participants: [ann, ben],
  });
  // The same reply again (an ack after the frame, a rejoin): no second count.
  assert.equal(withReply(once, reply(2, 1)), once);
  // The server's summary came first (it counts the reply): the reply changes nothing.
  const exact = { ...parent, thread: { ...once.thread!, replyCount: 1 } };
  assert.equal(withReply(exact, reply(2, 1)), exact);
  // Another replier joins the avatars; the same one does not twice.
  const twice = withReply(once, reply(3, 1, ann));
  assert.equal(twice.thread?.replyCount, 2);
  assert.deepEqual(twice.thread?.participants, [ann, ben]);
});

Deno.test("the room keeps replies (gapless seqs) and counts them on loaded parents", () => {
  const ctx = { conversationId: "c1", meId: ann.id, now: 0 };
  let state = initialRoom([message(1, ann)]);
  state = roomFrame(state, { type: "recent_messages", conversationId: "c1", messages: [] }, ctx)
    .state;
  const step = roomFrame(state, { type: "message", message: reply(2, 1) }, ctx);
  assert.deepEqual(step.state.messages.map((m) => m.seq), [1, 2]);
  assert.equal(step.state.messages[0].thread?.replyCount, 1);
  // Not "1 new message below": it is not in the history.
  assert.deepEqual(step.effects.find((e) => e.type === "received"), {
    type: "received",
    newer: 0,
  });
  // A reply to a parent not loaded changes nothing else.
  assert.deepEqual(countReplies(step.state.messages, [reply(3, 99)]), step.state.messages);
  // Up in the main composer edits your last message of the history, not a reply.
  const mine = roomFrame(step.state, { type: "message", message: reply(3, 1, ann) }, ctx).state;
  assert.equal(lastOwn(mine, ann.id)?.seq, 1);
});

Deno.test("a thread merges its pages and live replies, and acks take its pending ones", () => {
  const parent = message(1, ann);
  let t = initialThread("c1", 1, { parent, replies: [reply(2, 1)], nextCursor: null });
  t = threadSend(t, {
    clientId: "x1",
    content: "hi",
    createdAt: new Date().toISOString(),
    failed: null,
  });
  // Replies of other threads and top-level messages are not this thread's.
  t = threadFrame(t, { type: "message", message: reply(3, 9) });
  t = threadFrame(t, { type: "message", message: message(4) });
  assert.deepEqual(t.replies.map((m) => m.seq), [2]);
  t = threadFrame(t, {
    type: "ack",
    clientId: "x1",
    message: reply(5, 1, ann, { clientId: "x1" }),
  });
  assert.deepEqual(t.replies.map((m) => m.seq), [2, 5]);
  assert.deepEqual(t.pending, []);
  assert.equal(t.parent?.thread?.replyCount, 1, "counted from the ack");
  // An edit of a reply and the parent's new summary apply in place.
  t = threadFrame(t, { type: "message_updated", message: reply(2, 1, ben, { content: "edited" }) });
  assert.equal(t.replies[0].content, "edited");
  const summary = { replyCount: 2, lastReplyAt: reply(5, 1).createdAt, participants: [ann, ben] };
  t = threadFrame(t, { type: "message_updated", message: { ...parent, thread: summary } });
  assert.equal(t.parent?.thread?.replyCount, 2);
  // A refused reply is marked failed.
  t = threadSend(t, { clientId: "x2", content: "no", createdAt: "", failed: null });
  t = threadFrame(t, { type: "error", code: "invalid_input", message: "Too long", ref: "x2" });
  assert.equal(t.pending[0].failed, "Too long");
});

Deno.test("with more pages to read, live replies wait below 'Load more replies'", () => {
  const parent = message(1, ann);
  let t = initialThread("c1", 1, { parent, replies: [reply(2, 1), reply(3, 1)], nextCursor: "3" });
  t = threadFrame(t, { type: "message", message: reply(9, 1) });
  assert.deepEqual(splitReplies(t).paged.map((m) => m.seq), [2, 3]);
  assert.deepEqual(splitReplies(t).later.map((m) => m.seq), [9]);
  t = withPage(t, { parent, replies: [reply(4, 1), reply(5, 1)], nextCursor: null });
  assert.deepEqual(splitReplies(t).paged.map((m) => m.seq), [2, 3, 4, 5, 9]);
  assert.deepEqual(splitReplies(t).later, []);
});

Deno.test("a change naming known people as 'Deleted user' keeps them as they were", () => {
  const gone = (u: User): User => ({ id: u.id, username: "deleted", displayName: "Deleted user" });
  const before = withReply(message(1, ann), reply(2, 1));
  const next: Message = {
    ...before,
    reactions: [{ emoji: "👍", userIds: [ben.id] }],
    thread: { ...before.thread!, participants: [gone(ann), gone(ben)] },
    pinned: { at: "2026-01-01T00:00:00.000Z", by: gone(ben) },
  };
  const kept = keepKnownPeople(before, next, [ann, ben]);
  assert.deepEqual(kept.thread?.participants, [ann, ben]);
  assert.deepEqual(kept.pinned?.by, ben);
  assert.deepEqual(kept.reactions, next.reactions);
  // Someone nobody here knew stays as the server says.
  const stranger = gone({ id: "u-x", username: "x", displayName: "X" });
  const other = { ...next, pinned: { at: "2026-01-01T00:00:00.000Z", by: stranger } };
  assert.deepEqual(keepKnownPeople(before, other).pinned?.by, stranger);
});
