import assert from "node:assert/strict";
import { getHeadSeq } from "../conversations/mod.ts";
import { listMessages } from "./history.ts";
import { sendMessage } from "./send.ts";
import { createUser, type User } from "../accounts/mod.ts";
import { range, seqs } from "../../tests/support/util.ts";

/** Opens a store with two users and runs `fn` on it, closing the store at the end. */
async function withUsers(fn: (kv: Deno.Kv, ann: User, ben: User) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    const [ann, ben] = await Promise.all([
      createUser(kv, { username: "ann", password: "correct horse battery" }),
      createUser(kv, { username: "ben", password: "correct horse battery" }),
    ]);
    await fn(kv, ann, ben);
  } finally {
    kv.close();
  }
}

async function sendMany(kv: Deno.Kv, author: User, conversationId: string, count: number) {
  for (let i = 1; i <= count; i++) {
    await sendMessage(kv, author, { conversationId, content: `message ${i}` });
  }
}

Deno.test("sendMessage() numbers a conversation's messages from 1 upward by exactly 1", async () => {
  await withUsers(async (kv, ann, ben) => {
    const first = await sendMessage(kv, ann, { conversationId: "c1", content: "hello" });
    const second = await sendMessage(kv, ben, { conversationId: "c1", content: "hi ann" });
    const third = await sendMessage(kv, ann, { conversationId: "c1", content: "how are you?" });
    const other = await sendMessage(kv, ann, { conversationId: "c2", content: "elsewhere" });
    assert.deepEqual(
      [first.message.seq, second.message.seq, third.message.seq],
      [1, 2, 3],
    );
    assert.equal(other.message.seq, 1, "each conversation counts on its own");
    assert.equal(first.created, true);
    assert.equal(first.message.content, "hello");
    assert.equal(first.message.clientId, null);
    assert.equal(first.message.conversationId, "c1");
    assert.deepEqual(second.message.author, ben);
    assert.notEqual(first.message.id, second.message.id);
    assert.equal(await getHeadSeq(kv, "c1"), 3);
    assert.equal(await getHeadSeq(kv, "empty"), 0);
  });
});

Deno.test("sendMessage() called concurrently hands out distinct seqs without gaps", async () => {
  await withUsers(async (kv, ann, ben) => {
    const results = await Promise.all(
      range(1, 24).map((i) =>
        sendMessage(kv, i % 2 ? ann : ben, { conversationId: "busy", content: `m${i}` })
      ),
    );
    assert.deepEqual(seqs(results.map((r) => r.message)).sort((a, b) => a - b), range(1, 24));
    const { messages } = await listMessages(kv, "busy", { limit: 100 });
    assert.deepEqual(seqs(messages), range(1, 24));
    assert.deepEqual(
      messages.map((m) => m.content).sort(),
      range(1, 24).map((i) => `m${i}`).sort(),
      "every message is stored once",
    );
  });
});

Deno.test("sendMessage() with a repeated clientId stores it once and returns the original", async () => {
  await withUsers(async (kv, ann) => {
    const input = { conversationId: "c1", content: "only once", clientId: "tab1:42" };
    const first = await sendMessage(kv, ann, input);
    const again = await sendMessage(kv, ann, { ...input, content: "a retry with other text" });
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.deepEqual(again.message, first.message);
    assert.equal(again.message.content, "only once");
    assert.equal(await getHeadSeq(kv, "c1"), 1);
  });
});

Deno.test("sendMessage() with a clientId repeated concurrently still stores one message", async () => {
  await withUsers(async (kv, ann) => {
    const input = { conversationId: "c1", content: "double click", clientId: "dbl" };
    const results = await Promise.all([1, 2, 3].map(() => sendMessage(kv, ann, input)));
    assert.equal(results.filter((r) => r.created).length, 1);
    assert.equal(new Set(results.map((r) => r.message.id)).size, 1);
    assert.equal(await getHeadSeq(kv, "c1"), 1);
  });
});

Deno.test("sendMessage() keeps the same clientId from different authors apart", async () => {
  await withUsers(async (kv, ann, ben) => {
    const a = await sendMessage(kv, ann, { conversationId: "c1", content: "a", clientId: "x" });
    const b = await sendMessage(kv, ben, { conversationId: "c1", content: "b", clientId: "x" });
    assert.equal(b.created, true);
    assert.notEqual(a.message.id, b.message.id);
    assert.deepEqual([a.message.seq, b.message.seq], [1, 2]);
  });
});

Deno.test("listMessages() pages back through history with before, limit and nextCursor", async (t) => {
  await withUsers(async (kv, ann) => {
    await sendMany(kv, ann, "c1", 120);

    await t.step("without options: the newest 50, oldest first", async () => {
      const page = await listMessages(kv, "c1");
      assert.deepEqual(seqs(page.messages), range(71, 120));
      assert.equal(page.nextCursor, "71");
      assert.equal(page.messages[0].content, "message 71");
      assert.deepEqual(page.messages[0].author, ann);
    });
    await t.step("before the cursor: the page before it", async () => {
      const page = await listMessages(kv, "c1", { before: 71 });
      assert.deepEqual(seqs(page.messages), range(21, 70));
      assert.equal(page.nextCursor, "21");
    });
    await t.step("the last page has no cursor", async () => {
      const page = await listMessages(kv, "c1", { before: 21 });
      assert.deepEqual(seqs(page.messages), range(1, 20));
      assert.equal(page.nextCursor, null);
    });
    await t.step("limit is honoured and capped at 100", async () => {
      assert.deepEqual(seqs((await listMessages(kv, "c1", { limit: 3 })).messages), [
        118,
        119,
        120,
      ]);
      assert.equal((await listMessages(kv, "c1", { limit: 500 })).messages.length, 100);
    });
    await t.step("before 1 (or 0) is an empty page, not an error", async () => {
      assert.deepEqual(await listMessages(kv, "c1", { before: 1 }), {
        messages: [],
        nextCursor: null,
      });
      assert.deepEqual(await listMessages(kv, "c1", { before: 0 }), {
        messages: [],
        nextCursor: null,
      });
    });
  });
});

Deno.test("listMessages() with after returns what came after that seq, paging forward", async (t) => {
  await withUsers(async (kv, ann) => {
    await sendMany(kv, ann, "c1", 30);

    await t.step("a page forward with a cursor to continue from", async () => {
      const page = await listMessages(kv, "c1", { after: 0, limit: 10 });
      assert.deepEqual(seqs(page.messages), range(1, 10));
      assert.equal(page.nextCursor, "10");
      const next = await listMessages(kv, "c1", { after: Number(page.nextCursor), limit: 10 });
      assert.deepEqual(seqs(next.messages), range(11, 20));
    });
    await t.step("the rest, without a cursor", async () => {
      const page = await listMessages(kv, "c1", { after: 25 });
      assert.deepEqual(seqs(page.messages), range(26, 30));
      assert.equal(page.nextCursor, null);
    });
    await t.step("after the last seq (or any larger one) is empty", async () => {
      assert.deepEqual((await listMessages(kv, "c1", { after: 30 })).messages, []);
      const far = await listMessages(kv, "c1", { after: Number.MAX_SAFE_INTEGER });
      assert.deepEqual(far, { messages: [], nextCursor: null });
    });
  });
});

Deno.test("listMessages() of an empty or unknown conversation is an empty page", async () => {
  await withUsers(async (kv) => {
    assert.deepEqual(await listMessages(kv, "nothing-here"), { messages: [], nextCursor: null });
  });
});
