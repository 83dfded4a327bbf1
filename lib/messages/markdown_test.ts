import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { renderFormatted } from "../shared/formatted.tsx";
import { formatMessage, mentionsIn, parseMarkdown, renderMarkdown, safeHref } from "./markdown.tsx";

const html = (text: string, options?: Parameters<typeof renderMarkdown>[1]) =>
  renderToString(renderMarkdown(text, options));

Deno.test("markdown: the allowed subset becomes elements", () => {
  assert.equal(html("**bold**"), '<div class="markdown"><p><strong>bold</strong></p></div>');
  assert.equal(html("_it_ *it*"), '<div class="markdown"><p><em>it</em> <em>it</em></p></div>');
  assert.equal(html("~~gone~~"), '<div class="markdown"><p><s>gone</s></p></div>');
  assert.equal(html("`a < b`"), '<div class="markdown"><p><code>a &lt; b</code></p></div>');
  assert.equal(
    html("```\nlet x = <b>;\n```"),
    '<div class="markdown"><pre><code>let x = &lt;b>;</code></pre></div>',
  );
  assert.equal(html("- a\n- b"), '<div class="markdown"><ul><li>a</li><li>b</li></ul></div>');
  assert.equal(
    html("3. c\n4. d"),
    '<div class="markdown"><ol start="3"><li>c</li><li>d</li></ol></div>',
  );
  assert.equal(html("> said"), '<div class="markdown"><blockquote><p>said</p></blockquote></div>');
  assert.equal(html("one\ntwo"), '<div class="markdown"><p>one<br/>two</p></div>');
});

Deno.test("markdown: links are http(s) or mailto only, open safely, and bare URLs are linked", () => {
  const rel = 'target="_blank" rel="noopener noreferrer nofollow ugc"';
  assert.equal(
    html("[deno](https://deno.com)"),
    `<div class="markdown"><p><a href="https://deno.com/" ${rel}>deno</a></p></div>`,
  );
  assert.equal(
    html("see https://example.com/a?b=1"),
    `<div class="markdown"><p>see <a href="https://example.com/a?b=1" ${rel}>https://example.com/a?b=1</a></p></div>`,
  );
  for (
    const bad of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x"]
  ) {
    const out = html(`[click](${bad})`);
    assert.ok(!/<a /.test(out), `${bad} became a link: ${out}`);
    assert.match(out, /click/);
  }
  assert.equal(safeHref("mailto:ann@example.com"), "mailto:ann@example.com");
  assert.equal(safeHref("/relative"), null);
});

Deno.test("markdown: raw HTML and anything off the list stay text", () => {
  for (
    const payload of [
      "<script>alert(1)</script>",
      '<img src=x onerror="alert(1)">',
      "<b>bold?</b>",
      "# heading",
      "| a | b |\n|---|---|\n| 1 | 2 |",
      "![img](https://example.com/x.png)",
      "</div><script>alert(1)</script>",
    ]
  ) {
    const out = html(payload);
    assert.ok(!/<(script|img|b|h1|table)[ >]/.test(out), `${payload} → ${out}`);
    assert.ok(!out.includes('onerror="'), out);
  }
  assert.equal(html("<b>x</b>"), '<div class="markdown"><p>&lt;b>x&lt;/b></p></div>');
});

Deno.test("markdown: @mentions of known people are highlighted, mine more so", () => {
  const known = new Set(["ann", "ben"]);
  const out = html("hi @ann and @ben, not @zed or me@ann.example", {
    isMention: (u) => known.has(u),
    me: "ben",
  });
  assert.match(out, /<span class="mention [^"]*" data-mention="ann">@ann<\/span>/);
  assert.match(out, /<span class="mention mention-me [^"]*" data-mention="ben">@ben<\/span>/);
  assert.ok(!out.includes('data-mention="zed"'));
  assert.ok(out.includes("me@ann.example"), "an email address is not a mention");
  assert.deepEqual(mentionsIn("@Ann hi @ben. and @ann again, mail x@ben.io"), ["ann", "ben"]);
});

Deno.test("markdown: the server's tree is compact, allow-listed JSON; plain text carries none", () => {
  // One plain paragraph renders the same as the raw text: no tree travels with it.
  assert.equal(formatMessage("just words, no marks"), null);
  assert.equal(formatMessage(""), null);
  assert.deepEqual(formatMessage("**hi** @ann"), [["p", ["strong", "hi"], " @ann"]]);
  assert.deepEqual(formatMessage("one\ntwo"), [["p", "one", ["br"], "two"]]);
  assert.deepEqual(formatMessage("a \\* b"), [["p", "a * b"]], "an escape is not plain text");
  assert.deepEqual(parseMarkdown("- a\n- b"), [["ul", ["li", "a"], ["li", "b"]]]);
  assert.deepEqual(parseMarkdown("3. c"), [["ol", 3, ["li", "c"]]]);
  assert.deepEqual(parseMarkdown("> `x` ~~y~~"), [["blockquote", ["p", ["code", "x"], " ", [
    "s",
    "y",
  ]]]]);
  assert.deepEqual(parseMarkdown("```\n<b>\n```"), [["pre", "<b>"]]);
  assert.deepEqual(parseMarkdown("see https://deno.com"), [["p", "see ", [
    "a",
    "https://deno.com/",
    "https://deno.com",
  ]]]);
  // A refused link keeps its text only; raw HTML, images and headings stay text.
  assert.deepEqual(parseMarkdown("[x](ftp://e.com/)"), [["p", ["a", "", "x"]]]);
  assert.deepEqual(parseMarkdown("[x](javascript:alert(1))"), [["p", "[x](javascript:alert(1))"]]);
  assert.deepEqual(parseMarkdown("<img src=x onerror=y>"), [["p", "<img src=x onerror=y>"]]);
  // An image is no image: "!" then a link to it.
  assert.deepEqual(parseMarkdown("![i](https://e.com/i.png)"), [["p", "!", [
    "a",
    "https://e.com/i.png",
    "i",
  ]]]);
  assert.deepEqual(parseMarkdown("# h"), [["p", "# h"]]);
  // Every tag in any tree is on the list, and it survives JSON (it travels in frames).
  const allowed = new Set([
    "p",
    "strong",
    "em",
    "s",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "code",
    "pre",
    "br",
  ]);
  const tags = (nodes: unknown[]): string[] =>
    nodes.flatMap((n) => Array.isArray(n) ? [n[0], ...tags(n.slice(1))] : []);
  const sample =
    "**a** _b_ ~~c~~ `d`\n\n- [e](https://e.com) f@g.com\n1. h\n\n> i\n\n```\nj\n```\n<b>k</b> ![l](m) # n";
  const tree = parseMarkdown(sample);
  for (const tag of tags(tree)) assert.ok(allowed.has(tag), tag);
  assert.deepEqual(JSON.parse(JSON.stringify(tree)), tree);
});

Deno.test("markdown: the renderer holds to the allow-list whatever tree it is given", () => {
  const render = (tree: unknown) =>
    renderToString(renderFormatted("fallback", tree as Parameters<typeof renderFormatted>[1]));
  // Unknown tags, attributes and odd shapes render as their text, never as elements.
  assert.equal(
    render([["script", "alert(1)"], ["img", { src: "x", onerror: "y" }], [
      "p",
      { class: "x" },
      "t",
    ]]),
    '<div class="markdown">alert(1)<p>t</p></div>',
  );
  assert.equal(render([["div", ["b", "x"]]]), '<div class="markdown">x</div>');
  // Links are checked again: a javascript: href is a span, and no link nests in a link.
  for (const bad of ["javascript:alert(1)", " javascript:x", "data:text/html,x", "/relative"]) {
    const out = render([["p", ["a", bad, "click"]]]);
    assert.equal(out, '<div class="markdown"><p><span>click</span></p></div>', bad);
  }
  assert.equal(
    render([["a", "https://a.com/", ["a", "https://b.com/", "in"]]]),
    '<div class="markdown"><a href="https://a.com/" target="_blank" rel="noopener noreferrer nofollow ugc"><span>in</span></a></div>',
  );
  // Strings are text: markup inside them is escaped.
  assert.equal(render(["<b>x</b>"]), '<div class="markdown">&lt;b>x&lt;/b></div>');
  assert.equal(render([["ol", "1", ["li", "x"]]]), '<div class="markdown">1x</div>');
  // No tree: the content as one paragraph.
  assert.equal(render(null), '<div class="markdown"><p>fallback</p></div>');
});

Deno.test("markdown: a tree rendered from JSON is the same HTML as rendered from the parse", () => {
  const names = new Set(["ann", "ben"]);
  const options = { isMention: (u: string) => names.has(u), me: "ann" };
  for (
    const text of [
      "hi @ann, see **@ben** and [@ann](https://a.com) or https://x.com/@ann",
      "plain text with @ben in it",
      "1. one\n2. two\n\n> quote `code`\n\n```\nfence\n```",
    ]
  ) {
    const wire = JSON.parse(JSON.stringify(formatMessage(text)));
    assert.equal(
      renderToString(renderFormatted(text, wire, options)),
      renderToString(renderMarkdown(text, options)),
    );
  }
  const out = renderToString(renderMarkdown("[@ann](https://a.com) @ann", options));
  assert.equal((out.match(/data-mention/g) ?? []).length, 1, `no mention inside a link: ${out}`);
});
