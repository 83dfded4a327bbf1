import assert from "node:assert/strict";
import { publishAccountEvent } from "../accounts/mod.ts";
import { removeParticipant } from "../conversations/mod.ts";
import { NotFoundError } from "../errors.ts";
import { connect, seqsOf, until, withRoom } from "./test_fixtures.ts";

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

Deno.test("Hub: messages sent at once reach every socket in the room once each, in seq order", async () => {
  await withRoom(async ({ hub, people: { ann, ben }, conversationId }) => {
    const a = connect(hub, ann);
    const b = connect(hub, ben);
    await hub.join(a, conversationId);
    await hub.join(b, conversationId);
    await Promise.all(
      range(1, 30).map((i) =>
        hub.send(i % 2 ? ann : ben, { conversationId, content: `message ${i}` })
      ),
    );
    await until(() => seqsOf(a).length >= 30 && seqsOf(b).length >= 30, "both have 30");
    assert.deepEqual(seqsOf(a), range(1, 30));
    assert.deepEqual(seqsOf(b), range(1, 30));
  });
});

Deno.test("Hub: join without since answers the last 50 messages; with since, exactly those after it", async () => {
  await withRoom(async ({ hub, people: { ann, ben, cat }, conversationId }) => {
    for (const i of range(1, 60)) await hub.send(ann, { conversationId, content: `m${i}` });
    const b = connect(hub, ben);
    await hub.join(b, conversationId);
    assert.deepEqual(b.framesOf("recent_messages")[0].messages.map((m) => m.seq), range(11, 60));

    const c = connect(hub, cat);
    await hub.join(c, conversationId, 57);
    assert.deepEqual(c.framesOf("recent_messages").flatMap((f) => f.messages.map((m) => m.seq)), [
      58,
      59,
      60,
    ]);
    await hub.send(ann, { conversationId, content: "live" });
    await until(() => seqsOf(c).length > 0 && seqsOf(b).length > 0, "the live message arrived");
    assert.deepEqual(seqsOf(c), [61]);
    assert.deepEqual(seqsOf(b), [61]);
  });
});

Deno.test("Hub: a catch-up longer than a page sends every message once, in order", async () => {
  await withRoom(async ({ hub, people: { ann, ben }, conversationId }) => {
    for (const i of range(1, 250)) await hub.send(ann, { conversationId, content: `m${i}` });
    const b = connect(hub, ben);
    await hub.join(b, conversationId, 0);
    const seqs = b.framesOf("recent_messages").flatMap((f) => f.messages.map((m) => m.seq));
    assert.deepEqual(seqs, range(1, 250));
    assert.ok(b.framesOf("recent_messages").length >= 3, "sent in pages");
  });
});

Deno.test("Hub: catch-up waits while the socket has more than 1 MiB unsent, then goes on", async () => {
  await withRoom(async ({ hub, people: { ann, ben }, conversationId }) => {
    for (const i of range(1, 250)) await hub.send(ann, { conversationId, content: `m${i}` });
    let unsent = 2 * 1024 * 1024;
    const b = connect(hub, ben, { buffered: () => unsent });
    const joined = hub.join(b, conversationId, 0);
    await until(() => b.frames.length > 0, "the first page went out");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(b.framesOf("recent_messages").length, 1, "only the first page while full");
    unsent = 0;
    await joined;
    const seqs = b.framesOf("recent_messages").flatMap((f) => f.messages.map((m) => m.seq));
    assert.deepEqual(seqs, range(1, 250));
  });
});

Deno.test("Hub: a join with since past the newest message does not make the room skip messages", async () => {
  await withRoom(async ({ hub, people: { ann, ben, cat }, conversationId }) => {
    for (const i of range(1, 3)) await hub.send(ann, { conversationId, content: `m${i}` });
    const b = connect(hub, ben);
    await hub.join(b, conversationId, 99);
    const c = connect(hub, cat);
    await hub.join(c, conversationId, 3);
    await hub.send(ann, { conversationId, content: "next" });
    await until(() => seqsOf(b).length > 0 && seqsOf(c).length > 0, "both got the next one");
    assert.deepEqual(seqsOf(b), [4]);
    assert.deepEqual(seqsOf(c), [4]);
  });
});

Deno.test("Hub: typing reaches the room's other sockets, not the typist's; an outsider's is refused", async () => {
  await withRoom(async ({ hub, people: { ann, ben, cat, dan }, conversationId }) => {
    const a = connect(hub, ann);
    const b = connect(hub, ben);
    const c = connect(hub, cat); // a participant, but not in the room
    await hub.join(a, conversationId);
    await hub.join(b, conversationId);
    await hub.typing(a, conversationId);
    assert.deepEqual(b.framesOf("typing").map((f) => f.user.id), [ann.id]);
    assert.deepEqual(a.framesOf("typing"), []);
    assert.deepEqual(c.framesOf("typing"), []);
    await assert.rejects(hub.typing(connect(hub, dan), conversationId), NotFoundError);
  });
});

Deno.test("Hub: an evicted participant's sockets hear 'removed' and get no further messages", async () => {
  await withRoom(async ({ kv, hub, people: { ann, ben }, conversationId }) => {
    const a = connect(hub, ann);
    const b = connect(hub, ben);
    await hub.join(a, conversationId);
    await hub.join(b, conversationId);
    await removeParticipant(kv, conversationId, ben.id);
    hub.evict(conversationId, ben.id);
    assert.deepEqual(b.framesOf("error").map((f) => f.code), ["removed"]);
    await hub.send(ann, { conversationId, content: "after" });
    await until(() => seqsOf(a).length === 1, "ann got her message");
    assert.deepEqual(seqsOf(b), []);
    await assert.rejects(hub.join(b, conversationId), NotFoundError);
    assert.deepEqual(hub.online(conversationId).map((u) => u.id), [ann.id]);
  });
});

Deno.test("Hub: a read mark that moved reaches every socket of its user and nobody else's", async () => {
  await withRoom(({ hub, people: { ann, ben }, conversationId }) => {
    const [b1, b2, a] = [connect(hub, ben), connect(hub, ben), connect(hub, ann)];
    hub.readMoved(ben.id, conversationId, 7);
    assert.deepEqual(b1.framesOf("read"), [{ type: "read", conversationId, seq: 7 }]);
    assert.deepEqual(b2.framesOf("read"), [{ type: "read", conversationId, seq: 7 }]);
    assert.deepEqual(a.framesOf("read"), []);
  });
});

Deno.test("Hub: ending a session closes that session's sockets with 1008 and no others", async () => {
  await withRoom(({ hub, people: { ben } }) => {
    const old = connect(hub, ben, { sessionId: "old" });
    const current = connect(hub, ben, { sessionId: "current" });
    hub.endSession("old");
    assert.deepEqual(old.closed, { code: 1008, reason: "signed out" });
    assert.equal(current.closed, null);
    assert.equal(hub.connections, 1);
  });
});

Deno.test("Hub: an account event (disabled or deleted elsewhere) closes that account's sockets", async () => {
  await withRoom(async ({ kv, open, people: { ann, ben } }) => {
    const hub = open({ pollMs: 20 });
    const a = connect(hub, ann);
    const b = connect(hub, ben);
    // The watcher's first poll marks where it starts (earlier events are not its concern).
    await new Promise((r) => setTimeout(r, 60));
    await publishAccountEvent(kv, ben.id);
    await until(() => b.closed !== null, "ben's socket was closed");
    assert.deepEqual(b.closed, { code: 1008, reason: "account closed" });
    assert.equal(a.closed, null);
  });
});

Deno.test("Hub: shutdown closes every socket with 1012, and a socket that arrives during it too", async () => {
  await withRoom(async ({ hub, people: { ann, ben }, conversationId }) => {
    const a = connect(hub, ann);
    await hub.join(a, conversationId);
    const stopping = hub.shutdown();
    assert.ok(hub.closing);
    const late = connect(hub, ben);
    await stopping;
    assert.deepEqual(a.closed, { code: 1012, reason: "server restarting" });
    assert.deepEqual(late.closed, { code: 1012, reason: "server restarting" });
    assert.equal(hub.connections, 0);
  });
});

Deno.test("Hub: list activity goes to the sockets that asked for it and are not in the room, until they close", async () => {
  await withRoom(async ({ hub, people: { ann, ben, cat }, conversationId }) => {
    const inRoom = connect(hub, ben);
    await hub.join(inRoom, conversationId);
    hub.watchList(inRoom);
    const list = connect(hub, ben);
    hub.watchList(list);
    const notAsking = connect(hub, ben);
    const catList = connect(hub, cat);
    hub.watchList(catList);
    await hub.send(ann, { conversationId, content: "one" });
    await until(() => list.framesOf("activity").length === 1, "ben's list heard");
    await until(() => catList.framesOf("activity").length === 1, "cat's list heard");
    assert.equal(inRoom.framesOf("activity").length, 0);
    assert.equal(seqsOf(inRoom).length, 1);
    assert.equal(notAsking.frames.length, 0);
    // Closed: no longer told (nor another socket opened after it).
    list.close(1000, "bye");
    const later = connect(hub, ben);
    await hub.send(ann, { conversationId, content: "two" });
    await until(() => catList.framesOf("activity").length === 2, "cat's list heard again");
    assert.equal(list.framesOf("activity").length, 1);
    assert.equal(later.frames.length, 0);
  });
});
