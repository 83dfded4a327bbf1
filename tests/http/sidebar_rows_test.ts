/**
 * The sidebar's first page is SIDEBAR_ROWS conversations (what a tall window shows), and the
 * rest are one "Show older conversations" away: its cursor gives exactly the ones left out.
 */
import assert from "node:assert/strict";
import { SIDEBAR_ROWS } from "../../routes/chat.tsx";
import {
  type PackedListProps,
  unpackConversationListProps,
} from "../../islands/list/list_props.ts";
import {
  createConversationVia,
  json,
  registerUser,
  withApp,
  withCookie,
} from "../support/helpers.ts";

function listPropsOf(html: string): PackedListProps {
  const match = html.match(/data-island="ConversationList" data-props="([^"]*)"/);
  assert.ok(match, "the page has the sidebar's list");
  return JSON.parse(
    match[1].replace(
      /&(quot|amp|lt|gt|#39|apos);/g,
      (_, e: string) => ({ quot: '"', amp: "&", lt: "<", gt: ">", "#39": "'", apos: "'" })[e]!,
    ),
  );
}

Deno.test("the sidebar's packed props give back the conversations the API lists", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann Lee" });
    const ben = await registerUser(app, { displayName: "Ben Ode" });
    const cy = await registerUser(app, { displayName: "Cy Ray" });
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    const group = await createConversationVia(app, ben.cookie, [ann.user, cy.user], "Plans");
    const say = async (who: typeof ann, id: string, content: string) => {
      const res = await app.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content, clientId: crypto.randomUUID() }, who.cookie),
      );
      assert.equal(res.status, 201);
    };
    await say(ben, direct, 'hi @ann & "you"');
    await say(cy, group, "**bold** <b>plan</b>");
    const muted = await app.fetch(
      `/api/conversations/${group}/notifications`,
      json("PUT", { level: "all", muted: true }, ann.cookie),
    );
    assert.ok(muted.ok, `muting answered ${muted.status}`);

    const html = await (await app.fetch("/", withCookie(ann.cookie))).text();
    const packed = listPropsOf(html);
    assert.ok(Array.isArray(packed.people), "packed: the people once");
    assert.ok(packed.conversations.every((c) => c.participants.every(Number.isInteger)));
    const api = await (await app.fetch("/api/conversations?limit=20", withCookie(ann.cookie)))
      .json();
    assert.equal(api.conversations.length, 2);
    assert.deepEqual(unpackConversationListProps(packed).conversations, api.conversations);
  });
});

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
    const { nextCursor } = listPropsOf(html) as PackedListProps & { nextCursor: string | null };
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
