/**
 * The conversation page reads the open conversation's row in the sidebar's batch and marks it
 * read on the entries its session read (routes/chat.tsx): what it shows must be what reading
 * them one after another showed. The sidebar's row of the open conversation has nothing
 * unread once the page is shown; the room still starts "New messages" where this visit did;
 * a conversation beyond the sidebar's first rows and an archived channel open as before.
 */
import assert from "node:assert/strict";
import { SIDEBAR_ROWS } from "../../routes/chat.tsx";
import { unpackConversationListProps } from "../../islands/list/list_props.ts";
import {
  createConversationVia,
  json,
  okJson,
  registerUser,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";

type Row = { id: string; unreadCount: number; mentionCount: number };

function sidebarOf(html: string): Row[] {
  const match = html.match(/data-island="ConversationList" data-props="([^"]*)"/);
  assert.ok(match, "the page has the sidebar's list");
  const packed = JSON.parse(
    match[1].replace(
      /&(quot|amp|lt|gt|#39|apos);/g,
      (_, e: string) => ({ quot: '"', amp: "&", lt: "<", gt: ">", "#39": "'", apos: "'" })[e]!,
    ),
  );
  return unpackConversationListProps(packed).conversations as Row[];
}

async function say(app: TestApp, cookie: string, id: string, content: string) {
  const res = await app.fetch(
    `/api/conversations/${id}/messages`,
    json("POST", { content, clientId: crypto.randomUUID() }, cookie),
  );
  assert.equal(res.status, 201, await res.clone().text());
}

async function listed(app: TestApp, cookie: string): Promise<Row[]> {
  return (await okJson(await app.fetch("/api/conversations", withCookie(cookie)))).conversations;
}

Deno.test("the open conversation's sidebar row is read, the room still marks where this visit starts", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    const other = await createConversationVia(app, ann.cookie, [ben.user], "Other");
    await say(app, ann.cookie, id, "first, read");
    await app.fetch(`/conversations/${id}`, withCookie(ben.cookie));
    await say(app, ann.cookie, id, "hello @ben");
    await say(app, ann.cookie, id, "two unread");
    await say(app, ann.cookie, other, "elsewhere");

    const page = await (await app.fetch(`/conversations/${id}`, withCookie(ben.cookie))).text();
    const rows = sidebarOf(page);
    const open = rows.find((r) => r.id === id)!;
    assert.equal(open.unreadCount, 0, "the open conversation's row: nothing unread");
    assert.equal(open.mentionCount, 0);
    assert.equal(rows.find((r) => r.id === other)!.unreadCount, 1, "the others as they are");
    assert.match(page, /data-new-messages/, "the room marks where the unread began");
    assert.match(page, /data-new-messages="true"[^]*hello @ben/);
    const api = await listed(app, ben.cookie);
    assert.equal(api.find((r) => r.id === id)!.unreadCount, 0, "and the mark moved");

    // Reading again, with nothing new: nothing unread, no marker.
    const again = await (await app.fetch(`/conversations/${id}`, withCookie(ben.cookie))).text();
    assert.equal(sidebarOf(again).find((r) => r.id === id)!.unreadCount, 0);
    assert.doesNotMatch(again, /data-new-messages/);
  });
});

Deno.test("a page of older history leaves the mark where it was", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    for (let i = 0; i < 3; i++) await say(app, ann.cookie, id, `note ${i}`);
    const page = await app.fetch(`/conversations/${id}?before=3`, withCookie(ben.cookie));
    assert.equal(page.status, 200);
    const rows = sidebarOf(await page.text());
    assert.equal(rows.find((r) => r.id === id)!.unreadCount, 3, "shown as unread still");
    assert.equal((await listed(app, ben.cookie)).find((r) => r.id === id)!.unreadCount, 3);
  });
});

Deno.test("a conversation past the sidebar's first rows, and an archived channel, open as before", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const oldest = await createConversationVia(app, ann.cookie, [ben.user], "Oldest");
    await say(app, ann.cookie, oldest, "the oldest one's words");
    for (let i = 0; i < SIDEBAR_ROWS + 1; i++) {
      const id = await createConversationVia(app, ann.cookie, [ben.user], `Group ${i}`);
      await say(app, ann.cookie, id, `in group ${i}`);
    }
    const page = await (await app.fetch(`/conversations/${oldest}`, withCookie(ben.cookie)))
      .text();
    assert.match(page, /the oldest one&#39;s words|the oldest one's words/);
    assert.ok(!sidebarOf(page).some((r) => r.id === oldest), "not in the sidebar's first rows");
    const row = (await listed(app, ben.cookie)).find((r) => r.id === oldest)!;
    assert.equal(row.unreadCount, 0, "and marked read");

    const channel = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { kind: "channel", title: "plans" }, ann.cookie),
      ),
      201,
    );
    const chId = channel.conversation.id;
    await say(app, ann.cookie, chId, "the archived words");
    const patched = await app.fetch(
      `/api/conversations/${chId}`,
      json("PATCH", { archived: true }, ann.cookie),
    );
    assert.equal(patched.status, 200);
    const archived = await app.fetch(`/conversations/${chId}`, withCookie(ann.cookie));
    assert.equal(archived.status, 200);
    const text = await archived.text();
    assert.match(text, /the archived words/);
    assert.ok(!sidebarOf(text).some((r) => r.id === chId), "archived: out of the sidebar");
  });
});

Deno.test("the page of a conversation you are not in is not found, whatever the sidebar holds", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const cy = await registerUser(app, { displayName: "Cy" });
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    await say(app, ann.cookie, id, "between ann and ben");
    const res = await app.fetch(`/conversations/${id}`, withCookie(cy.cookie));
    assert.equal(res.status, 404);
    assert.doesNotMatch(await res.text(), /between ann and ben/);
    const odd = await app.fetch(`/conversations/${"x".repeat(3000)}`, withCookie(cy.cookie));
    assert.equal(odd.status, 404);
  });
});
