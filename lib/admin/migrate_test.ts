import assert from "node:assert/strict";
import { createConversation } from "../conversations/mod.ts";
import { changeMessage, commitMessages, sendMessage } from "../messages/mod.ts";
// Through mod.ts, which installs the index into the message write path (sends and edits).
import "../search/mod.ts";
import { indexPending, indexStep } from "../search/indexer.ts";
import { filterToken, POSTING_SPAN } from "../search/index.ts";
import { createUser } from "../accounts/mod.ts";
import { migrationKey, searchCursorKey, searchPrefix } from "../storage/mod.ts";
import {
  FILTER_POSTINGS_MIGRATION,
  migrateFilterPostings,
  migrateSearchCursors,
} from "./migrate.ts";
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
    const words = Object.entries(await postings(kv, id)).filter(([t]) => !t.startsWith("\u0001"));
    assert.deepEqual(Object.fromEntries(words), { early: [[1]], words: [[1], [2]], later: [[2]] });
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

/** Each filter token's seqs in the conversation, in key order, flattened. */
async function filterSeqs(kv: Deno.Kv, id: string): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [token, lists] of Object.entries(await postings(kv, id))) {
    if (token.startsWith("\u0001")) out[token] = lists.flat();
  }
  return out;
}

/** Removes every filter posting: the store as an indexer before them left it. */
async function stripFilters(kv: Deno.Kv, id: string): Promise<void> {
  for await (const e of kv.list({ prefix: searchPrefix(id) })) {
    if (String(e.key[2]).startsWith("\u0001")) await kv.delete(e.key);
  }
}

const pdf = { id: "f1", name: "plan.pdf", size: 10, contentType: "application/pdf" };

Deno.test("the filter postings migration gives a store indexed before them what the indexer writes now, once", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const [ann, ben, cy] = await Promise.all(
      ["ann", "ben", "cy"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const big = (await createConversation(kv, ann, { others: [ben, cy] })).conversation.id;
    const small = (await createConversation(kv, ben, { others: [cy] })).conversation.id;
    // 450 messages (three batches of the migration): three authors, links and files.
    const people = [ann, ben, cy];
    for (let i = 0; i < 450; i += 150) {
      await commitAndIndex(
        kv,
        Array.from({ length: 150 }, (_, k) => i + k).map((n) => ({
          author: people[n % 3],
          conversationId: big,
          content: n % 7 === 0 ? `see https://example.com/${n}` : `note ${n}`,
          ...(n % 11 === 0 ? { attachments: [pdf] } : {}),
        })),
      );
    }
    await commitAndIndex(kv, [
      { author: ben, conversationId: small, content: "http://x.y" },
      { author: cy, conversationId: small, content: "hello" },
    ]);
    const expected = { big: await filterSeqs(kv, big), small: await filterSeqs(kv, small) };
    assert.equal(expected.big[filterToken.from(ann.id)].length, 150);
    assert.equal(expected.big[filterToken.link].length, 65);
    assert.equal(expected.big[filterToken.file].length, 41);
    // The old layout: words only. Then the new server edits one (its words move, and the
    // filters it finds missing stay missing) before the migration runs.
    await stripFilters(kv, big);
    await stripFilters(kv, small);
    assert.deepEqual(await filterSeqs(kv, big), {});
    await changeMessage(kv, ann, { conversationId: big, seq: 1 }, {
      kind: "edit",
      content: "see https://example.com/0 again",
    });
    // And a few messages stored but not indexed yet: the indexer gives them their filters.
    await commitMessages(kv, [{ author: ann, conversationId: small, content: "https://late.io" }]);

    const first = await migrateFilterPostings(kv);
    assert.deepEqual(first, { skipped: false, conversations: 2, added: 450 + 106 + 2 + 1 });
    await indexPending(kv, small);
    assert.deepEqual(await filterSeqs(kv, big), expected.big);
    assert.deepEqual(await filterSeqs(kv, small), {
      ...expected.small,
      [filterToken.from(ann.id)]: [3],
      [filterToken.link]: [1, 3],
    });
    assert.ok(
      (await postings(kv, big))[filterToken.link].every((seqs) =>
        seqs.at(-1)! - seqs[0] < POSTING_SPAN
      ),
      "each posting within its span (edits find their seqs)",
    );
    // Run once: the marker. Without it, a second run finds everything held and adds nothing.
    assert.deepEqual(await migrateFilterPostings(kv), {
      skipped: true,
      conversations: 0,
      added: 0,
    });
    await kv.delete(migrationKey(FILTER_POSTINGS_MIGRATION));
    assert.deepEqual(await migrateFilterPostings(kv), {
      skipped: false,
      conversations: 0,
      added: 0,
    });
    assert.deepEqual(await filterSeqs(kv, big), expected.big);
    // And the migrated postings move with edits like the indexer's (seq 211: ann's link).
    await changeMessage(kv, ann, { conversationId: big, seq: 211 }, { kind: "delete" });
    assert.ok(!(await filterSeqs(kv, big))[filterToken.link].includes(211));
  } finally {
    kv.close();
  }
});
