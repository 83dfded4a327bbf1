import assert from "node:assert/strict";
import { plainText } from "./plain_text.ts";
import { formatMessage } from "../messages/markdown.tsx";

const plain = (text: string) => plainText(text, formatMessage(text));

Deno.test("plainText() shows what a reader sees, without the Markdown that made it", () => {
  assert.equal(plain("The **release notes** are _done_"), "The release notes are done");
  assert.equal(plain("Run `deno task ok` ~~now~~"), "Run deno task ok now");
  assert.equal(
    plain("See [the docs](https://deno.com) and https://x.org"),
    "See the docs and https://x.org",
  );
  assert.equal(
    plain("Checklist:\n- _tests_ green\n- `ok`\n\n> ship it"),
    "Checklist: tests green ok ship it",
  );
  assert.equal(plain("3. three\n4. four"), "three four");
  assert.equal(plain("```\nconst a = 1;\n```\nafter"), "const a = 1; after");
  assert.equal(plain("line one\nline two"), "line one line two");
});

Deno.test("plainText() keeps plain content as it is, on one line, and reads only text from a tree", () => {
  assert.equal(plainText("  just\n words  ", null), "just words");
  assert.equal(plainText("2 * 3 * 4", formatMessage("2 * 3 * 4")), "2 * 3 * 4");
  assert.equal(plainText("<b>x</b>", formatMessage("<b>x</b>")), "<b>x</b>");
  // A malformed or unknown node gives its text, never its tag.
  assert.equal(plainText("", [["p", "a", ["x", "b"], 7, ["br"], "c"]] as never), "ab c");
});
