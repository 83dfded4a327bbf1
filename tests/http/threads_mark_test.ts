/**
 * The sidebar's Threads mark (how many of your threads have replies you have not read) on
 * every signed-in page: it shows, follows new replies and mentions, clears when the threads
 * are read, and a page reads the one kept count (lib/messages/threads.ts,
 * unreadThreadCount), not every thread. And the other side: a conversation's unread count
 * and its "New messages" line leave the replies hidden in threads out.
 */
import assert from "node:assert/strict";
import { createConversationVia, json, type TestApp, withApp } from "../support/helpers.ts";
import { people, say } from "../support/talk.ts";
import { eventually } from "../support/util.ts";
import { threadInboxKey } from "../../lib/storage/mod.ts";

/** The Threads mark on `cookie`'s home page: the number shown, 0 when there is none. */
async function mark(app: TestApp, cookie: string): Promise<number> {
  const res = await app.fetch("/", { headers: { cookie } });
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /href="\/threads"/);
  return Number(html.match(/data-threads-unread="(\d+)"/)?.[1] ?? 0);
}

Deno.test("the sidebar's Threads mark shows, follows replies and mentions, and clears when read", async (t) => {
  await withApp(async (app) => {
    const { ann, ben, cat } = await people(app, ["ann", "ben", "cat"]);
    const id = await createConversationVia(app, ann.cookie, [ben.user, cat.user], "Trio");
    const top = await say(app, ann.cookie, id, "Lunch?");
    const read = async (cookie: string, seq: number) => {
      const res = await app.fetch(
        `/api/conversations/${id}/threads/${top.seq}/read`,
        json("POST", { seq }, cookie),
      );
      assert.equal(res.status, 204);
    };

    await t.step("a reply to Ann's message marks her one thread; Ben's own is read", async () => {
      await say(app, ben.cookie, id, { content: "Yes", parentSeq: top.seq });
      await eventually(async () => await mark(app, ann.cookie) === 1, "Ann's mark");
      assert.equal(await mark(app, ben.cookie), 0);
      assert.equal(await mark(app, cat.cookie), 0, "Cat takes no part yet");
    });

    await t.step("a page reads the kept count", async () => {
      const kept = await app.ctx.kv.get(threadInboxKey(ann.user.id));
      assert.deepEqual(kept.value, { unreadThreads: 1 });
      await app.ctx.kv.set(threadInboxKey(ann.user.id), { unreadThreads: 7 });
      assert.equal(await mark(app, ann.cookie), 7, "the page shows what is kept");
      // The Threads view counts afresh and keeps what it found.
      const res = await app.fetch("/api/threads", { headers: { cookie: ann.cookie } });
      assert.equal((await res.json()).unreadThreads, 1);
      assert.equal(await mark(app, ann.cookie), 1);
    });

    await t.step("reading the thread clears it; a new reply marks it again", async () => {
      const reply = await say(app, ben.cookie, id, { content: "At noon", parentSeq: top.seq });
      await read(ann.cookie, reply.seq);
      assert.equal(await mark(app, ann.cookie), 0);
      await say(app, ben.cookie, id, { content: "Or one?", parentSeq: top.seq });
      await eventually(async () => await mark(app, ann.cookie) === 1, "marked again");
      // Her own reply reads the thread up to it.
      await say(app, ann.cookie, id, { content: "Noon", parentSeq: top.seq });
      await eventually(async () => await mark(app, ann.cookie) === 0, "read by replying");
      assert.equal(await mark(app, ben.cookie), 1, "Ann's reply is new to Ben");
    });

    await t.step("a mention in a reply brings Cat in, and reading clears hers", async () => {
      const reply = await say(app, ben.cookie, id, { content: "@cat too?", parentSeq: top.seq });
      await eventually(async () => await mark(app, cat.cookie) === 1, "Cat's mark");
      await read(cat.cookie, reply.seq);
      assert.equal(await mark(app, cat.cookie), 0);
    });
  });
});

Deno.test("a conversation's unread count and 'New messages' leave hidden replies out", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await people(app, ["ann", "ben"]);
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Pair");
    const top = await say(app, ann.cookie, id, "One");
    const page = async () =>
      await (await app.fetch(`/conversations/${id}`, {
        headers: { cookie: ben.cookie },
      })).text();
    await page(); // Ben has read "One"
    await say(app, ann.cookie, id, { content: "a reply", parentSeq: top.seq });
    const two = await say(app, ann.cookie, id, "Two");
    await say(app, ann.cookie, id, { content: "another", parentSeq: two.seq });
    await say(app, ann.cookie, id, {
      content: "also here",
      parentSeq: top.seq,
      alsoToConversation: true,
    });
    const list = async () =>
      (await (await app.fetch("/api/conversations", { headers: { cookie: ben.cookie } })).json())
        .conversations.find((c: { id: string }) => c.id === id);
    assert.equal((await list()).unreadCount, 2, "Two and the reply also sent here");
    const html = await page();
    // The line sits right before "Two" (a reply's seq between them no longer shifts it).
    const line = html.indexOf('data-new-messages="true"');
    assert.ok(line > 0, "a New messages line");
    assert.ok(line < html.indexOf(`data-seq="${two.seq}"`));
    assert.ok(line > html.indexOf(`data-seq="${top.seq}"`));
    assert.equal((await list()).unreadCount, 0, "read by opening it");
  });
});
