import assert from "node:assert/strict";
import { cleanText, decodeEntities, decodeHtml, parsePage } from "./parse.ts";
import { sniffImage } from "./image.ts";
import { firstLinkOf } from "../shared/message.ts";
import { formatMessage } from "../messages/mod.ts";

const PAGE = "https://example.com/a/b";

Deno.test("parsePage: OpenGraph first, then Twitter, then <title> and the meta description", () => {
  const og = parsePage(
    `<head><title>T</title><meta property="og:title" content="OG">
     <meta name="twitter:title" content="TW"><meta name="description" content="D">
     <meta property="og:description" content="OG D"><meta property="og:site_name" content="Site">
     <meta property="og:image" content="/img.png"></head>`,
    PAGE,
  );
  assert.deepEqual(og, {
    title: "OG",
    description: "OG D",
    siteName: "Site",
    imageUrl: "https://example.com/img.png",
  });
  const tw = parsePage(
    `<meta name="twitter:title" content="TW"><meta name="twitter:description" content="TD">
     <meta name="twitter:image" content="https://cdn.example.net/x.jpg">`,
    "https://www.example.org/",
  );
  assert.deepEqual(tw, {
    title: "TW",
    description: "TD",
    siteName: "example.org",
    imageUrl: "https://cdn.example.net/x.jpg",
  });
  const plain = parsePage(
    `<TITLE lang=en>  Just
      a title </TITLE><META NAME=description CONTENT='Single quoted'>`,
    PAGE,
  );
  assert.deepEqual(plain, {
    title: "Just a title",
    description: "Single quoted",
    siteName: "example.com",
  });
});

Deno.test("parsePage: no title is no preview; the body, comments and scripts are not read", () => {
  assert.equal(parsePage("<html><head></head><body>text</body></html>", PAGE), null);
  assert.equal(parsePage(`<!-- <title>hidden</title> --><body><title>late</title>`, PAGE), null);
  assert.equal(
    parsePage(`<script>var s = '<meta property="og:title" content="x">';</script>`, PAGE),
    null,
  );
});

Deno.test("parsePage: an image must be http(s) like the page (javascript:, data: refused)", () => {
  for (const image of ["javascript:alert(1)", "data:image/png;base64,AAAA", "ftp://x/y.png"]) {
    const facts = parsePage(`<title>x</title><meta property="og:image" content="${image}">`, PAGE);
    assert.equal(facts?.imageUrl, undefined, image);
  }
  // An https page's plain-http image is not fetched.
  const mixed = parsePage(
    `<title>x</title><meta property="og:image" content="http://e.com/i.png">`,
    PAGE,
  );
  assert.equal(mixed?.imageUrl, undefined);
});

Deno.test("text: entities decoded, controls and bidi removed, spaces collapsed, cut with an ellipsis", () => {
  assert.equal(
    decodeEntities("&lt;b&gt; &amp;amp; &#39;q&#x27; &eacute; &bogus; &#0;"),
    "<b> &amp; 'q' é &bogus; \ufffd",
  );
  assert.equal(cleanText("a\u202eb\u200bc\u0007d\u2066e\n\n  f", 100), "a b c d e f");
  const long = cleanText("word ".repeat(100), 20);
  assert.equal([...long].length <= 20, true);
  assert.ok(long.endsWith("…"));
  // Markup in a title is text: kept as characters, never as tags.
  assert.equal(cleanText("<script>x</script>", 100), "<script>x</script>");
  // Astral characters are not cut in half.
  assert.equal(cleanText("😀😀😀", 2), "😀…");
});

Deno.test("decodeHtml: the header's charset, else the page's <meta charset>, else UTF-8", () => {
  const latin1 = Uint8Array.from([0x3c, 0x74, 0x3e, 0xe9]); // "<t>é" in latin1
  assert.equal(decodeHtml(latin1, "text/html; charset=iso-8859-1"), "<t>é");
  const withMeta = new Uint8Array([
    ...new TextEncoder().encode('<meta charset="windows-1252">'),
    0x80,
  ]);
  assert.ok(decodeHtml(withMeta, "text/html").endsWith("€"));
  assert.equal(decodeHtml(new TextEncoder().encode("é"), "text/html; charset=nonsense"), "é");
});

Deno.test("sniffImage: PNG, JPEG, GIF and WebP by their bytes; SVG, HTML and others refused", () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);
  const text = (s: string) => new TextEncoder().encode(s);
  assert.equal(sniffImage(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0)), "image/png");
  assert.equal(sniffImage(bytes(0xff, 0xd8, 0xff, 0xe0)), "image/jpeg");
  assert.equal(sniffImage(text("GIF89a....")), "image/gif");
  assert.equal(sniffImage(text("RIFF\0\0\0\0WEBPVP8 ")), "image/webp");
  for (const s of ["<svg xmlns='http://www.w3.org/2000/svg'/>", "<html>", "RIFF\0\0\0\0AVI ", ""]) {
    assert.equal(sniffImage(text(s)), null, s);
  }
});

Deno.test("firstLinkOf: the first http(s) link outside code; markdown links count, mailto not", () => {
  const first = (s: string) => firstLinkOf(formatMessage(s));
  assert.equal(first("see https://a.example/x and https://b.example"), "https://a.example/x");
  assert.equal(first("`https://code.example` then https://b.example"), "https://b.example/");
  assert.equal(first("```\nhttps://block.example\n```\nhttp://c.example/p"), "http://c.example/p");
  assert.equal(
    first("[the docs](https://d.example/docs) mail@x.example"),
    "https://d.example/docs",
  );
  assert.equal(first("write to mailto:a@b.example"), null);
  assert.equal(first("no links here"), null);
  assert.equal(first("> quoted https://q.example/ link"), "https://q.example/");
});
