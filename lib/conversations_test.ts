import assert from "node:assert/strict";
import {
  addParticipant,
  createConversation,
  getConversationForUser,
  getConversationRecordForUser,
  listConversationsForUser,
  MAX_PARTICIPANTS,
  removeParticipant,
} from "./conversations.ts";
import { NotFoundError, ValidationError } from "./errors.ts";
import { markRead, sendMessage } from "./messages.ts";
import { createUser, type User } from "./users.ts";
import { nextMillisecond } from "../tests/util.ts";

type People = { kv: Deno.Kv; ann: User; ben: User; cat: User; dan: User };

/** A store with four people; closed at the end. */
async function withPeople(fn: (p: People) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    const [ann, ben, cat, dan] = await Promise.all(
      ["ann", "ben", "cat", "dan"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    await fn({ kv, ann, ben, cat, dan });
  } finally {
    kv.close();
  }
}

function isNotFound(err: unknown) {
  assert.ok(err instanceof NotFoundError);
  assert.equal(err.status, 404);
  return true;
}

Deno.test("createConversation() with one other person makes a direct conversation", async () => {
  await withPeople(async ({ kv, ann, ben }) => {
    const { conversation, created } = await createConversation(kv, ann, { others: [ben] });
    assert.equal(created, true);
    assert.equal(conversation.kind, "direct");
    assert.equal(conversation.title, null);
    assert.deepEqual(conversation.participantIds, [ann.id, ben.id]);
    assert.equal(conversation.createdBy, ann.id);
  });
});

Deno.test("createConversation() of an existing direct pair returns that one, from either side", async () => {
  await withPeople(async ({ kv, ann, ben }) => {
    const first = await createConversation(kv, ann, { others: [ben] });
    const again = await createConversation(kv, ann, { others: [ben] });
    const reverse = await createConversation(kv, ben, { others: [ann] });
    assert.equal(again.created, false);
    assert.equal(reverse.created, false);
    assert.equal(again.conversation.id, first.conversation.id);
    assert.equal(reverse.conversation.id, first.conversation.id);
    assert.equal((await listConversationsForUser(kv, ann.id)).values.length, 1);
  });
});

Deno.test("createConversation() called concurrently for one pair makes one direct conversation", async () => {
  await withPeople(async ({ kv, ann, ben }) => {
    const results = await Promise.all([
      createConversation(kv, ann, { others: [ben] }),
      createConversation(kv, ben, { others: [ann] }),
      createConversation(kv, ann, { others: [ben] }),
    ]);
    assert.equal(new Set(results.map((r) => r.conversation.id)).size, 1);
    assert.equal(results.filter((r) => r.created).length, 1);
  });
});

Deno.test("createConversation() with several people or a title makes a group", async () => {
  await withPeople(async ({ kv, ann, ben, cat }) => {
    const trio = await createConversation(kv, ann, { others: [ben, cat, ben] });
    assert.equal(trio.conversation.kind, "group");
    assert.deepEqual(trio.conversation.participantIds, [ann.id, ben.id, cat.id], "deduplicated");

    const titled = await createConversation(kv, ann, { others: [ben], title: "  Planning " });
    assert.equal(titled.conversation.kind, "group");
    assert.equal(titled.conversation.title, "Planning");

    const again = await createConversation(kv, ann, { others: [ben, cat] });
    assert.equal(again.created, true, "groups are not deduplicated");
    assert.notEqual(again.conversation.id, trio.conversation.id);
  });
});

Deno.test("createConversation() with nobody else throws ValidationError", async () => {
  await withPeople(async ({ kv, ann }) => {
    for (const others of [[], [ann]]) {
      await assert.rejects(createConversation(kv, ann, { others }), (err: unknown) => {
        assert.ok(err instanceof ValidationError);
        assert.equal(err.status, 400);
        assert.ok(err.fields?.participants);
        return true;
      });
    }
  });
});

Deno.test("getConversationForUser() shows participants and throws NotFoundError to anyone else", async () => {
  await withPeople(async ({ kv, ann, ben, cat }) => {
    const { conversation } = await createConversation(kv, ann, { others: [ben] });
    const view = await getConversationForUser(kv, conversation.id, ben.id);
    assert.equal(view.id, conversation.id);
    assert.deepEqual(view.participants, [ann, ben]);
    assert.equal(view.lastMessage, null);
    assert.equal(view.unreadCount, 0);
    assert.equal(view.updatedAt, conversation.createdAt);

    await assert.rejects(getConversationForUser(kv, conversation.id, cat.id), isNotFound);
    await assert.rejects(getConversationRecordForUser(kv, conversation.id, cat.id), isNotFound);
    await assert.rejects(getConversationRecordForUser(kv, "01UNKNOWN", ann.id), isNotFound);
    await assert.rejects(getConversationRecordForUser(kv, "../../etc", ann.id), isNotFound);
    await assert.rejects(getConversationRecordForUser(kv, "x".repeat(65), ann.id), isNotFound);
  });
});

Deno.test("listConversationsForUser() lists only the user's conversations, latest activity first", async () => {
  await withPeople(async ({ kv, ann, ben, cat, dan }) => {
    const withBen = (await createConversation(kv, ann, { others: [ben] })).conversation;
    await nextMillisecond();
    const withCat = (await createConversation(kv, ann, { others: [cat] })).conversation;
    await nextMillisecond();
    const withDan = (await createConversation(kv, ann, { others: [dan] })).conversation;
    await createConversation(kv, ben, { others: [cat] }); // not Ann's
    const order = async () => (await listConversationsForUser(kv, ann.id)).values.map((c) => c.id);

    assert.deepEqual(await order(), [withDan.id, withCat.id, withBen.id], "newest first");
    await nextMillisecond();
    await sendMessage(kv, ben, { conversationId: withBen.id, content: "hello Ann" });
    assert.deepEqual(await order(), [withBen.id, withDan.id, withCat.id]);
    await nextMillisecond();
    await sendMessage(kv, ann, { conversationId: withCat.id, content: "hello Cat" });
    assert.deepEqual(await order(), [withCat.id, withBen.id, withDan.id]);

    const [latest] = (await listConversationsForUser(kv, ann.id)).values;
    assert.equal(latest.lastMessage?.content, "hello Cat");
    assert.deepEqual(latest.lastMessage?.author, ann);
    assert.equal(latest.updatedAt, latest.lastMessage?.createdAt);
  });
});

Deno.test("listConversationsForUser() pages by cursor: each conversation once, newest first, counts exact on every page", async () => {
  await withPeople(async ({ kv, ann, ben, cat }) => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { conversation } = await createConversation(kv, ann, {
        others: [ben, cat],
        title: `Group ${i}`,
      });
      ids.push(conversation.id);
      await nextMillisecond();
    }
    // Activity in an old one moves it up; the oldest gets i+1 unread messages from Ben.
    for (const [i, id] of [ids[1], ids[0]].entries()) {
      for (let n = 0; n <= i; n++) {
        await sendMessage(kv, ben, { conversationId: id, content: `${n}` });
      }
      await nextMillisecond();
    }
    const expected = [ids[0], ids[1], ids[6], ids[5], ids[4], ids[3], ids[2]];
    const all = await listConversationsForUser(kv, ann.id);
    assert.deepEqual(all.values.map((c) => c.id), expected);
    assert.equal(all.cursor, null, "one page holds them all");

    const seen: { id: string; unread: number }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof listConversationsForUser>> =
        await listConversationsForUser(kv, ann.id, { cursor, limit: 3 });
      assert.ok(page.values.length <= 3);
      seen.push(...page.values.map((c) => ({ id: c.id, unread: c.unreadCount })));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen.map((c) => c.id), expected);
    assert.deepEqual(seen.map((c) => c.unread), [2, 1, 0, 0, 0, 0, 0]);
    assert.deepEqual(
      (await listConversationsForUser(kv, ann.id, {
        cursor: `${all.values[6].updatedAt}|${ids[2]}`,
      }))
        .values,
      [],
      "nothing after the last",
    );
  });
});

Deno.test("listConversationsForUser() counts unread messages until markRead() moves the mark", async (t) => {
  await withPeople(async ({ kv, ann, ben }) => {
    const { conversation } = await createConversation(kv, ann, { others: [ben] });
    const id = conversation.id;
    const unread = async (user: User) =>
      (await listConversationsForUser(kv, user.id)).values.find((c) => c.id === id)?.unreadCount;
    for (let i = 1; i <= 5; i++) {
      await sendMessage(kv, ann, { conversationId: id, content: `${i}` });
    }

    await t.step("the author has read their own messages; the other has not", async () => {
      assert.equal(await unread(ann), 0);
      assert.equal(await unread(ben), 5);
    });
    await t.step("markRead() up to a seq leaves the rest unread", async () => {
      await markRead(kv, id, { userId: ben.id, seq: 3 });
      assert.equal(await unread(ben), 2);
    });
    await t.step("markRead() never moves the mark backward", async () => {
      await markRead(kv, id, { userId: ben.id, seq: 1 });
      assert.equal(await unread(ben), 2);
    });
    await t.step("markRead() past the head stops at the head", async () => {
      await markRead(kv, id, { userId: ben.id, seq: 999 });
      assert.equal(await unread(ben), 0);
      await sendMessage(kv, ann, { conversationId: id, content: "six" });
      assert.equal(await unread(ben), 1, "a later message is unread again");
    });
    await t.step("replying marks everything up to the reply as read", async () => {
      await sendMessage(kv, ann, { conversationId: id, content: "seven" });
      await sendMessage(kv, ben, { conversationId: id, content: "eight" });
      assert.equal(await unread(ben), 0);
      assert.equal(await unread(ann), 1);
    });
  });
});

Deno.test("addParticipant() stops at MAX_PARTICIPANTS and removeParticipant() makes room", async () => {
  await withPeople(async ({ kv, ann, ben }) => {
    const { conversation } = await createConversation(kv, ann, { others: [ben], title: "big" });
    for (let i = 2; i < MAX_PARTICIPANTS; i++) {
      await addParticipant(kv, conversation.id, `01FAKE${String(i).padStart(6, "0")}`);
    }
    await assert.rejects(addParticipant(kv, conversation.id, "01FAKEONEMORE"), ValidationError);
    await removeParticipant(kv, conversation.id, "01FAKE000002");
    await addParticipant(kv, conversation.id, "01FAKEONEMORE");
    const record = await getConversationRecordForUser(kv, conversation.id, "01FAKEONEMORE");
    assert.equal(record.participantIds.length, MAX_PARTICIPANTS);
  });
});
