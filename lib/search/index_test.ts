import assert from "node:assert/strict";
import {
  changeMessage,
  commitMessages,
  contentSchema,
  MessageWriter,
  sendMessage,
} from "../messages/mod.ts";
// Through mod.ts, which installs the index into the message write path (sends and edits).
import "./mod.ts";
import { foldToken, MAX_TOKENS_PER_MESSAGE, tokenize, tokenizeSegmented } from "./index.ts";
import { indexPending, indexStep } from "./indexer.ts";
import { searchCursorKey, searchKey } from "../storage/mod.ts";
import { commitAndIndex, found, withPair, wordPostings as postings } from "./test_fixtures.ts";

Deno.test("tokenize() folds case and accents: NFKD, combining marks removed, lower case", () => {
  assert.deepEqual(tokenize("Café CRÈME, brûlée! Naïve résumé"), [
    "cafe",
    "creme",
    "brulee",
    "naive",
    "resume",
  ]);
  assert.equal(foldToken("Ｃａｆé"), "cafe", "full-width letters fold too (NFKD)");
});

Deno.test("tokenize() finds words by Unicode word boundaries, not spaces", () => {
  assert.deepEqual(tokenize("東京タワーに行きました"), ["東京タワー", "に", "行き", "ま", "した"]);
  assert.deepEqual(tokenize("Привет, МИР! Ёлка"), ["привет", "мир", "елка"]);
  assert.deepEqual(tokenize("ship it 🚀 — v2.0, don't!"), ["ship", "it", "v2.0", "don't"]);
});

Deno.test("tokenize() of plain ASCII text gives exactly the words Intl.Segmenter gives", () => {
  const same = (text: string, max?: number) =>
    assert.deepEqual(tokenize(text, max), tokenizeSegmented(text, max), JSON.stringify(text));
  // Every ASCII character alone, doubled and between letters and digits.
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    for (
      const shape of ["?", "??", "a?b", "1?2", "a?1", "1?a", "?a", "a?", "a??b", "1??2", "1?2?3"]
    ) {
      same(shape.replaceAll("?", ch));
    }
  }
  // Every string of up to 5 characters of these kinds (letters, digits, the marks that can
  // join numbers, and others).
  const kinds = "a1.,;: -";
  const all = (prefix: string, left: number): void => {
    if (prefix) same(prefix);
    if (left > 0) { for (const ch of kinds) all(prefix + ch, left - 1); }
  };
  all("", 5);
  // Random text, and the cap and the 40-character cut.
  for (let n = 0; n < 5000; n++) {
    const length = 1 + Math.floor(Math.random() * 60);
    const text = Array.from(
      { length },
      () =>
        Math.random() < 0.5
          ? "ab12.,; xY"[Math.floor(Math.random() * 10)]
          : String.fromCharCode(Math.floor(Math.random() * 128)),
    ).join("");
    same(text);
    same(text, 3);
  }
  same(`${"x".repeat(50)} ${"9".repeat(45)}.5 end`);
  assert.deepEqual(tokenize("~P4~T123.456~ Ship v2.0, 1,000 items; 3.14 a.b"), [
    "p4",
    "t123.456",
    "ship",
    "v2.0",
    "1,000",
    "items",
    "3.14",
    "a",
    "b",
  ]);
});

Deno.test("tokenize() keeps each word once, in order, and at most the cap", () => {
  assert.deepEqual(tokenize("to be or not to be"), ["to", "be", "or", "not"]);
  const many = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(" ");
  const tokens = tokenize(many);
  assert.equal(tokens.length, MAX_TOKENS_PER_MESSAGE);
  assert.equal(tokens[0], "w0");
  assert.equal(tokenize("x".repeat(500))[0].length, 40, "long words are cut");
});

Deno.test("a commit of many messages writes one posting per conversation and word", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    const texts = ["deploy the app", "the app is up", "deploy again", "done"];
    await commitAndIndex(
      kv,
      texts.map((content) => ({ author: ann, conversationId: id, content })),
    );
    assert.deepEqual(await postings(kv, id), {
      deploy: [[1, 3]],
      the: [[1, 2]],
      app: [[1, 2]],
      is: [[2]],
      up: [[2]],
      again: [[3]],
      done: [[4]],
    });
    await commitAndIndex(kv, [{ author: ben, conversationId: id, content: "the end" }]);
    assert.deepEqual((await postings(kv, id)).the, [[1, 2], [5]], "a later commit, a new key");
    assert.deepEqual(await found(kv, ben, "the"), [1, 2, 5]);
    assert.deepEqual(await found(kv, ben, "deploy app"), [1]);
    assert.deepEqual(await found(kv, ben, "dep"), [1, 3]);
  });
});

Deno.test("edits and deletes take one seq out of a shared posting and leave the others", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    const texts = ["alpha beta", "alpha gamma", "alpha beta gamma"];
    await commitAndIndex(
      kv,
      texts.map((content) => ({ author: ann, conversationId: id, content })),
    );
    const at = (seq: number) => ({ conversationId: id, seq });
    await changeMessage(kv, ann, at(2), { kind: "edit", content: "delta gamma" });
    assert.deepEqual(await postings(kv, id), {
      alpha: [[1, 3]],
      beta: [[1, 3]],
      gamma: [[2, 3]],
      delta: [[2]],
    });
    assert.deepEqual(await found(kv, ben, "alpha"), [1, 3]);
    assert.deepEqual(await found(kv, ben, "delta"), [2]);
    // The word comes back: it goes into the posting keyed at its seq, if there is one.
    await changeMessage(kv, ann, at(1), { kind: "edit", content: "beta" });
    await changeMessage(kv, ann, at(1), { kind: "edit", content: "alpha beta" });
    assert.deepEqual((await postings(kv, id)).alpha, [[1, 3]]);
    await changeMessage(kv, ann, at(3), { kind: "delete" });
    assert.deepEqual(await postings(kv, id), {
      alpha: [[1]],
      beta: [[1]],
      gamma: [[2]],
      delta: [[2]],
    });
    await changeMessage(kv, ann, at(1), { kind: "delete" });
    await changeMessage(kv, ann, at(2), { kind: "delete" });
    assert.deepEqual(await postings(kv, id), {}, "no posting outlives its messages");
    assert.deepEqual(await found(kv, ben, "alpha"), []);
  });
});

Deno.test("an index entry of the first format (one key per message and word) is read and moved", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    await sendMessage(kv, ann, { conversationId: id, content: "legacy words" });
    // What the first format stored: the time alone under the message's own seq.
    for (const token of ["legacy", "words"]) {
      await kv.set(searchKey(id, token, 1), Date.now());
    }
    assert.deepEqual(await found(kv, ben, "legacy"), [1]);
    await changeMessage(kv, ann, { conversationId: id, seq: 1 }, {
      kind: "edit",
      content: "legacy text",
    });
    assert.deepEqual(await postings(kv, id), { legacy: [[1]], text: [[1]] });
    assert.deepEqual(await found(kv, ben, "words"), []);
  });
});

Deno.test("a stored message is found before the indexer has run, and the index then holds it once", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    await commitMessages(kv, [
      { author: ann, conversationId: id, content: "Déploiement ce soir" },
      { author: ann, conversationId: id, content: "a b c" },
      { author: ann, conversationId: id, content: "gone soon" },
    ]);
    await changeMessage(kv, ann, { conversationId: id, seq: 3 }, { kind: "delete" });
    assert.deepEqual(await postings(kv, id), {}, "nothing indexed yet");
    assert.deepEqual(await found(kv, ben, "deploiement"), [1], "folded, from the stored text");
    assert.deepEqual(await found(kv, ben, "dep soir"), [1], "prefixes and every word");
    assert.deepEqual(await found(kv, ben, "b"), [2], "a one-letter word matches whole words");
    assert.deepEqual(await found(kv, ben, "ce b"), []);
    assert.deepEqual(await found(kv, ben, "gone"), [], "deleted messages are not found");
    assert.deepEqual(await indexStep(kv, id), { indexed: 3, more: false });
    assert.deepEqual(await postings(kv, id), {
      deploiement: [[1]],
      ce: [[1]],
      soir: [[1]],
      a: [[2]],
      b: [[2]],
      c: [[2]],
    });
    assert.equal((await kv.get(searchCursorKey(id))).value, 3);
    assert.deepEqual(await found(kv, ben, "deploiement"), [1]);
    assert.deepEqual(await indexStep(kv, id), { indexed: 0, more: false }, "nothing twice");
  });
});

Deno.test("an edit of a message not yet indexed leaves the index to the indexer, which reads the new text", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    await commitMessages(kv, [{ author: ann, conversationId: id, content: "old words" }]);
    // What an indexer read before the edit: its commit must fail its check after it.
    const seenByIndexer = await kv.get(searchCursorKey(id));
    await changeMessage(kv, ann, { conversationId: id, seq: 1 }, {
      kind: "edit",
      content: "new words",
    });
    const late = await kv.atomic().check(seenByIndexer).set(searchKey(id, "old", 1), 1).commit();
    assert.equal(late.ok, false, "the edit rewrote the cursor");
    assert.deepEqual(await found(kv, ben, "old"), []);
    assert.deepEqual(await found(kv, ben, "new"), [1]);
    await indexPending(kv, id);
    assert.deepEqual(await postings(kv, id), { new: [[1]], words: [[1]] });
    // Indexed now: a second edit moves the words in the postings, as before.
    await changeMessage(kv, ann, { conversationId: id, seq: 1 }, {
      kind: "edit",
      content: "newer",
    });
    assert.deepEqual(await postings(kv, id), { newer: [[1]] });
  });
});

Deno.test("two indexers on one conversation index each message once", async () => {
  await withPair(async (kv, [ann], id) => {
    const requests = Array.from({ length: 450 }, (_, i) => ({
      author: ann,
      conversationId: id,
      content: `word${i % 7} shared`,
    }));
    for (let i = 0; i < requests.length; i += 150) {
      await commitMessages(kv, requests.slice(i, i + 150));
    }
    await Promise.all([indexPending(kv, id), indexPending(kv, id), indexPending(kv, id)]);
    const shared = (await postings(kv, id)).shared.flat();
    assert.deepEqual(shared, Array.from({ length: 450 }, (_, i) => i + 1));
    for (const seqs of (await postings(kv, id)).shared) {
      assert.ok(seqs.length <= 200 && seqs.at(-1)! - seqs[0] < 200, "within a posting's span");
    }
  });
});

Deno.test("MessageWriter: its indexer follows its commits", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    const writer = new MessageWriter(kv);
    await Promise.all(
      ["first thing", "second thing", "third"].map((content) =>
        writer.send({ author: ann, conversationId: id, content })
      ),
    );
    await writer.indexed();
    assert.equal((await kv.get(searchCursorKey(id))).value, 3);
    assert.deepEqual((await postings(kv, id)).thing.flat(), [1, 2]);
    assert.deepEqual(await found(kv, ben, "thing"), [1, 2]);
  });
});

/** `n` distinct words of 24 Cyrillic letters (2 bytes each in UTF-8), none folded away. */
function longWords(n: number, from: number): string[] {
  const letters = [..."абвгдежзиклмнопрстуфхцчшщъыьэюя"];
  return Array.from({ length: n }, (_, i) => {
    let k = from + i;
    let word = "";
    for (let d = 0; d < 4; d++, k = Math.floor(k / letters.length)) {
      word += letters[k % letters.length];
    }
    return word.padEnd(24, "ж");
  });
}

Deno.test("the indexer keeps each commit within KV's total key size (long non-Latin words)", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    // Six messages within the 4,000-character limit, 900 distinct words of ~95-byte keys:
    // over KV's 80 KiB of keys in one commit.
    const contents = [0, 1, 2, 3, 4, 5].map((i) => longWords(150, i * 150).join(" "));
    assert.ok(contents.every((c) => contentSchema.parse(c) === c));
    await commitMessages(
      kv,
      contents.map((content) => ({ author: ann, conversationId: id, content })),
    );
    await indexPending(kv, id);
    assert.equal((await kv.get(searchCursorKey(id))).value, 6, "every message indexed");
    assert.deepEqual(await found(kv, ben, longWords(1, 899)[0]), [6]);
    // And a lone send (HTTP's path, which indexes before it answers) still answers.
    const sent = await sendMessage(kv, ann, { conversationId: id, content: "after" });
    assert.equal(sent.message.seq, 7);
  });
});
