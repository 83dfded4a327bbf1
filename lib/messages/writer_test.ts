import assert from "node:assert/strict";
import { addParticipant, createConversation, removeParticipant } from "../conversations/mod.ts";
import { NotFoundError } from "../errors.ts";
import { MessageWriter } from "./writer.ts";
import { newHeadCache } from "./message.ts";
import { commitMessages } from "./send.ts";
import { listMessages } from "./history.ts";
import { type Connection, Hub } from "../realtime/mod.ts";
import { createUser, type User } from "../accounts/mod.ts";

/** A store with three users and a group conversation of all three. */
async function withGroup(
  fn: (kv: Deno.Kv, people: User[], conversationId: string) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  try {
    const people = await Promise.all(
      ["ann", "ben", "cat"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const { conversation } = await createConversation(kv, people[0], {
      others: people.slice(1),
      title: "trio",
    });
    await fn(kv, people, conversation.id);
  } finally {
    kv.close();
  }
}

Deno.test("commitMessages() refuses a send made under an outdated participant list once its author is gone", async () => {
  await withGroup(async (kv, [ann, ben], id) => {
    const [first] = await commitMessages(kv, [{
      author: ben,
      conversationId: id,
      content: "hi",
      members: 0,
    }]);
    assert.ok(!("refused" in first));
    assert.equal(first.members, 0);
    await removeParticipant(kv, id, ben.id);
    const outcomes = await commitMessages(kv, [
      { author: ben, conversationId: id, content: "still here?", members: 0 },
      { author: ann, conversationId: id, content: "ben left", members: 0 },
    ]);
    assert.ok("refused" in outcomes[0] && outcomes[0].refused instanceof NotFoundError);
    assert.ok(!("refused" in outcomes[1]));
    assert.equal(outcomes[1].message.seq, 2, "the refused send took no seq");
    assert.equal(outcomes[1].members, 1, "the result tells the counter it was judged under");
    const page = await listMessages(kv, id);
    assert.deepEqual(page.messages.map((m) => m.content), ["hi", "ben left"]);
  });
});

Deno.test("commitMessages() lets someone added since send under the old counter only once re-checked", async () => {
  await withGroup(async (kv, [ann], id) => {
    const dan = await createUser(kv, { username: "dan", password: "correct horse battery" });
    await addParticipant(kv, id, dan.id);
    const [outcome] = await commitMessages(kv, [{
      author: dan,
      conversationId: id,
      content: "hello",
      members: 0,
    }]);
    assert.ok(!("refused" in outcome));
    assert.equal(outcome.message.seq, 1);
    const [late] = await commitMessages(kv, [{
      author: ann,
      conversationId: id,
      content: "welcome",
      members: 1,
    }]);
    assert.ok(!("refused" in late));
  });
});

Deno.test("commitMessages() with a head cache notices another writer and keeps seqs gapless", async () => {
  await withGroup(async (kv, [ann, ben], id) => {
    const cacheA = newHeadCache();
    const cacheB = newHeadCache();
    for (let round = 0; round < 5; round++) {
      // Each writer's cache holds the head as its own last commit left it: stale by now.
      await commitMessages(kv, [{ author: ann, conversationId: id, content: `a${round}` }], cacheA);
      await commitMessages(kv, [{ author: ben, conversationId: id, content: `b${round}` }], cacheB);
    }
    const page = await listMessages(kv, id);
    assert.deepEqual(page.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(
      page.messages.map((m) => m.content),
      ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4"],
    );
    assert.equal(cacheA.get(id)?.value.seq, 9);
    assert.equal(cacheB.get(id)?.value.seq, 10);
  });
});

Deno.test("MessageWriter rejects only the refused send of a batch", async () => {
  await withGroup(async (kv, [ann, ben], id) => {
    await removeParticipant(kv, id, ben.id);
    const writer = new MessageWriter(kv);
    const results = await Promise.allSettled([
      writer.send({ author: ann, conversationId: id, content: "one", members: 0 }),
      writer.send({ author: ben, conversationId: id, content: "sneaky", members: 0 }),
      writer.send({ author: ann, conversationId: id, content: "two", members: 0 }),
    ]);
    assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
    assert.ok(results[1].status === "rejected" && results[1].reason instanceof NotFoundError);
    const page = await listMessages(kv, id);
    assert.deepEqual(page.messages.map((m) => m.content), ["one", "two"]);
    writer.close();
  });
});

Deno.test("Hub: a cached participant removed elsewhere (no eviction here) can no longer send", async () => {
  await withGroup(async (kv, [ann, ben], id) => {
    const hub = new Hub(kv, { channelName: null, pollMs: 0 });
    try {
      await hub.send(ben, { conversationId: id, content: "first" });
      // Another process removes ben: this hub hears nothing of it.
      await removeParticipant(kv, id, ben.id);
      await assert.rejects(
        hub.send(ben, { conversationId: id, content: "after removal" }),
        NotFoundError,
      );
      await hub.send(ann, { conversationId: id, content: "ann still can" });
      const page = await listMessages(kv, id);
      assert.deepEqual(page.messages.map((m) => m.content), ["first", "ann still can"]);
    } finally {
      hub.close();
    }
  });
});

Deno.test("Hub: a socket that reaches connect() while the hub shuts down is closed with 1012", async () => {
  await withGroup(async (kv, [ann]) => {
    const hub = new Hub(kv, { channelName: null, pollMs: 0 });
    const closes: number[] = [];
    const conn: Connection = {
      user: ann,
      sessionId: "s",
      cursors: new Map(),
      send() {},
      close(code) {
        closes.push(code);
        hub.disconnect(conn); // what the socket's close event does
      },
    };
    const stopping = hub.shutdown();
    hub.connect(conn); // its open event came after closeAll
    await stopping;
    assert.deepEqual(closes, [1012]);
    assert.equal(hub.connections, 0);
  });
});
