import assert from "node:assert/strict";
import { createUser } from "../accounts/mod.ts";
import { createConversation, getHead, leaveConversation, readHead } from "../conversations/mod.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { pinKey, savedMessageKey, savedPrefix } from "../storage/mod.ts";
import { changeMessage, listChanges } from "./changes.ts";
import { listPins } from "./pins.ts";
import { deleteAllSaved, listSaved, listSavedSeqs, saveMessage, unsaveMessage } from "./saved.ts";
import { sendMessage } from "./send.ts";

async function setup() {
  const kv = await Deno.openKv(":memory:");
  const [ann, ben, eve] = await Promise.all(
    ["ann", "ben", "eve"].map((username) =>
      createUser(kv, { username, password: "correct horse battery" })
    ),
  );
  const { conversation } = await createConversation(kv, ann, { others: [ben], title: "Group" });
  const id = conversation.id;
  for (const content of ["one", "two", "three"]) {
    await sendMessage(kv, ann, { conversationId: id, content });
  }
  return { kv, ann, ben, eve, id, at: (seq: number) => ({ conversationId: id, seq }) };
}

Deno.test("a pin moves the record, the pin index, the rev and the change log together", async () => {
  const { kv, ann, ben, eve, id, at } = await setup();
  try {
    const pinned = await changeMessage(kv, ben, at(2), { kind: "pin", on: true });
    assert.equal(pinned.rev, 1);
    assert.equal(pinned.message.pinned?.by.id, ben.id);
    assert.equal((await kv.get(pinKey(id, 2))).value !== null, true);
    assert.deepEqual(await listChanges(kv, id, { after: 0, upTo: 1 }), [{ rev: 1, seq: 2 }]);
    assert.equal((await getHead(kv, id))?.rev, 1);
    const again = await changeMessage(kv, ann, at(2), { kind: "pin", on: true });
    assert.equal(again.rev, null, "pinning a pinned message changes nothing");
    assert.equal(again.message.pinned?.by.id, ben.id);

    await assert.rejects(
      changeMessage(kv, eve, at(2), { kind: "pin", on: true }),
      NotFoundError,
    );
    assert.deepEqual((await listPins(kv, id, ann.id)).map((m) => m.seq), [2]);
    await assert.rejects(listPins(kv, id, eve.id), NotFoundError);

    // The pinned last message is what the head shows: it carries the pin too.
    const last = await changeMessage(kv, ann, at(3), { kind: "pin", on: true });
    assert.equal(last.last, true);
    assert.ok((await readHead(kv, id)).value?.lastMessage?.pinned);
    assert.deepEqual((await listPins(kv, id, ann.id)).map((m) => m.seq), [3, 2]);

    // Deleting a pinned message unpins it in the same commit.
    const deleted = await changeMessage(kv, ann, at(3), { kind: "delete" });
    assert.equal(deleted.message.pinned, null);
    assert.equal((await kv.get(pinKey(id, 3))).value, null);
    await assert.rejects(
      changeMessage(kv, ann, at(3), { kind: "pin", on: true }),
      (e) => e instanceof ConflictError && e.code === "message_deleted",
    );

    const unpinned = await changeMessage(kv, ann, at(2), { kind: "pin", on: false });
    assert.equal(unpinned.message.pinned, null);
    assert.equal((await kv.get(pinKey(id, 2))).value, null);
    assert.deepEqual(await listPins(kv, id, ann.id), []);
    assert.equal((await changeMessage(kv, ann, at(2), { kind: "pin", on: false })).rev, null);
  } finally {
    kv.close();
  }
});

Deno.test("concurrent pins of one message: one change, one index entry", async () => {
  const { kv, ann, ben, id, at } = await setup();
  try {
    const results = await Promise.all([
      changeMessage(kv, ann, at(1), { kind: "pin", on: true }),
      changeMessage(kv, ben, at(1), { kind: "pin", on: true }),
    ]);
    assert.equal(results.filter((r) => r.rev !== null).length, 1);
    assert.equal((await listPins(kv, id, ann.id)).length, 1);
  } finally {
    kv.close();
  }
});

Deno.test("saved messages: idempotent, private, gone with the conversation you left", async () => {
  const { kv, ann, ben, eve, id } = await setup();
  try {
    await saveMessage(kv, ben.id, id, 1);
    await saveMessage(kv, ben.id, id, 1);
    await saveMessage(kv, ben.id, id, 3);
    assert.deepEqual(await listSavedSeqs(kv, ben.id, id), [1, 3]);
    assert.deepEqual((await listSaved(kv, ben.id)).items.map((i) => i.message.seq), [3, 1]);
    assert.deepEqual((await listSaved(kv, ann.id)).items, []);
    await assert.rejects(saveMessage(kv, eve.id, id, 1), NotFoundError);
    await assert.rejects(saveMessage(kv, ben.id, id, 99), NotFoundError);
    await unsaveMessage(kv, ben.id, id, 3);
    await unsaveMessage(kv, ben.id, id, 3);
    assert.deepEqual(await listSavedSeqs(kv, ben.id, id), [1]);

    await leaveConversation(kv, id, ben.id);
    assert.deepEqual((await listSaved(kv, ben.id)).items, []);
    // Cleaned as the list passed it.
    assert.equal((await kv.get(savedMessageKey(ben.id, id, 1))).value, null);

    await saveMessage(kv, ann.id, id, 2);
    await deleteAllSaved(kv, ann.id);
    const left = [];
    for await (const e of kv.list({ prefix: savedPrefix(ann.id) })) left.push(e);
    assert.deepEqual(left, []);
    assert.equal((await kv.get(savedMessageKey(ann.id, id, 2))).value, null);
  } finally {
    kv.close();
  }
});
