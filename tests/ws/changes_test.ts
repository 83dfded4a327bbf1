/** Edits, deletes and reactions over WebSocket: live in the room, across hubs, after a rejoin. */
import assert from "node:assert/strict";
import { json, registerUser, startTestServer } from "../support/helpers.ts";
import { chatTest, type Client, join, openSocket, sendAndAck } from "../support/ws_client.ts";

chatTest(
  "edit, delete and react frames reach everyone in the room as message_updated",
  async (chat) => {
    const { ann, ben, conversationId, a, b } = await chat.pair();
    await join(a, conversationId);
    await join(b, conversationId);
    const sent = await sendAndAck(a, conversationId, "helo", "c-1");
    await b.next("message", (f) => f.message.id === sent.id);

    a.send({ type: "edit_message", conversationId, seq: sent.seq, content: "hello" });
    for (const socket of [a, b]) {
      const { message, rev } = await socket.next("message_updated");
      assert.deepEqual([message.id, message.content, rev], [sent.id, "hello", 1]);
      assert.ok(message.editedAt);
    }

    b.send({ type: "react", conversationId, seq: sent.seq, emoji: "🎉", on: true });
    for (const socket of [a, b]) {
      const { message, rev } = await socket.next("message_updated");
      assert.equal(rev, 2);
      assert.deepEqual(message.reactions, [{ emoji: "🎉", userIds: [ben.user.id] }]);
    }
    a.send({ type: "react", conversationId, seq: sent.seq, emoji: "🎉", on: true });
    const both = (await b.next("message_updated")).message.reactions;
    assert.deepEqual(both, [{ emoji: "🎉", userIds: [ben.user.id, ann.user.id] }]);
    await a.next("message_updated");

    a.send({ type: "delete_message", conversationId, seq: sent.seq });
    for (const socket of [a, b]) {
      const { message } = await socket.next("message_updated");
      assert.deepEqual([message.seq, message.content, message.reactions], [sent.seq, "", []]);
      assert.ok(message.deletedAt);
    }
    // History agrees, and the next message still takes the next seq.
    const next = await sendAndAck(b, conversationId, "after the delete", "c-2");
    assert.equal(next.seq, sent.seq + 1);
    const history = await chat.history(ben, conversationId);
    assert.deepEqual(history.map((m) => [m.seq, m.content]), [[1, ""], [2, "after the delete"]]);
  },
);

chatTest(
  "change frames that are refused get an error frame and the socket stays open",
  async (chat) => {
    const { ann, ben, conversationId, a, b } = await chat.pair();
    const eve = await chat.person();
    const e = await chat.connect(eve);
    await join(a, conversationId);
    const sent = await chat.post(ann, conversationId, "ann's");

    b.send({ type: "edit_message", conversationId, seq: sent.seq, content: "ben's" });
    assert.equal((await b.next("error")).code, "forbidden");
    b.send({ type: "delete_message", conversationId, seq: sent.seq });
    assert.equal((await b.next("error")).code, "forbidden");
    b.send({ type: "edit_message", conversationId, seq: 99, content: "x" });
    assert.equal((await b.next("error")).code, "not_found");

    const bad = [
      { type: "edit_message", conversationId, seq: sent.seq, content: "  " },
      { type: "edit_message", conversationId, seq: sent.seq, content: "x".repeat(4001) },
      { type: "edit_message", conversationId, seq: 0, content: "x" },
      { type: "delete_message", conversationId, seq: "1" },
      { type: "react", conversationId, seq: sent.seq, emoji: "a", on: true },
      { type: "react", conversationId, seq: sent.seq, emoji: "👍👍", on: true },
      { type: "react", conversationId, seq: sent.seq, emoji: "👍" },
    ];
    for (const frame of bad) {
      b.send(frame);
      assert.equal((await b.next("error")).code, "invalid_frame", JSON.stringify(frame));
    }

    // An outsider's frames are answered like a missing conversation's; nobody inside hears.
    for (
      const frame of [
        { type: "edit_message", conversationId, seq: sent.seq, content: "eve was here" },
        { type: "delete_message", conversationId, seq: sent.seq },
        { type: "react", conversationId, seq: sent.seq, emoji: "💩", on: true },
      ]
    ) {
      e.send(frame);
      const error = await e.next("error");
      assert.deepEqual([error.code, error.ref], ["not_found", conversationId]);
    }
    await a.roundTrip();
    assert.deepEqual(a.pending("message_updated"), []);
    await b.roundTrip();
    const [stored] = await chat.history(ben, conversationId);
    assert.deepEqual([stored.content, stored.reactions], ["ann's", []]);

    // A change from a socket that has not joined is answered to it directly.
    b.send({ type: "react", conversationId, seq: sent.seq, emoji: "👀", on: true });
    const answer = await b.next("message_updated");
    assert.deepEqual(answer.message.reactions, [{ emoji: "👀", userIds: [ben.user.id] }]);
    assert.equal((await a.next("message_updated")).message.reactions.length, 1);
  },
);

chatTest(
  "a REST edit reaches the sockets in the room, and a rejoin with rev catches up",
  async (chat) => {
    const { ann, ben, conversationId, a, b } = await chat.pair();
    await join(a, conversationId);
    const first = await join(b, conversationId);
    assert.equal(first.rev, 0);
    const m1 = await chat.post(ann, conversationId, "one");
    const m2 = await chat.post(ann, conversationId, "two");
    await b.next("message", (f) => f.message.seq === m2.seq);
    const res = await chat.server.fetch(
      `/api/conversations/${conversationId}/messages/${m1.seq}`,
      json("PATCH", { content: "one, edited" }, ann.cookie),
    );
    assert.equal(res.status, 200);
    const live = await b.next("message_updated");
    assert.deepEqual([live.message.content, live.rev], ["one, edited", 1]);

    // Ben goes away; meanwhile m2 is edited and m1 deleted, and m3 arrives.
    await b.close();
    const base = `/api/conversations/${conversationId}/messages`;
    await chat.server.fetch(
      `${base}/${m2.seq}`,
      json("PATCH", { content: "two, edited" }, ann.cookie),
    );
    await chat.server.fetch(`${base}/${m1.seq}`, json("DELETE", undefined, ann.cookie));
    await chat.post(ann, conversationId, "three");
    const again = await chat.connect(ben);
    again.send({ type: "join", conversationId, since: m2.seq, rev: live.rev });
    const recent = await again.next("recent_messages");
    assert.deepEqual(recent.messages.map((m) => m.content), ["three"]);
    const updates = [await again.next("message_updated"), await again.next("message_updated")];
    assert.deepEqual(updates.map((u) => [u.message.seq, u.message.content, u.rev]), [
      [m2.seq, "two, edited", 2],
      [m1.seq, "", 3],
    ]);
    await again.roundTrip();
    assert.deepEqual(again.pending("message_updated"), [], "each change once");
  },
);

Deno.test("a change made through one hub reaches a socket on another hub sharing the KV", async () => {
  // Two servers on one KV file, no doorbell between them: like two processes.
  const dir = await Deno.makeTempDir();
  const env = { KV_PATH: `${dir}/shared.kv`, REALTIME_POLL_MS: "50" };
  const a = await startTestServer(env);
  const b = await startTestServer(env);
  const clients: Client[] = [];
  try {
    const ann = await registerUser(a);
    const ben = await registerUser(a);
    const created = await a.fetch(
      "/api/conversations",
      json("POST", { participantIds: [ben.user.id] }, ann.cookie),
    );
    const conversationId: string = (await created.json()).conversation.id;
    const onA = await openSocket(a.base, ann.cookie);
    const onB = await openSocket(b.base, ben.cookie);
    clients.push(onA, onB);
    await join(onA, conversationId);
    await join(onB, conversationId);
    const sent = await sendAndAck(onA, conversationId, "from A", "a-1");
    await onB.next("message", (f) => f.message.id === sent.id);

    onA.send({ type: "edit_message", conversationId, seq: sent.seq, content: "from A, edited" });
    const edited = await onB.next("message_updated");
    assert.deepEqual([edited.message.content, edited.rev], ["from A, edited", 1]);
    // And back: a reaction through hub B reaches hub A, after A's own edit.
    onB.send({ type: "react", conversationId, seq: sent.seq, emoji: "👍", on: true });
    const onAUpdates = [await onA.next("message_updated"), await onA.next("message_updated")];
    assert.deepEqual(onAUpdates.map((u) => u.rev), [1, 2]);
    assert.deepEqual(onAUpdates[1].message.reactions, [{ emoji: "👍", userIds: [ben.user.id] }]);
    // Several quick changes on A: B gets them all, in rev order, the last one as it is now.
    for (const content of ["v2", "v3", "v4"]) {
      onA.send({ type: "edit_message", conversationId, seq: sent.seq, content });
    }
    let last = edited;
    while (last.message.content !== "v4") {
      const next = await onB.next("message_updated");
      assert.ok(next.rev! > last.rev!, "revs only grow");
      last = next;
    }
    assert.ok(last.rev! <= 5);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await a.close();
    await b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
