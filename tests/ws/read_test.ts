/** Read marks reach every socket of their owner (other tabs and devices), and nobody else's. */
import assert from "node:assert/strict";
import { json } from "../support/helpers.ts";
import { chatTest, join, sendAndAck } from "../support/ws_client.ts";

chatTest("moving your read mark tells all your sockets, once, and nobody else", async (chat) => {
  const { ben, conversationId, a, b } = await chat.pair();
  const benPhone = await chat.connect(ben);
  await join(a, conversationId);
  await sendAndAck(a, conversationId, "one", "r-1");
  await sendAndAck(a, conversationId, "two", "r-2");

  const read = (seq: number) =>
    chat.server.fetch(
      `/api/conversations/${conversationId}/read`,
      json("POST", { seq }, ben.cookie),
    );
  assert.equal((await read(1)).status, 204);
  for (const socket of [b, benPhone]) {
    const frame = await socket.next("read");
    assert.deepEqual(frame, { type: "read", conversationId, seq: 1 });
  }
  // Not forward: no frame. Past the head: capped at the head.
  assert.equal((await read(1)).status, 204);
  assert.equal((await read(99)).status, 204);
  assert.equal((await b.next("read")).seq, 2);
  assert.equal((await benPhone.next("read")).seq, 2);
  await b.roundTrip();
  assert.equal(b.pending("read").length, 0, "a mark that did not move sends nothing");
  await a.roundTrip();
  assert.equal(a.pending("read").length, 0, "Ann hears nothing of Ben's reading");

  const list = await chat.server.fetch("/api/conversations", { headers: { cookie: ben.cookie } });
  assert.equal((await list.json()).conversations[0].unreadCount, 0);
});
