/**
 * The sidebar's live unread count leaves hidden replies out, as the server counts it (issue
 * 17, lib/messages/unread_test.ts): a reply kept in its thread moves the row up and shows as
 * its last message, but counts in "your threads", not in the conversation; one also sent to
 * the conversation counts. A read that stops before a hidden last reply clears the count
 * (the list is read again, not `last seq − read seq`). Two people, API-made data, Chromium.
 */
import assert from "node:assert/strict";
import { annAndBen, browserTest, signedInContext } from "../support/browser.ts";
import { createConversationVia, okJson, withCookie } from "../support/helpers.ts";
import { say } from "../support/talk.ts";
import type { Message } from "../../lib/shared/message.ts";

browserTest(
  "hidden replies leave the sidebar's live unread count; replies also sent count",
  async ({ server, browser }, t) => {
    const { ann, ben, id: launch } = await annAndBen(server, "Launch");
    const other = await createConversationVia(server, ann.cookie, [ben.user], "Other");

    const context = await signedInContext(browser, server.base, ann.cookie, {
      viewport: { width: 1200, height: 800 },
    });
    const errors: string[] = [];
    context.on("page", (p) => p.on("pageerror", (e) => errors.push(e.message)));
    const page = await context.newPage();
    await page.goto(`${server.base}/conversations/${other}`);
    await page.locator("[data-island=ConversationList][data-hydrated]").waitFor();
    await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
    const row = page.getByRole("link", { name: /Launch/ });
    /** Ben's top-level message, whose thread the replies are in. */
    let top: Message;
    /** Ann's count of Launch as the server reads it (GET /api/conversations). */
    const serverCount = async () => {
      const { conversations } = await okJson(
        await server.fetch("/api/conversations", withCookie(ann.cookie)),
      );
      const c = conversations.find((c: { id: string }) => c.id === launch);
      return { unread: c.unreadCount, mentions: c.mentionCount };
    };

    await t.step("a message and two replies in its thread: 1 unread, not 3", async () => {
      top = await say(server, ben.cookie, launch, "Who takes the release notes?");
      await row.getByLabel("1 unread").waitFor();
      await say(server, ben.cookie, launch, { content: "I can start them.", parentSeq: top.seq });
      await say(server, ben.cookie, launch, {
        content: "@ann could you check them?",
        parentSeq: top.seq,
      });
      // The row shows the last reply (it moved up with it) and still counts one.
      await row.getByText("Ben Ode: @ann could you check them?").waitFor();
      assert.equal(await row.getByLabel(/unread/).getAttribute("aria-label"), "1 unread");
      // The mention is the thread's, not the conversation's.
      assert.equal(await row.getByLabel(/mention/).count(), 0);
      await page.waitForFunction(() => document.title.startsWith("(1) "));
      assert.deepEqual(await serverCount(), { unread: 1, mentions: 0 });
    });

    await t.step(
      "a reply also sent to the conversation counts; a hidden one after not",
      async () => {
        await say(server, ben.cookie, launch, {
          content: "Drafts are in the doc.",
          parentSeq: top.seq,
          alsoToConversation: true,
        });
        await row.getByLabel("2 unread").waitFor();
        await say(server, ben.cookie, launch, {
          content: "Thanks in advance!",
          parentSeq: top.seq,
        });
        await row.getByText("Ben Ode: Thanks in advance!").waitFor();
        assert.equal(await row.getByLabel(/unread/).getAttribute("aria-label"), "2 unread");
        await page.waitForFunction(() => document.title.startsWith("(2) "));
        assert.deepEqual(await serverCount(), { unread: 2, mentions: 0 });
      },
    );

    await t.step("read elsewhere up to the history's end: the count clears", async () => {
      // Another device, without JavaScript: the page alone marks what it shows as read, up
      // to the reply also sent (seq 4), before the hidden last reply (5). A tab's room may
      // mark 5 after it, which would hide a count left at 5 − 4.
      const plain = await signedInContext(browser, server.base, ann.cookie, {
        javaScriptEnabled: false,
      });
      const device = await plain.newPage();
      await device.goto(`${server.base}/conversations/${launch}`);
      await device.getByText("Drafts are in the doc.").first().waitFor();
      await row.getByLabel(/unread/).waitFor({ state: "detached" });
      await page.waitForFunction(() => !/^\(\d+\+?\) /.test(document.title));
      assert.deepEqual(await serverCount(), { unread: 0, mentions: 0 });
      await plain.close();
    });
    assert.deepEqual(errors, []);
    await context.close();
  },
);
