/** Pins over WebSocket: a REST pin reaches the room live and survives a rejoin with rev. */
import assert from "node:assert/strict";
import { json } from "../support/helpers.ts";
import { chatTest, join } from "../support/ws_client.ts";

chatTest("a pin reaches everyone in the room live, with its system message", async (chat) => {
  const { ann, ben, conversationId, a, b } = await chat.pair();
  await join(a, conversationId);
  await join(b, conversationId);
  const m = await chat.post(ann, conversationId, "the plan");
  await b.next("message", (f) => f.message.seq === m.seq);

  const pin = `/api/conversations/${conversationId}/messages/${m.seq}/pin`;
  const res = await chat.server.fetch(pin, json("PUT", undefined, ben.cookie));
  assert.equal(res.status, 204);
  for (const socket of [a, b]) {
    const { message, rev } = await socket.next("message_updated");
    assert.equal(message.seq, m.seq);
    assert.equal(rev, 1);
    assert.equal(message.pinned?.by.id, ben.user.id);
    // Named as they are, not as "Deleted user" (the change's frame reads the people too).
    assert.equal(message.pinned?.by.displayName, ben.user.displayName);
    assert.equal(message.content, "the plan");
    const told = await socket.next("message", (f) => f.message.kind === "system");
    assert.equal(told.message.system?.event, "pinned");
    assert.equal(told.message.system?.actor.id, ben.user.id);
  }

  const unpin = await chat.server.fetch(pin, json("DELETE", undefined, ann.cookie));
  assert.equal(unpin.status, 204);
  for (const socket of [a, b]) {
    const { message, rev } = await socket.next("message_updated");
    assert.deepEqual([message.seq, message.pinned, rev], [m.seq, null, 2]);
    const told = await socket.next("message", (f) => f.message.kind === "system");
    assert.equal(told.message.system?.event, "unpinned");
  }
});

chatTest("a pin made while away arrives on a rejoin with rev, once", async (chat) => {
  const { ann, ben, conversationId, a, b } = await chat.pair();
  await join(a, conversationId);
  const first = await join(b, conversationId);
  const m = await chat.post(ann, conversationId, "keep this");
  await b.next("message", (f) => f.message.seq === m.seq);
  await b.close();

  const pin = `/api/conversations/${conversationId}/messages/${m.seq}/pin`;
  assert.equal((await chat.server.fetch(pin, json("PUT", undefined, ann.cookie))).status, 204);
  await a.next("message_updated");

  const again = await chat.connect(ben);
  again.send({ type: "join", conversationId, since: m.seq, rev: first.rev });
  const recent = await again.next("recent_messages");
  assert.deepEqual(recent.messages.map((x) => x.system?.event), ["pinned"]);
  const update = await again.next("message_updated");
  assert.equal(update.message.seq, m.seq);
  assert.equal(update.message.pinned?.by.id, ann.user.id);
  await again.roundTrip();
  assert.deepEqual(again.pending("message_updated"), [], "the pin arrives once");
});
