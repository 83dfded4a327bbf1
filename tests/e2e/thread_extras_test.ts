/**
 * Threads in Chromium, what issue 17 left: a mention in a reply notifies like any mention
 * (the sidebar's in-tab notification, the tab hidden), and the thread panel's Save/Unsave
 * shows whether you saved the message (GET /api/saved/:id), not always "Save".
 */
import assert from "node:assert/strict";
import { annAndBen, browserTest, openChatPage, signedInContext } from "../support/browser.ts";
import { createConversationVia } from "../support/helpers.ts";
import { nthShown, recordNotifications, shownCount } from "../support/notifications.ts";
import { call, say } from "../support/talk.ts";
import { eventually } from "../support/util.ts";

browserTest(
  "a mention in a reply notifies; the thread panel shows what you saved",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Plans");
    const quiet = await createConversationVia(server, ann.cookie, [ben.user], "Quiet");
    const question = await say(server, ann.cookie, id, "Who writes the release notes?");

    await t.step("a reply that mentions Ben notifies his hidden tab", async () => {
      const context = await signedInContext(browser, server.base, ben.cookie, {
        viewport: { width: 1280, height: 800 },
      });
      await recordNotifications(context, server.base, { hidden: true });
      const page = await context.newPage();
      await page.goto(`${server.base}/conversations/${quiet}`);
      await page.locator("[data-island=ConversationList][data-hydrated]").waitFor();
      await page.getByText("Live", { exact: true }).waitFor();
      await say(server, ann.cookie, id, {
        content: "No mention in this reply.",
        parentSeq: question.seq,
      });
      await say(server, ann.cookie, id, {
        content: "@ben could you take **this** one?",
        parentSeq: question.seq,
      });
      assert.deepEqual(await nthShown(page), {
        title: "Ann Lee mentioned you in Plans",
        body: "@ben could you take this one?",
      });
      assert.equal(await shownCount(page), 1, "the reply without a mention said nothing");
      await context.close();
    });

    await t.step("the panel's Save/Unsave follows what Ann saved", async () => {
      await call(server, ann.cookie, "PUT", `/api/saved/${id}/${question.seq}`);
      const page = await openChatPage(browser, server.base, ann.cookie, {
        path: `/conversations/${id}?thread=${question.seq}`,
      });
      const panel = page.getByRole("complementary", { name: "Thread" });
      await panel.getByText("Who writes the release notes?").waitFor();
      const parent = panel.locator(`li[data-seq='${question.seq}']`);
      await parent.hover();
      const unsave = parent.getByRole("button", { name: "Unsave" });
      await unsave.waitFor();
      const reply = panel.locator("li[data-seq]").last();
      await reply.hover();
      await reply.getByRole("button", { name: "Save", exact: true }).waitFor();
      await parent.hover();
      await unsave.click();
      await parent.getByRole("button", { name: "Save", exact: true }).waitFor();
      const saved = async () =>
        (await (await server.fetch(`/api/saved/${id}`, { headers: { cookie: ann.cookie } }))
          .json()).seqs;
      await eventually(async () => (await saved()).length === 0, "unsaved on the server");
      assert.deepEqual(await saved(), []);
      await page.context().close();
    });
  },
);
