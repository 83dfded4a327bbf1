/**
 * Formatting is parsed once, on the server (Message.formatted), and rendered by one component
 * on both sides: a message the island renders live from a frame is, HTML for HTML, what the
 * server renders for the same message in the page. No Markdown parser ships to the browser.
 */
import assert from "node:assert/strict";
import { annAndBen, browserTest, openChatPage } from "../support/browser.ts";
import { json, okJson } from "../support/helpers.ts";

const TEXTS = [
  "**Bold**, _it_, ~~gone~~ and `a < b`, for @ann and @ben (not @zed)",
  "- one\n- two with https://example.com/a?b=1\n\n3. three\n4. four",
  "> quoted [link](https://deno.com) and [bad](ftp://x.example/)\n\n```\nlet x = <b>;\n```",
  '<img src=x onerror="alert(1)"> ![i](https://example.com/i.png) # not a heading',
  "a plain line with nothing in it",
  "line one\nline two, mail ann@example.com",
];

browserTest("a message rendered live in the island is the server's HTML for it", async ({
  server,
  browser,
}) => {
  const { ann, ben, id } = await annAndBen(server);
  const path = `/conversations/${id}`;
  const errors: string[] = [];
  const live = await openChatPage(browser, server.base, ann.cookie, { path, errors });

  // Ben sends while Ann's island is open: it renders each from its `message` frame.
  for (const content of TEXTS) {
    const res = await server.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content }, ben.cookie),
    );
    await okJson(res, 201);
  }
  const bodies = (page: typeof live) =>
    page.locator("li[data-seq] .markdown").evaluateAll((els) => els.map((e) => e.outerHTML));
  await live.locator(`li[data-seq='${TEXTS.length}'] .markdown`).waitFor();
  const islandHtml = await bodies(live);

  // The same messages as the server renders them, in a page with no script at all.
  const ssr = await openChatPage(browser, server.base, ann.cookie, {
    path,
    context: { javaScriptEnabled: false },
  });
  const serverHtml = await bodies(ssr);
  assert.equal(islandHtml.length, TEXTS.length);
  assert.deepEqual(islandHtml, serverHtml);
  assert.deepEqual(errors, []);

  // And what they hold is the formatting, safe: so the comparison above means something.
  const all = serverHtml.join("\n");
  for (
    const part of [
      "<strong>Bold</strong>",
      "<em>it</em>",
      "<s>gone</s>",
      "<code>a &lt; b</code>",
      'data-mention="ann"',
      'data-mention="ben"',
      '<ol start="3">',
      '<a href="https://deno.com/"',
      '<a href="https://example.com/a?b=1"',
      '<a href="mailto:ann@example.com"',
      "<span>bad</span>",
      "<pre><code>let x = &lt;b&gt;;</code></pre>",
      "one<br>line two".replace("one", "line one"),
    ]
  ) assert.ok(all.includes(part), `${part} missing in:\n${all}`);
  assert.ok(!all.includes('data-mention="zed"'));
  assert.ok(!/<(img|script|h1)[ >]/.test(all), all);

  // No Markdown parser among the scripts the page loaded.
  const scripts = await live.evaluate(() =>
    performance.getEntriesByType("resource").map((e) => e.name).filter((n) => n.endsWith(".js"))
  );
  for (const src of scripts) {
    const text = await (await fetch(src)).text();
    assert.ok(!/markdown-it|linkify/i.test(text), `${src} carries a Markdown parser`);
  }
  await live.context().close();
  await ssr.context().close();
});
