import assert from "node:assert/strict";
import { foldToken, MAX_TOKENS_PER_MESSAGE, tokenize } from "./search_index.ts";

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
