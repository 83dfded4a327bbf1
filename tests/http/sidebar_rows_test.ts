/**
 * The sidebar's first page is SIDEBAR_ROWS conversations (what a tall window shows), and the
 * rest are one "Show older conversations" away: its cursor gives exactly the ones left out.
 */
import assert from "node:assert/strict";
import { SIDEBAR_ROWS } from "../../routes/chat.tsx";
import { createConversationVia, registerUser, withApp, withCookie } from "../support/helpers.ts";

function listPropsOf(html: string): { nextCursor: string | null } {
  const match = html.match(/data-island="ConversationList" data-props="([^"]*)"/);
  assert.ok(match, "the page has the sidebar's list");
  return JSON.parse(match[1].replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
}

Deno.test("the sidebar shows the newest SIDEBAR_ROWS conversations and a cursor to the rest", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const titles: string[] = [];
    for (let i = 0; i < SIDEBAR_ROWS + 2; i++) {
      titles.push(`Room ${String(i).padStart(2, "0")}`);
      await createConversationVia(app, ann.cookie, [ben.user], titles[i]);
    }
    const res = await app.fetch("/", withCookie(ann.cookie));
    assert.equal(res.status, 200);
    const html = await res.text();
    // Newest first: the two oldest are left out of the page.
    for (const t of titles.slice(2)) assert.ok(html.includes(t), `${t} is listed`);
    for (const t of titles.slice(0, 2)) assert.ok(!html.includes(t), `${t} is not`);
    const { nextCursor } = listPropsOf(html);
    assert.equal(typeof nextCursor, "string");
    const rest = await app.fetch(
      `/api/conversations?limit=50&cursor=${encodeURIComponent(nextCursor!)}`,
      withCookie(ann.cookie),
    );
    assert.equal(rest.status, 200);
    const body = await rest.json();
    assert.deepEqual(
      body.conversations.map((c: { title: string }) => c.title),
      [titles[1], titles[0]],
    );
    assert.equal(body.nextCursor, null);
  });
});
