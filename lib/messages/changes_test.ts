import assert from "node:assert/strict";
import { createConversation, getHead } from "../conversations/mod.ts";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import { changeMessage, listChanges, MAX_DISTINCT_REACTIONS, normalizeEmoji } from "./changes.ts";
import { listMessages } from "./history.ts";
import { sendMessage } from "./send.ts";
import { createUser } from "../accounts/mod.ts";

Deno.test("normalizeEmoji() takes exactly one RGI emoji and adds a missing emoji selector", () => {
  for (const ok of ["👍", "👍🏽", "👨‍👩‍👧", "🇫🇷", "1️⃣", "❤️"]) assert.equal(normalizeEmoji(ok), ok);
  assert.equal(normalizeEmoji("❤"), "❤️");
  for (const bad of ["", "a", "1", "👍👍", "👍 ", ":+1:", "<b>", "\u200d"]) {
    assert.equal(normalizeEmoji(bad), null, JSON.stringify(bad));
  }
});

Deno.test("changeMessage() edits, reacts and deletes with a gapless rev and a change log", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const [ann, ben, eve] = await Promise.all(
      ["ann", "ben", "eve"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const { conversation } = await createConversation(kv, ann, { others: [ben] });
    const id = conversation.id;
    await sendMessage(kv, ann, { conversationId: id, content: "first" });
    await sendMessage(kv, ben, { conversationId: id, content: "second" });
    const at = (seq: number) => ({ conversationId: id, seq });

    const edited = await changeMessage(kv, ann, at(1), { kind: "edit", content: "first!" });
    assert.equal(edited.rev, 1);
    assert.equal(edited.message.content, "first!");
    assert.ok(edited.message.editedAt);
    const same = await changeMessage(kv, ann, at(1), { kind: "edit", content: "first!" });
    assert.equal(same.rev, null, "an edit to the same text changes nothing");

    await assert.rejects(
      changeMessage(kv, ben, at(1), { kind: "edit", content: "mine now" }),
      ForbiddenError,
    );
    await assert.rejects(changeMessage(kv, ben, at(1), { kind: "delete" }), ForbiddenError);
    await assert.rejects(changeMessage(kv, eve, at(1), { kind: "delete" }), NotFoundError);
    await assert.rejects(changeMessage(kv, ann, at(3), { kind: "delete" }), NotFoundError);

    const liked = await changeMessage(kv, ben, at(1), { kind: "react", emoji: "👍", on: true });
    assert.deepEqual(liked.message.reactions, [{ emoji: "👍", userIds: [ben.id] }]);
    const both = await changeMessage(kv, ann, at(1), { kind: "react", emoji: "👍", on: true });
    assert.deepEqual(both.message.reactions, [{ emoji: "👍", userIds: [ben.id, ann.id] }]);
    const twice = await changeMessage(kv, ann, at(1), { kind: "react", emoji: "👍", on: true });
    assert.equal(twice.rev, null, "a reaction already there changes nothing");
    const back = await changeMessage(kv, ben, at(1), { kind: "react", emoji: "👍", on: false });
    assert.deepEqual(back.message.reactions, [{ emoji: "👍", userIds: [ann.id] }]);

    const deleted = await changeMessage(kv, ben, at(2), { kind: "delete" });
    assert.equal(deleted.message.content, "");
    assert.ok(deleted.message.deletedAt);
    await assert.rejects(
      changeMessage(kv, ben, at(2), { kind: "edit", content: "undo" }),
      ConflictError,
    );
    await assert.rejects(
      changeMessage(kv, ann, at(2), { kind: "react", emoji: "👍", on: true }),
      ConflictError,
    );

    const head = await getHead(kv, id);
    assert.deepEqual(head, { seq: 2, rev: 5 });
    assert.deepEqual(await listChanges(kv, id, { after: 0, upTo: 5 }), [
      { rev: 1, seq: 1 },
      { rev: 2, seq: 1 },
      { rev: 3, seq: 1 },
      { rev: 4, seq: 1 },
      { rev: 5, seq: 2 },
    ]);
    assert.deepEqual(await listChanges(kv, id, { after: 3, upTo: 4 }), [{ rev: 4, seq: 1 }]);
    const { messages } = await listMessages(kv, id);
    assert.deepEqual(messages.map((m) => [m.seq, m.content]), [[1, "first!"], [2, ""]]);
    const stored = (await kv.get<{ lastMessage: { content: string } }>(["conv_head", id])).value;
    assert.equal(stored?.lastMessage.content, "", "the head's last message follows the delete");
  } finally {
    kv.close();
  }
});

Deno.test("changeMessage() refuses more distinct reactions than the limit", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    const { conversation } = await createConversation(kv, ann, { others: [ben] });
    await sendMessage(kv, ann, { conversationId: conversation.id, content: "react to me" });
    const emoji = [..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲😚🙂🤗🤩"];
    const at = { conversationId: conversation.id, seq: 1 };
    for (const e of emoji.slice(0, MAX_DISTINCT_REACTIONS)) {
      await changeMessage(kv, ben, at, { kind: "react", emoji: e, on: true });
    }
    await assert.rejects(
      changeMessage(kv, ben, at, { kind: "react", emoji: emoji[MAX_DISTINCT_REACTIONS], on: true }),
      (err) => err instanceof ConflictError && err.code === "too_many_reactions",
    );
    // One already there may still gain people.
    const more = await changeMessage(kv, ann, at, { kind: "react", emoji: emoji[0], on: true });
    assert.equal(more.message.reactions[0].userIds.length, 2);
  } finally {
    kv.close();
  }
});
