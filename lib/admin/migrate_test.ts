import assert from "node:assert/strict";
import { createConversation } from "../conversations/mod.ts";
import { sendMessage } from "../messages/mod.ts";
// Through mod.ts, which installs the index into the message write path (sends and edits).
import "../search/mod.ts";
import { indexStep } from "../search/indexer.ts";
import { createUser } from "../accounts/mod.ts";
import { searchCursorKey } from "../storage/mod.ts";
import { migrateSearchCursors } from "./migrate.ts";
import { commitAndIndex, found, postings } from "../search/test_fixtures.ts";

Deno.test("a conversation indexed in its message commits (no cursor) keeps its postings and is indexed onward from there", async () => {
  const path = `${await Deno.makeTempDir()}/kv.sqlite3`;
  const before = await Deno.openKv(path);
  const [ann, ben] = await Promise.all(
    ["ann", "ben"].map((username) =>
      createUser(before, { username, password: "correct horse battery" })
    ),
  );
  const { conversation: { id } } = await createConversation(before, ann, { others: [ben] });
  await commitAndIndex(before, [{ author: ann, conversationId: id, content: "early words" }]);
  // The layout before the indexer: postings written with the messages, no cursor.
  await before.delete(searchCursorKey(id));
  before.close();
  // `deno task migrate` on that store, then a server of this version.
  const kv = await Deno.openKv(path);
  try {
    assert.deepEqual(await migrateSearchCursors(kv), { set: 1 });
    assert.deepEqual(await indexStep(kv, id), { indexed: 0, more: false });
    await sendMessage(kv, ann, { conversationId: id, content: "later words" });
    assert.equal((await kv.get(searchCursorKey(id))).value, 2);
    assert.deepEqual(await postings(kv, id), { early: [[1]], words: [[1], [2]], later: [[2]] });
    assert.deepEqual(await found(kv, ben, "words"), [1, 2]);
  } finally {
    kv.close();
    await Deno.remove(path.replace(/\/kv.sqlite3$/, ""), { recursive: true });
  }
});

Deno.test("the migration sets a cursor only where messages have none, and a second run changes nothing", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const [ann, ben, cy] = await Promise.all(
      ["ann", "ben", "cy"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const old = (await createConversation(kv, ann, { others: [ben] })).conversation.id;
    const current = (await createConversation(kv, ann, { others: [cy] })).conversation.id;
    const silent = (await createConversation(kv, ben, { others: [cy] })).conversation.id;
    for (const content of ["one", "two", "three"]) {
      await sendMessage(kv, ann, { conversationId: old, content });
    }
    await sendMessage(kv, ann, { conversationId: current, content: "indexed" });
    await kv.delete(searchCursorKey(old));
    // A cursor behind its head is the indexer's business: left as it is.
    await kv.set(searchCursorKey(current), 0);

    assert.deepEqual(await migrateSearchCursors(kv), { set: 1 });
    assert.equal((await kv.get(searchCursorKey(old))).value, 3);
    assert.equal((await kv.get(searchCursorKey(current))).value, 0);
    assert.equal((await kv.get(searchCursorKey(silent))).value, null, "no messages, no cursor");
    assert.deepEqual(await migrateSearchCursors(kv), { set: 0 });
  } finally {
    kv.close();
  }
});
