import assert from "node:assert/strict";
import { createConversation } from "../conversations/mod.ts";
import {
  HISTORY_CACHE_BYTES,
  historyCacheBytes,
  historyReadKeys,
  openHistory,
  readHistory,
} from "./history_cache.ts";
import { bytesOf } from "./heap_size.ts";
import { changeMessage } from "./changes.ts";
import { listMessages } from "./history.ts";
import { commitMessages, sendMessage } from "./send.ts";
import { createUser, deleteUserRecord, updateAccountFlags, type User } from "../accounts/mod.ts";
import { NotFoundError } from "../errors.ts";

/** A store with Ann and Ben in one conversation holding `count` messages. */
async function withRoom(
  count: number,
  fn: (kv: Deno.Kv, ann: User, ben: User, id: string) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    const { conversation } = await createConversation(kv, ann, { others: [ben] });
    for (let i = 1; i <= count; i++) {
      await sendMessage(kv, i % 2 ? ann : ben, {
        conversationId: conversation.id,
        content: `message ${i}`,
      });
    }
    await fn(kv, ann, ben, conversation.id);
  } finally {
    kv.close();
  }
}

/** The cached page and its JSON are exactly what listMessages reads now. */
async function assertFresh(kv: Deno.Kv, id: string, options = { limit: 5 }) {
  const { page, json } = await readHistory(kv, id, options);
  const now = await listMessages(kv, id, options);
  assert.deepEqual(page, now);
  assert.equal(json(), JSON.stringify(now));
  return page;
}

Deno.test("readHistory() answers from its cache while the conversation is unchanged", async () => {
  await withRoom(8, async (kv, _ann, _ben, id) => {
    const first = await assertFresh(kv, id);
    const again = await assertFresh(kv, id);
    assert.equal(again, first, "the same page object: not read again");
    assert.ok(Object.isFrozen(first.messages[0].author), "shared pages are frozen");
    const older = await assertFresh(kv, id, { limit: 5, before: 4 } as { limit: number });
    assert.notEqual(older, first, "another query is another page");
  });
});

Deno.test("readHistory() reads again after a new message, an edit, a reaction and a delete", async () => {
  await withRoom(8, async (kv, ann, ben, id) => {
    const before = await assertFresh(kv, id);
    await sendMessage(kv, ben, { conversationId: id, content: "a new one" });
    assert.equal((await assertFresh(kv, id)).messages.at(-1)?.content, "a new one");
    await changeMessage(kv, ann, { conversationId: id, seq: 7 }, {
      kind: "edit",
      content: "edited",
    });
    assert.equal((await assertFresh(kv, id)).messages.find((m) => m.seq === 7)?.content, "edited");
    await changeMessage(kv, ben, { conversationId: id, seq: 7 }, {
      kind: "react",
      emoji: "👍",
      on: true,
    });
    const reacted = await assertFresh(kv, id);
    assert.deepEqual(reacted.messages.find((m) => m.seq === 7)?.reactions, [
      { emoji: "👍", userIds: [ben.id] },
    ]);
    await changeMessage(kv, ann, { conversationId: id, seq: 5 }, { kind: "delete" });
    const after = await assertFresh(kv, id);
    assert.notEqual(after.messages.find((m) => m.seq === 5)?.deletedAt, null);
    assert.notEqual(after, before);
  });
});

Deno.test("readHistory() shows an author as the store has them now (a deleted account)", async () => {
  await withRoom(4, async (kv, _ann, ben, id) => {
    await assertFresh(kv, id);
    assert.ok(await deleteUserRecord(kv, ben.id));
    const page = await assertFresh(kv, id);
    assert.equal(
      page.messages.find((m) => m.author.id === ben.id)?.author.displayName,
      "Deleted user",
    );
  });
});

Deno.test("readHistory() of an empty conversation", async () => {
  await withRoom(0, async (kv, _ann, _ben, id) => {
    assert.deepEqual((await assertFresh(kv, id)).messages, []);
    assert.deepEqual((await assertFresh(kv, id)).messages, []);
  });
});

Deno.test("readHistory() keeps pages within a bound on their bytes, not only on their number", async () => {
  await withRoom(0, async (kv, ann, _ben, id) => {
    // 200 messages of 4,000 characters; pages of 100 of them under 100 queries: ~40 M
    // characters of text read, far below the count of pages the cache keeps.
    const long = (i: number) => `${i} ${"x".repeat(3990)}`;
    for (let from = 0; from < 200; from += 50) {
      await commitMessages(
        kv,
        Array.from({ length: 50 }, (_, i) => ({
          author: ann,
          conversationId: id,
          content: long(from + i),
        })),
      );
    }
    let read = 0;
    for (let before = 101; before <= 200; before++) {
      const { page, json } = await readHistory(kv, id, { before, limit: 100 });
      json(); // the REST answer's text is kept too
      read += bytesOf(page);
      assert.ok(historyCacheBytes(kv) <= HISTORY_CACHE_BYTES, `within the bound after ${before}`);
    }
    assert.ok(read > HISTORY_CACHE_BYTES, "the test read more than the bound");
  });
});

Deno.test("readHistory() keeps each store's pages apart (a restored copy has the same ids and versions)", async () => {
  await withRoom(3, async (kv, ann, _ben, id) => {
    const copy = await Deno.openKv(":memory:");
    try {
      for await (const e of kv.list({ prefix: [] })) await copy.set(e.key, e.value);
      // The same change count on both (rev 1, same last message), different text.
      await changeMessage(kv, ann, { conversationId: id, seq: 1 }, {
        kind: "edit",
        content: "here",
      });
      await changeMessage(copy, ann, { conversationId: id, seq: 1 }, {
        kind: "edit",
        content: "there",
      });
      assert.equal((await assertFresh(kv, id)).messages[0].content, "here");
      assert.equal((await assertFresh(copy, id)).messages[0].content, "there");
    } finally {
      copy.close();
    }
  });
});

Deno.test("readHistory() files every before= above the head as the one newest page (item 12)", async () => {
  await withRoom(5, async (kv, _ann, ben, id) => {
    const newest = await assertFresh(kv, id, { limit: 3 });
    const held = historyCacheBytes(kv);
    for (let before = 6; before < 506; before++) {
      const { page } = await readHistory(kv, id, { before, limit: 3 });
      assert.equal(page, newest, `before=${before}: the newest page's entry`);
    }
    assert.equal(historyCacheBytes(kv), held, "no new entries");
    // A before at or below the head is its own page; a new message moves the newest page.
    assert.deepEqual(
      (await assertFresh(kv, id, { before: 5, limit: 3 } as never)).messages
        .map((m) => m.seq),
      [2, 3, 4],
    );
    await sendMessage(kv, ben, { conversationId: id, content: "six" });
    const six = await readHistory(kv, id, { before: 6, limit: 3 });
    assert.deepEqual(six.page.messages.map((m) => m.seq), [3, 4, 5], "before=6 leaves out 6");
    assert.deepEqual((await assertFresh(kv, id, { limit: 3 })).messages.map((m) => m.seq), [
      4,
      5,
      6,
    ]);
    // after= past the end and around= above the head are one key each too.
    const past = await readHistory(kv, id, { after: 6, limit: 3 });
    for (const after of [7, 50, 900]) {
      assert.equal((await readHistory(kv, id, { after, limit: 3 })).page, past.page);
    }
    const around = await readHistory(kv, id, { around: 6, limit: 3 });
    assert.equal((await readHistory(kv, id, { around: 99, limit: 3 })).page, around.page);
  });
});

Deno.test("readHistory() counts a page's reactions and JSON, not its text alone (item 12)", async () => {
  await withRoom(20, async (kv, ann, _ben, id) => {
    for (let seq = 1; seq <= 20; seq++) {
      for (const emoji of [..."😀😂😍🎉👍🙏🔥💯🚀👀🤔😎😭🥳✅❌💡🍕🌈⭐"]) {
        await changeMessage(kv, ann, { conversationId: id, seq }, {
          kind: "react",
          emoji,
          on: true,
        });
      }
    }
    const { json } = await readHistory(kv, id, { limit: 20 });
    const text = json();
    // Measured (gc, heapUsed) for such pages: ~4.6 bytes held per character of their JSON.
    assert.ok(
      historyCacheBytes(kv) >= 4 * text.length,
      `${historyCacheBytes(kv)} bytes counted for ${text.length} characters of JSON`,
    );
  });
});

Deno.test("readHistory() shows authors as they are now when another process deletes one or makes one admin", async () => {
  // Two handles on one file: the server, and `deno task admin` in another process (its
  // commits reach this handle through the store alone, never through this process's memory).
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const kv = await Deno.openKv(path);
  const admin = await Deno.openKv(path);
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    const cal = await createUser(kv, { username: "cal", password: "correct horse battery" });
    const { conversation } = await createConversation(kv, ann, { others: [ben] });
    const id = conversation.id;
    for (const [i, who] of [ann, ben, ann].entries()) {
      await sendMessage(kv, who, { conversationId: id, content: `message ${i}` });
    }
    const first = await assertFresh(kv, id);
    // Someone else's change moves the revision: the authors are read again, the page kept.
    await updateAccountFlags(admin, cal.id, { siteAdmin: true });
    assert.equal(await assertFresh(kv, id), first, "an unrelated account: the same page");
    await updateAccountFlags(admin, ben.id, { siteAdmin: true });
    const promoted = await assertFresh(kv, id);
    assert.equal(promoted.messages.find((m) => m.author.id === ben.id)?.author.isAdmin, true);
    const { json } = await readHistory(kv, id, { limit: 5 });
    assert.ok(
      json().includes(`"id":"${ben.id}","username":"ben","displayName":"ben","isAdmin":true`),
    );
    assert.ok(await deleteUserRecord(admin, ben.id));
    const gone = await assertFresh(kv, id);
    assert.equal(
      gone.messages.find((m) => m.author.id === ben.id)?.author.displayName,
      "Deleted user",
    );
    assert.ok(!(await readHistory(kv, id, { limit: 5 })).json().includes('"username":"ben"'));
  } finally {
    admin.close();
    kv.close();
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("openHistory() refuses an outsider and a bad id as a missing conversation, and reads fresh entries", async () => {
  await withRoom(3, async (kv, ann, ben, id) => {
    const eve = await createUser(kv, { username: "eve", password: "correct horse battery" });
    await assert.rejects(() => openHistory(kv, id, eve.id), NotFoundError);
    await assert.rejects(() => openHistory(kv, "not-an-id", ann.id), NotFoundError);
    assert.equal(historyReadKeys("not-an-id", ann.id), null);
    // With entries read by the caller (the session's getMany): the same page as reading here.
    const read = await kv.getMany<unknown[]>(historyReadKeys(id, ben.id)!);
    const page = (await (await openHistory(kv, id, ben.id, read))({ limit: 5 })).page;
    assert.deepEqual(page, await listMessages(kv, id, { limit: 5 }));
    // An outsider's entries say so too.
    const eves = await kv.getMany<unknown[]>(historyReadKeys(id, eve.id)!);
    await assert.rejects(() => openHistory(kv, id, eve.id, eves), NotFoundError);
    // Entries read before a message was sent (the same request's, earlier): that page, never
    // filed as newer than it is; the next request reads the new message.
    await sendMessage(kv, ann, { conversationId: id, content: "newer" });
    const old = (await (await openHistory(kv, id, ben.id, read))({ limit: 5 })).page;
    assert.ok(old.messages.length >= 3);
    const now = (await (await openHistory(kv, id, ben.id))({ limit: 5 })).page;
    assert.equal(now.messages.at(-1)?.content, "newer");
  });
});
