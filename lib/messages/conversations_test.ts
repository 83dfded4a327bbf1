import assert from "node:assert/strict";
import {
  addParticipant,
  createConversation,
  deleteConversation,
  getConversationRecordForUser,
  leaveAllConversations,
  MAX_PARTICIPANTS,
  removeParticipant,
} from "../conversations/mod.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { getConversationForUser, listConversationsForUser } from "./conversation_views.ts";
import { sendMessage } from "./send.ts";
import { markRead } from "./read_marks.ts";
import { createUser, type User } from "../accounts/mod.ts";
import { eventually, nextMillisecond } from "../../tests/support/util.ts";

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

/** `count` groups of `owner` with `others`, oldest first, a millisecond apart. */
async function groups(kv: Deno.Kv, owner: User, others: User[], count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    await nextMillisecond();
    ids.push(
      (await createConversation(kv, owner, { others, title: `Group ${i}` })).conversation.id,
    );
  }
  return ids;
}

const idsOf = (page: { values: { id: string }[] }) => page.values.map((c) => c.id);

Deno.test("listConversationsForUser() shows this process's commit at once, beyond the first page too", async () => {
  await withPeople(async ({ kv, ann, ben }) => {
    const ids = await groups(kv, ann, [ben], 4);
    const first = async () => idsOf(await listConversationsForUser(kv, ann.id, { limit: 1 }));
    // The order is now remembered; the oldest is on no page the next request reads fresh.
    assert.deepEqual(await first(), [ids[3]]);
    await nextMillisecond();
    await sendMessage(kv, ben, { conversationId: ids[0], content: "the oldest speaks" });
    assert.deepEqual(await first(), [ids[0]]);
    assert.deepEqual(idsOf(await listConversationsForUser(kv, ben.id)), [
      ids[0],
      ids[3],
      ids[2],
      ids[1],
    ]);
    const [top] = (await listConversationsForUser(kv, ann.id, { limit: 1 })).values;
    assert.equal(top.unreadCount, 1);
    assert.equal(top.lastMessage?.content, "the oldest speaks");
  });
});

Deno.test("listConversationsForUser() shows membership changes of this process at once", async (t) => {
  await withPeople(async ({ kv, ann, ben, cat }) => {
    const [group] = await groups(kv, ann, [cat], 1);
    const list = async (user: User) => idsOf(await listConversationsForUser(kv, user.id));
    const people = async (user: User) =>
      (await listConversationsForUser(kv, user.id)).values.find((c) => c.id === group)
        ?.participants.map((p) => p.username);
    assert.deepEqual(await list(ben), []);
    assert.deepEqual(await people(ann), ["ann", "cat"]);

    await t.step("a new conversation", async () => {
      const { conversation } = await createConversation(kv, cat, { others: [ben] });
      assert.deepEqual(await list(ben), [conversation.id]);
    });
    await t.step("added: in their list, and among the others' participants", async () => {
      await addParticipant(kv, group, ben.id);
      assert.ok((await list(ben)).includes(group));
      assert.deepEqual(await people(ann), ["ann", "cat", "ben"]);
    });
    await t.step("removed: gone from their list and from the others' participants", async () => {
      await removeParticipant(kv, group, ben.id);
      assert.ok(!(await list(ben)).includes(group));
      assert.deepEqual(await people(ann), ["ann", "cat"]);
    });
    await t.step("deleted: gone from every list", async () => {
      await deleteConversation(kv, group);
      assert.deepEqual(await list(ann), []);
      assert.ok(!(await list(cat)).includes(group));
    });
    await t.step("an account's conversations left: its list is empty", async () => {
      await leaveAllConversations(kv, ben.id);
      assert.deepEqual(await list(ben), []);
    });
  });
});

Deno.test("listConversationsForUser() on two handles of one file (two processes) converges", async (t) => {
  const dir = await Deno.makeTempDir();
  const one = await Deno.openKv(`${dir}/kv`);
  const two = await Deno.openKv(`${dir}/kv`);
  try {
    const [ann, ben, cat] = await Promise.all(
      ["ann", "ben", "cat"].map((username) =>
        createUser(one, { username, password: "correct horse battery" })
      ),
    );
    const ids = await groups(one, ann, [ben], 3);
    const firstOnTwo = async (user: User) =>
      idsOf(await listConversationsForUser(two, user.id, { limit: 1 }))[0];
    assert.equal(await firstOnTwo(ann), ids[2]);

    await t.step("a message written by the other takes the top within the window", async () => {
      await sendMessage(one, ben, { conversationId: ids[0], content: "from the other" });
      await eventually(async () => await firstOnTwo(ann) === ids[0], "the order moved");
    });
    await t.step("a conversation the other made appears within the window", async () => {
      assert.equal(await firstOnTwo(cat), undefined);
      const { conversation } = await createConversation(one, ann, { others: [cat] });
      await eventually(async () => await firstOnTwo(cat) === conversation.id, "it appeared");
    });
    await t.step(
      "a removal by the other shows at once: the page's heads are read fresh",
      async () => {
        const all = async () => idsOf(await listConversationsForUser(two, ben.id));
        assert.ok((await all()).includes(ids[1]));
        await removeParticipant(one, ids[1], ben.id);
        assert.ok(!(await all()).includes(ids[1]));
        const mark = await listConversationsForUser(two, ann.id);
        assert.deepEqual(
          mark.values.find((c) => c.id === ids[1])?.participants.map((p) => p.username),
          ["ann"],
        );
      },
    );
    await t.step("unread counts are exact on the first read after the other's write", async () => {
      await sendMessage(one, ben, { conversationId: ids[0], content: "one more" });
      const top = (await listConversationsForUser(two, ann.id)).values.find((c) => c.id === ids[0]);
      assert.equal(top?.unreadCount, 2);
      await markRead(one, ids[0], { userId: ann.id, seq: 2 });
      const read = (await listConversationsForUser(two, ann.id)).values.find((c) =>
        c.id === ids[0]
      );
      assert.equal(read?.unreadCount, 0);
    });
  } finally {
    one.close();
    two.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** `kv` with its range reads held until `gate` resolves: a deletion paused after its first commit. */
function holdingLists(kv: Deno.Kv, gate: Promise<void>, reached: () => void): Deno.Kv {
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "list") {
        return (selector: Deno.KvListSelector, options?: Deno.KvListOptions) =>
          (async function* () {
            reached();
            await gate;
            yield* target.list(selector, options);
          })();
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("a conversation being deleted by another process leaves its participants' lists at once", async () => {
  const dir = await Deno.makeTempDir();
  const one = await Deno.openKv(`${dir}/kv`);
  const two = await Deno.openKv(`${dir}/kv`);
  try {
    const [ann, ben] = await Promise.all(
      ["ann", "ben"].map((username) =>
        createUser(one, { username, password: "correct horse battery" })
      ),
    );
    const [id] = await groups(one, ann, [ben], 1);
    await sendMessage(one, ann, { conversationId: id, content: "the project's last word" });
    // The other process knows the conversation (its record and ben's membership).
    assert.deepEqual(idsOf(await listConversationsForUser(two, ben.id)), [id]);
    let release = () => {};
    let reached = () => {};
    const held = new Promise<void>((resolve) => reached = resolve);
    const deleting = deleteConversation(
      holdingLists(one, new Promise((resolve) => release = resolve), reached),
      id,
    );
    await held; // the record and the memberships are gone; the messages and the head not yet
    try {
      assert.deepEqual(idsOf(await listConversationsForUser(two, ben.id)), []);
    } finally {
      release();
      await deleting;
    }
  } finally {
    one.close();
    two.close();
    await Deno.remove(dir, { recursive: true });
  }
});
