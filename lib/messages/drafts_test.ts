import assert from "node:assert/strict";
import { createUser } from "../accounts/mod.ts";
import { createConversation } from "../conversations/mod.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { clearSentDraft, deleteAllDrafts, draftsIn, getDraft, saveDraft } from "./drafts.ts";
import { sendMessage } from "./send.ts";

async function world(
  fn: (w: {
    kv: Deno.Kv;
    ann: string;
    eve: string;
    id: string;
    ids: string[];
  }) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  try {
    const [ann, ben, eve] = await Promise.all(
      ["ann", "ben", "eve"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    // Twelve conversations of Ann's: groups with Ben and Cy (each a new one, by its title).
    const cy = await createUser(kv, { username: "cyd", password: "correct horse battery" });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { conversation } = await createConversation(kv, ann, {
        others: [ben, cy],
        title: `Group ${i}`,
      });
      ids.push(conversation.id);
    }
    await fn({ kv, ann: ann.id, eve: eve.id, id: ids[0], ids });
  } finally {
    kv.close();
  }
}

Deno.test("saveDraft() stores, says when it changed, and deletes on blank", async () => {
  await world(async ({ kv, ann, id }) => {
    const first = await saveDraft(kv, { userId: ann, conversationId: id, content: "hi" });
    assert.deepEqual(first, { content: "hi", changed: true });
    assert.equal((await getDraft(kv, ann, id))?.content, "hi");
    assert.deepEqual(await saveDraft(kv, { userId: ann, conversationId: id, content: "hi" }), {
      content: "hi",
      changed: false,
    });
    assert.deepEqual(await saveDraft(kv, { userId: ann, conversationId: id, content: " \n" }), {
      content: "",
      changed: true,
    });
    assert.equal(await getDraft(kv, ann, id), null);
    assert.equal(
      (await saveDraft(kv, { userId: ann, conversationId: id, content: "" })).changed,
      false,
    );
  });
});

Deno.test("saveDraft() refuses outsiders (404) and a parent that is no message (400)", async () => {
  await world(async ({ kv, ann, eve, id }) => {
    await assert.rejects(
      saveDraft(kv, { userId: eve, conversationId: id, content: "x" }),
      NotFoundError,
    );
    await assert.rejects(
      saveDraft(kv, { userId: ann, conversationId: id, parentSeq: 3, content: "x" }),
      ValidationError,
    );
    const annUser = { id: ann, username: "ann", displayName: "ann" };
    await sendMessage(kv, annUser, { conversationId: id, content: "parent" });
    const saved = await saveDraft(kv, {
      userId: ann,
      conversationId: id,
      parentSeq: 1,
      content: "reply",
    });
    assert.equal(saved.changed, true);
    assert.equal((await getDraft(kv, ann, id, 1))?.content, "reply");
    assert.equal(await getDraft(kv, ann, id), null, "the conversation's own is apart");
  });
});

Deno.test("draftsIn() reads a few by key and many by range, conversation drafts only", async () => {
  await world(async ({ kv, ann, ids }) => {
    await saveDraft(kv, { userId: ann, conversationId: ids[0], content: "zero" });
    await saveDraft(kv, { userId: ann, conversationId: ids[11], content: "eleven" });
    const annUser = { id: ann, username: "ann", displayName: "ann" };
    await sendMessage(kv, annUser, { conversationId: ids[5], content: "parent" });
    await saveDraft(kv, { userId: ann, conversationId: ids[5], parentSeq: 1, content: "thread" });
    const few = await draftsIn(kv, ann, ids.slice(0, 6));
    assert.deepEqual([...few], [[ids[0], "zero"]]);
    const many = await draftsIn(kv, ann, ids);
    assert.deepEqual(new Map(many), new Map([[ids[0], "zero"], [ids[11], "eleven"]]));
    assert.equal((await draftsIn(kv, ann, [])).size, 0);
    // The account goes: every draft of Ann's with it.
    assert.equal(await deleteAllDrafts(kv, ann), 3);
    assert.equal((await draftsIn(kv, ann, ids)).size, 0);
    assert.equal(await getDraft(kv, ann, ids[5], 1), null);
  });
});

Deno.test("clearSentDraft() clears what was sent, and only that unless told", async () => {
  await world(async ({ kv, ann, id }) => {
    await saveDraft(kv, { userId: ann, conversationId: id, content: "hello there " });
    assert.equal(
      await clearSentDraft(kv, { userId: ann, conversationId: id, content: "hello" }),
      false,
    );
    assert.ok(await getDraft(kv, ann, id));
    assert.equal(
      await clearSentDraft(kv, { userId: ann, conversationId: id, content: "hello there" }),
      true,
    );
    assert.equal(await getDraft(kv, ann, id), null);
    await saveDraft(kv, { userId: ann, conversationId: id, content: "anything" });
    assert.equal(await clearSentDraft(kv, { userId: ann, conversationId: id }), true);
    assert.equal(await clearSentDraft(kv, { userId: ann, conversationId: id }), false);
  });
});
