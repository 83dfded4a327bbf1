import assert from "node:assert/strict";
import { createConversation } from "./conversations.ts";
import { changeMessage } from "./message_changes.ts";
import { commitMessages, sendMessage } from "./messages.ts";
import { searchMessages } from "./search.ts";
import {
  foldToken,
  MAX_TOKENS_PER_MESSAGE,
  readPosting,
  searchKey,
  tokenize,
} from "./search_index.ts";
import { createUser, type User } from "./users.ts";

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

Deno.test("tokenize() keeps each word once, in order, and at most the cap", () => {
  assert.deepEqual(tokenize("to be or not to be"), ["to", "be", "or", "not"]);
  const many = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(" ");
  const tokens = tokenize(many);
  assert.equal(tokens.length, MAX_TOKENS_PER_MESSAGE);
  assert.equal(tokens[0], "w0");
  assert.equal(tokenize("x".repeat(500))[0].length, 40, "long words are cut");
});

/** A store with two users and a direct conversation between them. */
async function withPair(
  fn: (kv: Deno.Kv, people: User[], conversationId: string) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  try {
    const people = await Promise.all(
      ["ann", "ben"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const { conversation } = await createConversation(kv, people[0], { others: [people[1]] });
    await fn(kv, people, conversation.id);
  } finally {
    kv.close();
  }
}

async function postings(kv: Deno.Kv, conversationId: string): Promise<Record<string, number[][]>> {
  const out: Record<string, number[][]> = {};
  for await (const e of kv.list({ prefix: ["search", conversationId] })) {
    (out[e.key[2] as string] ??= []).push(readPosting(e.key, e.value).seqs);
  }
  return out;
}

const found = async (kv: Deno.Kv, user: User, q: string) =>
  (await searchMessages(kv, user.id, q)).map((r) => r.message.seq).sort((a, b) => a - b);

Deno.test("a commit of many messages writes one posting per conversation and word", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    const texts = ["deploy the app", "the app is up", "deploy again", "done"];
    await commitMessages(
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
    await commitMessages(kv, [{ author: ben, conversationId: id, content: "the end" }]);
    assert.deepEqual((await postings(kv, id)).the, [[1, 2], [5]], "a later commit, a new key");
    assert.deepEqual(await found(kv, ben, "the"), [1, 2, 5]);
    assert.deepEqual(await found(kv, ben, "deploy app"), [1]);
    assert.deepEqual(await found(kv, ben, "dep"), [1, 3]);
  });
});

Deno.test("edits and deletes take one seq out of a shared posting and leave the others", async () => {
  await withPair(async (kv, [ann, ben], id) => {
    const texts = ["alpha beta", "alpha gamma", "alpha beta gamma"];
    await commitMessages(
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
