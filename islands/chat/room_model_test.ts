import assert from "node:assert/strict";
import type { Message } from "../../lib/shared/message.ts";
import type { User } from "../../lib/shared/user.ts";
import type { ServerFrame } from "../../lib/shared/protocol.ts";
import {
  initialRoom,
  joinSince,
  lastOwn,
  presenceText,
  roomFrame,
  roomRetry,
  roomSend,
  roomSocket,
  type RoomState,
  sweepTyping,
  TYPING_MS,
  typingText,
} from "./room_model.ts";

const ann: User = { id: "u-ann", username: "ann", displayName: "Ann Lee" };
const ben: User = { id: "u-ben", username: "ben", displayName: "Ben Ode" };
const cat: User = { id: "u-cat", username: "cat", displayName: "Cat Day" };
const ctx = { conversationId: "c1", meId: ann.id, now: 1_000 };

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

/** Applies frames in order, collecting every effect. */
function play(state: RoomState, ...frames: ServerFrame[]) {
  const effects = [];
  for (const frame of frames) {
    const step = roomFrame(state, frame, ctx);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}

const seqs = (s: RoomState) => s.messages.map((m) => m.seq);
/** Joined, on a page made for Ann, Ben and Cat's conversation. */
const joined = (messages: Message[]) =>
  play(initialRoom(messages, null, [ann, ben, cat]), {
    type: "recent_messages",
    conversationId: "c1",
    messages,
  }).state;

Deno.test("messages are merged by seq: in order and once, whatever order frames come in", () => {
  const { state } = play(
    initialRoom([message(1), message(3)]),
    { type: "recent_messages", conversationId: "c1", messages: [message(4), message(2)] },
    { type: "message", message: message(3, ben, { content: "again" }) },
  );
  assert.deepEqual(seqs(state), [1, 2, 3, 4]);
  assert.equal(state.messages[2].content, "again");
  assert.equal(state.joined, true);
});

Deno.test("frames of another conversation change nothing", () => {
  const start = joined([message(1)]);
  const { state, effects } = play(
    start,
    { type: "message", message: message(2, ben, { conversationId: "c2" }) },
    { type: "typing", conversationId: "c2", user: ben },
  );
  assert.equal(state, start);
  assert.deepEqual(effects, []);
});

Deno.test("a message sent is pending until its ack, and marked failed by an error frame", () => {
  const p = { clientId: "k1", content: "hi", createdAt: "", failed: null };
  let state = roomSend(joined([message(1)]), p);
  assert.deepEqual(state.pending.map((x) => x.clientId), ["k1"]);
  state = play(state, { type: "error", code: "too_long", message: "Too long", ref: "k1" }).state;
  assert.equal(state.pending[0].failed, "Too long");
  state = roomRetry(state, "k1");
  assert.equal(state.pending[0].failed, null);
  state = play(state, {
    type: "ack",
    clientId: "k1",
    message: message(2, ann, { clientId: "k1" }),
  }).state;
  assert.deepEqual(state.pending, []);
  assert.deepEqual(seqs(state), [1, 2]);
});

Deno.test("the socket opening again resends pending messages that did not fail", () => {
  let state = roomSend(joined([]), { clientId: "a", content: "1", createdAt: "", failed: null });
  state = roomSend(state, { clientId: "b", content: "2", createdAt: "", failed: "no" });
  const down = roomSocket(state, "offline");
  assert.equal(down.state.joined, false);
  assert.deepEqual(down.effects, []);
  const up = roomSocket(down.state, "open");
  assert.deepEqual(up.effects, [{ type: "resend", pending: [state.pending[0]] }]);
});

Deno.test("message_updated applies edits, deletions and reactions to loaded messages only", () => {
  let state: RoomState = { ...joined([message(1), message(2, ann)]), editing: 2 };
  state = play(
    state,
    { type: "message_updated", message: message(1, ben, { content: "edited", editedAt: "x" }) },
    {
      type: "message_updated",
      message: message(1, ben, {
        content: "edited",
        reactions: [{ emoji: "👍", userIds: [ann.id] }],
      }),
    },
    { type: "message_updated", message: message(9) },
  ).state;
  assert.equal(state.messages[0].content, "edited");
  assert.deepEqual(state.messages[0].reactions, [{ emoji: "👍", userIds: [ann.id] }]);
  assert.deepEqual(seqs(state), [1, 2], "an update of a message not loaded adds nothing");
  assert.equal(state.editing, 2);
  state = play(state, {
    type: "message_updated",
    message: message(2, ann, { deletedAt: "now", content: "" }),
  }).state;
  assert.ok(state.messages[1].deletedAt);
  assert.equal(state.editing, null, "a deleted message is no longer being edited");
});

Deno.test("a gap in the seqs asks to join again from the newest seq held, once", () => {
  const { state, effects } = play(
    joined([message(1), message(2)]),
    { type: "message", message: message(5) },
    { type: "message", message: message(7) },
  );
  assert.deepEqual(effects.filter((e) => e.type === "rejoin"), [{ type: "rejoin", since: 2 }]);
  assert.equal(state.resyncing, 2);
  const reconnected = roomSocket(roomSocket(state, "offline").state, "open").state;
  assert.equal(joinSince(reconnected), 2, "a reconnect meanwhile asks from the gap too");
  const answered = play(state, {
    type: "recent_messages",
    conversationId: "c1",
    messages: [message(3), message(4), message(5), message(6), message(7)],
  });
  assert.equal(answered.state.resyncing, null);
  assert.equal(joinSince(answered.state), 7);
  assert.deepEqual(seqs(answered.state), [1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("the next seq, or one before joining, is no gap", () => {
  const next = play(joined([message(1)]), { type: "message", message: message(2) });
  assert.deepEqual(next.effects.filter((e) => e.type === "rejoin"), []);
  const early = play(initialRoom([message(1)]), { type: "message", message: message(4) });
  assert.deepEqual(early.effects.filter((e) => e.type === "rejoin"), []);
});

Deno.test("someone else's message is announced and counted as newer; yours is not announced", () => {
  const { effects } = play(
    joined([message(1)]),
    { type: "message", message: message(2, ben, { content: "hello" }) },
    { type: "message", message: message(3, ann) },
  );
  assert.deepEqual(effects, [
    { type: "received", newer: 1 },
    { type: "announce", text: "Ben Ode: hello" },
    { type: "received", newer: 1 },
  ]);
});

Deno.test("presence: status and presence frames say who is online and who is away", () => {
  const status = (online: User[]): ServerFrame => ({
    type: "status",
    conversationId: "c1",
    event: "joined",
    user: online[0],
    online,
    away: [],
  });
  let state = play(joined([]), status([ann, ben, cat])).state;
  assert.equal(presenceText(state, [ann, ben, cat], ann.id), "Online: Ben Ode, Cat Day");
  state = play(state, {
    type: "presence",
    conversationId: "c1",
    user: cat,
    state: "away",
    away: [cat.id],
  }).state;
  assert.equal(presenceText(state, [ann, ben, cat], ann.id), "Online: Ben Ode, Cat Day (away)");
  const alone = play(state, status([ann])).state;
  assert.equal(presenceText(alone, [ann, ben, cat], ann.id), "3 people · nobody else online");
  const solo = play({ ...initialRoom([], null, [ann]), joined: true }, status([ann])).state;
  assert.equal(presenceText(solo, [ann], ann.id), "Only you so far");
  // Not joined (the socket down, or not yet open): who was online is not known now.
  const down = roomSocket(state, "offline").state;
  assert.equal(presenceText(down, [ann, ben, cat], ann.id), "3 people");
  assert.equal(presenceText(initialRoom([]), [ann, ben], ann.id), "2 people");
});

Deno.test("typing: others' indicators show, run out, and end with their message", () => {
  let state = play(
    joined([message(1)]),
    { type: "typing", conversationId: "c1", user: ben },
    { type: "typing", conversationId: "c1", user: cat },
    { type: "typing", conversationId: "c1", user: ann },
  ).state;
  assert.equal(typingText(state), "Ben Ode and Cat Day are typing…");
  state = play(state, { type: "message", message: message(2, ben) }).state;
  assert.equal(typingText(state), "Cat Day is typing…");
  assert.equal(sweepTyping(state, ctx.now + TYPING_MS - 1), state);
  assert.equal(typingText(sweepTyping(state, ctx.now + TYPING_MS)), "");
});

Deno.test("lastOwn() is your newest message not deleted", () => {
  const state = joined([
    message(1, ann),
    message(2, ann, { deletedAt: "x" }),
    message(3, ben),
  ]);
  assert.equal(lastOwn(state, ann.id)?.seq, 1);
  assert.equal(lastOwn(state, cat.id), undefined);
});

Deno.test("removed: pending dropped and counted, the room leaves and resends nothing", () => {
  const pending = (clientId: string) => ({
    clientId,
    content: clientId,
    createdAt: new Date(0).toISOString(),
    failed: null,
  });
  let state = roomSend(roomSend(initialRoom([message(1)]), pending("a")), pending("b"));
  state = play(state, { type: "recent_messages", conversationId: "c1", messages: [] }).state;
  const removed = { type: "error", code: "removed", message: "gone", ref: "c1" } as const;
  const step = play(state, removed);
  assert.deepEqual(step.state.removed, { dropped: 2 });
  assert.deepEqual(step.state.pending, []);
  assert.deepEqual(step.effects, [{ type: "leave" }]);
  // Once only; and a socket open again resends nothing, a send is not taken.
  assert.deepEqual(play(step.state, removed).effects, []);
  assert.deepEqual(roomSocket(step.state, "open").effects, []);
  assert.deepEqual(roomSend(step.state, pending("c")).pending, []);
});

Deno.test("removed: a join refused is a removal; a not_found once joined is one message's", () => {
  const notFound = { type: "error", code: "not_found", message: "Not found.", ref: "c1" } as const;
  // Before the join's answer: the join was refused (removed while the socket was down).
  assert.deepEqual(play(initialRoom([message(1)]), notFound).state.removed, { dropped: 0 });
  // Joined: an edit of a message that is gone, said as an error.
  const joined = play(initialRoom([message(1)]), {
    type: "recent_messages",
    conversationId: "c1",
    messages: [],
  }).state;
  const after = play(joined, notFound).state;
  assert.equal(after.removed, null);
  assert.equal(after.error, "Not found.");
  // Another conversation's removal is not this room's.
  assert.equal(play(joined, { ...notFound, code: "removed", ref: "c2" }).state.removed, null);
});
