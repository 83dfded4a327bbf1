import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { mentionsIn, renderMarkdown, safeHref } from "./markdown.tsx";

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
