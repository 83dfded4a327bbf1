/** Threads over the socket: replies, their parents' live summary, joins and catch-up. */
import assert from "node:assert/strict";
import { chatTest, join, sendAndAck } from "../support/ws_client.ts";
import type { Message } from "../../lib/shared/message.ts";

chatTest(
  "a reply reaches the room as a message, and its parent as message_updated",
  async (chat) => {
    const { conversationId, a, b } = await chat.pair();
    await join(a, conversationId);
    await join(b, conversationId);
    const parent = await sendAndAck(a, conversationId, "Top", "p1");
    await b.next("message", (f) => f.message.seq === parent.seq);
    b.send({
      type: "send_message",
      conversationId,
      content: "Reply",
      clientId: "r1",
      parentSeq: parent.seq,
    });
    const ack = await b.next("ack", (f) => f.clientId === "r1");
    assert.equal(ack.message.parentSeq, parent.seq);
    for (const client of [a, b]) {
      const reply = await client.next("message", (f) => f.message.seq === ack.message.seq);
      assert.equal(reply.message.parentSeq, parent.seq);
      const updated = await client.next("message_updated", (f) => f.message.seq === parent.seq);
      assert.equal(updated.message.thread?.replyCount, 1);
      assert.equal(updated.message.thread?.participants.length, 2);
      assert.equal(typeof updated.rev, "number");
    }
    // A reply to a reply is refused with the frame's clientId.
    b.send({
      type: "send_message",
      conversationId,
      content: "Nested",
      clientId: "r2",
      parentSeq: ack.message.seq,
    });
    const error = await b.next("error", (f) => f.ref === "r2");
    assert.equal(error.code, "invalid_input");
    // The same clientId again is the same reply, stored once.
    b.send({
      type: "send_message",
      conversationId,
      content: "Reply",
      clientId: "r1",
      parentSeq: parent.seq,
    });
    const again = await b.next("ack", (f) => f.clientId === "r1");
    assert.equal(again.message.seq, ack.message.seq);
  },
);

chatTest(
  "a join shows the top-level history and every seq after it; a rejoin catches up replies and the parent's change",
  async (chat) => {
    const { ann, conversationId, a, b } = await chat.pair();
    await join(a, conversationId);
    const parent = await sendAndAck(a, conversationId, "Top", "p1");
    const replies: Message[] = [];
    for (let i = 0; i < 3; i++) {
      a.send({
        type: "send_message",
        conversationId,
        content: `r${i}`,
        clientId: `r${i}`,
        parentSeq: parent.seq,
      });
      replies.push((await a.next("ack", (f) => f.clientId === `r${i}`)).message);
    }
    const first = await join(b, conversationId);
    // The top-level page, then (so no seq is missing) the thread's latest replies.
    assert.deepEqual(first.messages.map((m) => m.seq), [parent.seq, ...replies.map((m) => m.seq)]);
    assert.equal(first.messages[0].thread?.replyCount, 3);
    b.send({ type: "leave", conversationId });
    await b.roundTrip();
    const rev = first.rev ?? 0;

    const r3 = await chat.server.fetch(
      `/api/conversations/${conversationId}/messages`,
      {
        method: "POST",
        headers: {
          origin: chat.server.base,
          cookie: ann.cookie,
          "content-type": "application/json",
        },
        body: JSON.stringify({ content: "r3", parentSeq: parent.seq }),
      },
    );
    assert.equal(r3.status, 201);
    const last = replies.at(-1)!.seq;
    b.send({ type: "join", conversationId, since: last, rev });
    const caught = await b.next("recent_messages", (f) => f.conversationId === conversationId);
    assert.deepEqual(caught.messages.map((m) => m.seq), [last + 1]);
    const updated = await b.next("message_updated", (f) => f.message.seq === parent.seq);
    assert.equal(updated.message.thread?.replyCount, 4);
    // REST history shows the parent only.
    const history = await chat.history(ann, conversationId);
    assert.deepEqual(history.map((m) => m.seq), [parent.seq]);
  },
);
