/**
 * The writer hands its committed records to its indexer (HandedRecords), which indexes them
 * without reading them back only while they are provably current: these tests change the
 * messages between the commit and the index step in each way that can happen, and check that
 * the postings hold the stored text, never the handed one.
 */
import assert from "node:assert/strict";
import {
  changeMessage,
  commitMessages,
  type MessageIndexer,
  MessageWriter,
  newHeadCache,
  type SendRequest,
} from "../messages/mod.ts";
// Through mod.ts, which installs the index into the message write path (sends and edits).
import "./mod.ts";
import { HandedRecords, indexStep, SearchIndexer } from "./indexer.ts";
import { headKey, searchCursorKey } from "../storage/mod.ts";
import { found, withPair, wordPostings as postings } from "./test_fixtures.ts";

type Stored = Parameters<NonNullable<MessageIndexer["stored"]>>[0];

/** A writer's commits as MessageWriter makes them: its head cache, its hand-over. */
function writerOf(kv: Deno.Kv, handed: HandedRecords) {
  const heads = newHeadCache();
  return (requests: SendRequest[]) =>
    commitMessages(kv, requests, heads, (s: Stored) => handed.stored(s));
}

Deno.test("handed records are indexed without reading them back while no one wrote the head", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    const handed = new HandedRecords();
    const commit = writerOf(kv, handed);
    await commit([{ author: ann, conversationId: id, content: "first words" }]);
    await commit([
      { author: ann, conversationId: id, content: "second words" },
      { author: ben, conversationId: id, content: "third" },
    ]);
    // The chain covers seqs 1..3 and the head is still the last commit's: no read needed.
    const head = (await kv.get(headKey(id))).versionstamp;
    assert.deepEqual(handed.take(id, head, 0, 3)?.map((r) => r.content), [
      "first words",
      "second words",
      "third",
    ]);
    assert.deepEqual(await indexStep(kv, id, handed), { indexed: 3, more: false });
    assert.deepEqual(await postings(kv, id), {
      first: [[1]],
      words: [[1, 2]],
      second: [[2]],
      third: [[3]],
    });
    assert.deepEqual(await found(kv, ben, "words"), [1, 2]);
  });
});

Deno.test("an edit after the commit: the index step reads the edited text, not the handed one", async () => {
  await withPair(async (kv, [ann], id) => {
    const handed = new HandedRecords();
    const commit = writerOf(kv, handed);
    await commit([
      { author: ann, conversationId: id, content: "old text" },
      { author: ann, conversationId: id, content: "going away" },
    ]);
    await changeMessage(kv, ann, { conversationId: id, seq: 1 }, { kind: "edit", content: "new" });
    await changeMessage(kv, ann, { conversationId: id, seq: 2 }, { kind: "delete" });
    assert.deepEqual(await indexStep(kv, id, handed), { indexed: 2, more: false });
    assert.deepEqual(await postings(kv, id), { new: [[1]] });
  });
});

Deno.test("an edit between two of the writer's commits breaks its chain: nothing handed before it is used", async () => {
  await withPair(async (kv, [ann], id) => {
    const handed = new HandedRecords();
    const commit = writerOf(kv, handed);
    await commit([{ author: ann, conversationId: id, content: "old text" }]);
    await changeMessage(kv, ann, { conversationId: id, seq: 1 }, { kind: "edit", content: "new" });
    // Its cached head is stale: the commit retries on the edit's head, and the chain restarts.
    await commit([{ author: ann, conversationId: id, content: "later" }]);
    assert.deepEqual(await indexStep(kv, id, handed), { indexed: 2, more: false });
    assert.deepEqual(await postings(kv, id), { new: [[1]], later: [[2]] });
  });
});

Deno.test("another writer's message in between: the index holds both, as stored", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    const handed = new HandedRecords();
    const commit = writerOf(kv, handed);
    await commit([{ author: ann, conversationId: id, content: "mine" }]);
    await commitMessages(kv, [{ author: ben, conversationId: id, content: "theirs" }]);
    await commit([{ author: ann, conversationId: id, content: "mine again" }]);
    // The chain restarted at the third message: the step reads 1..3 from the store.
    assert.deepEqual(await indexStep(kv, id, handed), { indexed: 3, more: false });
    assert.deepEqual(await postings(kv, id), { mine: [[1, 3]], theirs: [[2]], again: [[3]] });
    // From here on the chain holds: the next commit is indexed from its hand-over.
    await commit([{ author: ann, conversationId: id, content: "fourth" }]);
    const head = (await kv.get(headKey(id))).versionstamp;
    assert.deepEqual(handed.take(id, head, 3, 4)?.map((r) => r.content), ["fourth"]);
    assert.deepEqual(await indexStep(kv, id, handed), { indexed: 1, more: false });
    assert.deepEqual((await postings(kv, id)).fourth, [[4]]);
  });
});

Deno.test("MessageWriter with its indexer: an edit right after the send is indexed as edited", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    const writer = new MessageWriter(kv, new SearchIndexer(kv));
    await writer.send({ author: ann, conversationId: id, content: "draft wording" });
    await changeMessage(kv, ann, { conversationId: id, seq: 1 }, {
      kind: "edit",
      content: "final wording",
    });
    await writer.send({ author: ann, conversationId: id, content: "more" });
    await writer.indexed();
    writer.close();
    assert.equal((await kv.get(searchCursorKey(id))).value, 2);
    assert.deepEqual(await postings(kv, id), { final: [[1]], wording: [[1]], more: [[2]] });
    assert.deepEqual(await found(kv, ben, "draft"), []);
  });
});
