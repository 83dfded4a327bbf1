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
