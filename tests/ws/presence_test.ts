/** Away and back: told to the rooms a socket is in, and counted per person, not per socket. */
import assert from "node:assert/strict";
import { chatTest, join } from "../support/ws_client.ts";

chatTest(
  "away and back reach the room; someone is away only when all their sockets are",
  async (chat) => {
    const { ben, conversationId, a, b } = await chat.pair();
    await join(a, conversationId);
    await join(b, conversationId);
    const joined = await a.next("status", (f) => f.event === "joined" && f.user.id === ben.user.id);
    assert.deepEqual(joined.away, []);

    b.send({ type: "presence", state: "away" });
    const away = await a.next("presence");
    assert.equal(away.user.id, ben.user.id);
    assert.equal(away.state, "away");
    assert.deepEqual(away.away, [ben.user.id]);

    // Ben opens a second tab that is looking: he is back, though the first tab is still away.
    const b2 = await chat.connect(ben);
    await join(b2, conversationId);
    const back = await a.next("presence");
    assert.equal(back.state, "active");
    assert.deepEqual(back.away, []);

    // The looking tab goes: only the away one is left, so he is away again.
    await b2.close();
    const left = await a.next("presence");
    assert.equal(left.state, "away");
    assert.deepEqual(left.away, [ben.user.id]);

    // Saying the same twice changes nothing and sends nothing.
    b.send({ type: "presence", state: "away" });
    await b.roundTrip();
    await a.roundTrip();
    assert.equal(a.pending("presence").length, 0);
    b.send({ type: "presence", state: "active" });
    assert.equal((await a.next("presence")).state, "active");
  },
);

chatTest("a bad presence frame gets an error frame", async (chat) => {
  const a = await chat.connect(await chat.person());
  a.send({ type: "presence", state: "asleep" });
  assert.equal((await a.next("error")).code, "invalid_frame");
});
