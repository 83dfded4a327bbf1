import assert from "node:assert/strict";
import { formatMessage } from "./markdown.tsx";
import { surelyPlain } from "./message.ts";

/** What surelyPlain claims must be what formatMessage finds: one plain paragraph (null). */
function agrees(text: string): boolean {
  if (!surelyPlain(text)) return false;
  assert.equal(formatMessage(text), null, `surelyPlain(${JSON.stringify(text)}) but Markdown`);
  return true;
}

Deno.test("surelyPlain() claims only text that Markdown leaves as one plain paragraph", () => {
  // Every string of up to 4 characters of these kinds: letters, digits, space and each
  // punctuation the claim lets through, and some it keeps out.
  const kinds = "aZ1 ~.,;?!'\"#$%()=+^{}|-*_`[:@/\n";
  let claimed = 0;
  const all = (prefix: string, left: number): void => {
    if (prefix && agrees(prefix)) claimed++;
    if (left > 0) { for (const ch of kinds) all(prefix + ch, left - 1); }
  };
  all("", 4);
  assert.ok(claimed > 10_000, `only ${claimed} claimed`);
  // Random text of chat-like words, numbers and punctuation.
  const parts = [
    "hey",
    "Ann",
    "v2.0",
    "3.14",
    "1,000",
    "ok?",
    "wow!",
    "~x",
    "(y)",
    "e.g",
    "a.b",
    "w1x",
    "T123.456",
    "-",
    "+",
    "=",
    "#",
    "$5",
    "50%",
    "{z}",
    "a|b",
    "it's",
    '"q"',
    "^",
    "com",
  ];
  for (let n = 0; n < 20_000; n++) {
    const words = Array.from(
      { length: 1 + Math.floor(Math.random() * 12) },
      () => parts[Math.floor(Math.random() * parts.length)],
    );
    const sep = () => [" ", "  ", ".", ". ", "~", "", ","][Math.floor(Math.random() * 7)];
    agrees(words.map((w) => w + sep()).join(""));
  }
});

Deno.test("surelyPlain() leaves Markdown, links and block syntax to formatMessage", () => {
  for (
    const text of [
      "*bold*",
      "_em_",
      "~~gone~~",
      "`code`",
      "see example.com",
      "mail a@b.co",
      "https://x.y",
      "1. first",
      "- item",
      "> quote",
      "~~~",
      " lead",
      "trail ",
      "two\nlines",
      "[a](b)",
      "a\\*b",
    ]
  ) {
    assert.equal(surelyPlain(text), false, text);
  }
  assert.equal(surelyPlain("~P4~T123.456~ w1x w2x, ok? (yes) 50% #1 v2.0!"), true);
  assert.equal(surelyPlain("hey, can you check the build? it's failing on main"), true);
});
