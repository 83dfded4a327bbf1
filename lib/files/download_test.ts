import assert from "node:assert/strict";
import { contentDisposition, parseRange } from "./download.ts";
import { parseDisposition } from "../../tests/support/util.ts";
import { cleanFileName } from "../shared/names.ts";

Deno.test("parseRange() reads a single byte range against the size", () => {
  assert.deepEqual(parseRange("bytes=0-0", 10), { start: 0, end: 0 });
  assert.deepEqual(parseRange("bytes=2-5", 10), { start: 2, end: 5 });
  assert.deepEqual(parseRange("bytes=5-", 10), { start: 5, end: 9 });
  assert.deepEqual(parseRange("bytes=-3", 10), { start: 7, end: 9 });
});

Deno.test("parseRange() clamps an end or a suffix past the end of the file", () => {
  assert.deepEqual(parseRange("bytes=8-100", 10), { start: 8, end: 9 });
  assert.deepEqual(parseRange("bytes=-50", 10), { start: 0, end: 9 });
});

Deno.test("parseRange() calls a range starting past the end unsatisfiable", () => {
  assert.equal(parseRange("bytes=10-", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=10-20", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=99999999999999999999-", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 10), "unsatisfiable");
});

Deno.test("parseRange() ignores an absent, malformed or multi-range header (whole file)", () => {
  for (
    const header of [
      null,
      undefined,
      "",
      "bytes=",
      "bytes=-",
      "bytes=abc",
      "bytes=1-x",
      "bytes 0-1",
      "0-1",
      "items=0-1",
      "bytes=0-1,3-4",
      "bytes=0-1, 3-4",
      "bytes=1.5-2",
    ]
  ) {
    assert.equal(parseRange(header, 10), null, `header ${JSON.stringify(header)}`);
  }
});

Deno.test("parseRange() of an empty file finds no satisfiable range", () => {
  assert.equal(parseRange(null, 0), null);
  assert.equal(parseRange("bytes=0-0", 0), "unsatisfiable");
  assert.equal(parseRange("bytes=0-", 0), "unsatisfiable");
  assert.equal(parseRange("bytes=-3", 0), "unsatisfiable");
});

/** The parts of a Content-Disposition value this app writes. */
const HOSTILE_NAMES = [
  "../../etc/passwd",
  "..\\..\\windows\\system32\\config",
  'say "hi".txt',
  'a"; filename="evil.html',
  "back\\slash.txt",
  "line\r\nSet-Cookie: sid=stolen.txt",
  "nul\u0000and tab\t.txt",
  "100%25 sure.txt",
  "it's (really) *fine*.txt",
  "résumé 📄.pdf",
  "日本語のファイル.docx",
  "x".repeat(1000) + ".txt",
];

Deno.test("contentDisposition() keeps hostile names inside a safe header value", () => {
  for (const name of HOSTILE_NAMES) {
    const value = contentDisposition(name);
    for (const control of ["\r", "\n", "\0"]) {
      assert.ok(!value.includes(control), `control characters in ${JSON.stringify(value)}`);
    }
    assert.match(value, /^[\x20-\x7e]+$/, "the value is printable ASCII");
    // Building a Headers object throws on a value that is not a valid header.
    assert.equal(new Headers({ "content-disposition": value }).get("content-disposition"), value);
    const parts = parseDisposition(value);
    assert.equal(parts.kind, "attachment");
    assert.equal(parts.name, cleanFileName(name), "filename* decodes back to the cleaned name");
    assert.doesNotMatch(parts.name, /[/\\\0\r\n]/, "no path, no control characters");
    assert.doesNotMatch(parts.fallback, /["\\%]/, "the fallback has no quote, backslash or %");
  }
});

Deno.test("contentDisposition() gives an ASCII fallback with the unsafe characters replaced", () => {
  assert.equal(parseDisposition(contentDisposition('say "hi".txt')).fallback, "say _hi_.txt");
  assert.equal(parseDisposition(contentDisposition("résumé 📄.pdf")).fallback, "r_sum_ __.pdf");
  assert.equal(parseDisposition(contentDisposition("a\r\nb")).fallback, "a b");
  assert.equal(parseDisposition(contentDisposition('../../etc/pa"ss')).fallback, "pa_ss");
  assert.equal(parseDisposition(contentDisposition("report.pdf")).fallback, "report.pdf");
  assert.equal(parseDisposition(contentDisposition("")).fallback, "file");
});

Deno.test("contentDisposition() writes inline when asked", () => {
  const parts = parseDisposition(contentDisposition("cat.png", "inline"));
  assert.equal(parts.kind, "inline");
  assert.equal(parts.name, "cat.png");
});
