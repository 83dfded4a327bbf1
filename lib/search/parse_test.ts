/** The query language: every operator, quotes, exclusions, folding, and every refusal. */
import assert from "node:assert/strict";
import { ValidationError } from "../errors.ts";
import { dateBounds, parseQuery } from "./parse.ts";
import { marksOf, snippetOf } from "./snippet.ts";

/** The sentence a refused query gets in `fields.q`. */
function refusal(q: string): string {
  try {
    parseQuery(q);
  } catch (err) {
    assert.ok(err instanceof ValidationError, `${q}: ${err}`);
    assert.equal(err.status, 400);
    assert.equal(err.code, "invalid_input");
    return err.fields!.q;
  }
  throw new Error(`${q} was not refused`);
}

Deno.test("words fold like the index: case, accents, scripts; punctuation is nothing", () => {
  assert.deepEqual(parseQuery("Café CRÈME").words, ["cafe", "creme"]);
  assert.deepEqual(parseQuery("東京タワー Ёлка").words, ["東京タワー", "елка"]);
  assert.deepEqual(parseQuery("?! …").words, []);
  assert.deepEqual(parseQuery("a b c d e f g h i j").words.length, 8, "eight terms at most");
});

Deno.test("quotes make phrases; one quoted word is a whole word; an unclosed quote is its words", () => {
  const q = parseQuery('deploy "Release Plans" “smart quotes” "x"');
  assert.deepEqual(q.words, ["deploy"]);
  assert.deepEqual(q.phrases, [["release", "plans"], ["smart", "quotes"], ["x"]]);
  const open = parseQuery('"unclosed phrase here');
  assert.deepEqual(open.phrases, []);
  assert.deepEqual(open.words, ["unclosed", "phrase", "here"]);
});

Deno.test('-word and -"phrase" exclude; a lone dash is nothing', () => {
  const q = parseQuery('deploy -Friday -"late night" - ok');
  assert.deepEqual(q.words, ["deploy", "ok"]);
  assert.deepEqual(q.notWords, ["friday"]);
  assert.deepEqual(q.notPhrases, [["late", "night"]]);
  assert.deepEqual(parseQuery("a -foo-bar").notPhrases, [["foo", "bar"]]);
});

Deno.test("from: takes usernames, with or without @, and me; several are any of them", () => {
  assert.deepEqual(parseQuery("from:Ann from:@ben FROM:me from:ann").from, ["ann", "ben", "me"]);
  assert.equal(refusal("from:"), "from: takes a username, like from:ann or from:me");
  assert.equal(refusal("from:@"), "from: takes a username, like from:ann or from:me");
});

Deno.test("in: takes #channels, @people and titles, quoted or not", () => {
  assert.deepEqual(parseQuery('in:#general in:@Ann in:"Release plans" in:ops').in, [
    { kind: "channel", name: "general" },
    { kind: "person", username: "ann" },
    { kind: "title", title: "Release plans" },
    { kind: "title", title: "ops" },
  ]);
  assert.match(refusal("in:"), /^in: takes a conversation/);
  assert.match(refusal("in:#"), /^in: takes a conversation/);
});

Deno.test("before: and after: take real dates; bounds are exclusive, shifted by tz", () => {
  const q = parseQuery("after:2026-12-01 before:2026-12-05");
  assert.equal(q.after, "2026-12-01");
  assert.equal(q.before, "2026-12-05");
  const day = Date.parse("2026-12-02T00:00:00Z");
  assert.deepEqual(dateBounds(q), { after: day - 1, before: Date.parse("2026-12-05T00:00:00Z") });
  // An hour east of UTC: the days begin an hour earlier in UTC.
  assert.deepEqual(dateBounds(q, 60), {
    after: day - 1 - 3_600_000,
    before: Date.parse("2026-12-04T23:00:00Z"),
  });
  assert.equal(parseQuery("before:2026-12-05 before:2026-11-01").before, "2026-11-01");
  assert.equal(parseQuery("after:2026-12-05 after:2026-11-01").after, "2026-12-05");
  for (const bad of ["yesterday", "2026-13-01", "2026-02-30", "26-12-05", ""]) {
    assert.equal(refusal(`before:${bad}`), "before: takes a date like 2026-12-05");
    assert.equal(refusal(`after:${bad}`), "after: takes a date like 2026-12-05");
  }
});

Deno.test("has: takes file or link", () => {
  assert.deepEqual(parseQuery("has:FILE has:link has:file").has, ["file", "link"]);
  assert.equal(refusal("has:pictures"), "has: takes file or link");
  assert.equal(refusal("has:"), "has: takes file or link");
});

Deno.test("filters alone are a query; exclusions alone are refused; unknown word:thing is a word", () => {
  assert.deepEqual(parseQuery("from:ann").words, []);
  assert.match(refusal("-deploy"), /only exclusions/);
  assert.match(refusal('-"late night" -x'), /only exclusions/);
  assert.equal(parseQuery("-deploy from:ann").notWords[0], "deploy");
  assert.deepEqual(parseQuery("subject:hello").words, ["subject", "hello"]);
  assert.deepEqual(parseQuery("http://example.com").words, ["http", "example", "com"]);
  assert.match(refusal("-from:ann x"), /cannot be negated/);
});

Deno.test("marks cover matched words (folded, by their beginnings) and phrases", () => {
  const text = "Café crème, then the release plans: release soon";
  const q = parseQuery('cafe "release plans"');
  assert.deepEqual(marksOf(text, q), [[0, 4], [21, 34]]);
  assert.deepEqual(marksOf("categories and cat", parseQuery("cat")), [[0, 10], [15, 18]]);
  assert.deepEqual(marksOf("a b", parseQuery("a")), [[0, 1]], "one letter: whole words");
});

Deno.test("a long text's snippet is cut around the first match, its marks moved with it", () => {
  const text = "word ".repeat(100) + "needle " + "hay ".repeat(100);
  const { snippet, marks } = snippetOf(text, parseQuery("needle"));
  assert.ok(snippet.length <= 280, `${snippet.length}`);
  assert.ok(snippet.startsWith("…") && snippet.endsWith("…"));
  assert.equal(marks.length, 1);
  assert.equal(snippet.slice(marks[0][0], marks[0][1]), "needle");
  const short = snippetOf("short needle", parseQuery("needle"));
  assert.deepEqual(short, { snippet: "short needle", marks: [[6, 12]] });
  // Never half a surrogate pair at a cut.
  const emoji = "😀".repeat(400);
  const cut = snippetOf(emoji, parseQuery("x"));
  assert.ok(cut.snippet.length <= 280);
  assert.ok(!/[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/.test(cut.snippet.replace(/…$/, "")));
});
