/**
 * Issue 15, item 9, in the chat header: someone with the app open anywhere (any tab, any
 * page, any process) is online here, away when all their tabs are; before, only those with
 * this conversation open were.
 */
import assert from "node:assert/strict";
import type { User } from "../../lib/shared/user.ts";
import { initialRoom, presenceText, roomFrame } from "./room_model.ts";

const ann: User = { id: "a", username: "ann", displayName: "Ann" };
const ben: User = { id: "b", username: "ben", displayName: "Ben" };
const ctx = { conversationId: "c1", meId: ann.id, now: 0 };

Deno.test("the header says who is online anywhere, from people frames", () => {
  let state = { ...initialRoom([]), joined: true };
  // In the room: only Ann (this tab).
  state = roomFrame(state, {
    type: "status",
    conversationId: "c1",
    event: "joined",
    user: ann,
    online: [ann],
    away: [],
  }, ctx).state;
  assert.equal(presenceText(state, [ann, ben], ann.id), "2 people · nobody else online");
  // Ben has the app open on another page.
  state = roomFrame(state, { type: "people", people: [{ id: ben.id, state: "active" }] }, ctx)
    .state;
  assert.equal(presenceText(state, [ann, ben], ann.id), "Online: Ben");
  state = roomFrame(state, { type: "people", people: [{ id: ben.id, state: "away" }] }, ctx).state;
  assert.equal(presenceText(state, [ann, ben], ann.id), "Online: Ben (away)");
  state = roomFrame(state, { type: "people", people: [{ id: ben.id, state: "offline" }] }, ctx)
    .state;
  assert.equal(presenceText(state, [ann, ben], ann.id), "2 people · nobody else online");
});

Deno.test("without people frames, who is in the room still counts", () => {
  const state = roomFrame({ ...initialRoom([]), joined: true }, {
    type: "status",
    conversationId: "c1",
    event: "joined",
    user: ben,
    online: [ann, ben],
    away: [ben.id],
  }, ctx).state;
  assert.equal(presenceText(state, [ann, ben], ann.id), "Online: Ben (away)");
});

Deno.test("someone added after the page was made is met, counted and watched", () => {
  const cat: User = { id: "c", username: "cat", displayName: "Cat" };
  let state = { ...initialRoom([], null, [ann, ben]), joined: true };
  const message = {
    id: "m1",
    conversationId: "c1",
    seq: 1,
    author: cat,
    content: "hi, I'm new",
    createdAt: "2026-01-01T00:00:00.000Z",
    clientId: null,
    editedAt: null,
    deletedAt: null,
    reactions: [],
    attachments: [],
    formatted: null,
  };
  const step = roomFrame(state, { type: "message", message }, ctx);
  assert.deepEqual(step.effects.filter((e) => e.type === "met"), [{ type: "met" }]);
  assert.deepEqual(step.state.participants.map((u) => u.id), ["a", "b", "c"]);
  state = step.state;
  assert.equal(presenceText(state, [ann, ben], ann.id), "3 people · nobody else online");
  // Watched now: her state anywhere says she is online, though she never opened this room.
  state = roomFrame(state, { type: "people", people: [{ id: cat.id, state: "active" }] }, ctx)
    .state;
  assert.equal(presenceText(state, [ann, ben], ann.id), "Online: Cat");
  // Met once: her next message, a status frame naming her, meet nobody new.
  const again = roomFrame(state, {
    type: "status",
    conversationId: "c1",
    event: "joined",
    user: cat,
    online: [ann, cat],
    away: [],
  }, ctx);
  assert.deepEqual(again.effects, []);
  // Another conversation's frames meet nobody.
  const elsewhere = roomFrame(state, {
    type: "typing",
    conversationId: "c2",
    user: { id: "d", username: "dan", displayName: "Dan" },
  }, ctx);
  assert.deepEqual(elsewhere.effects, []);
});
