/**
 * Threads in Chromium, what issue 17 left: a mention in a reply notifies like any mention
 * (the sidebar's in-tab notification, the tab hidden), and the thread panel's Save/Unsave
 * shows whether you saved the message (GET /api/saved/:id), not always "Save"; screenshots
 * of the panel at 1280 and 375 px, light and dark (test-output/thread_extras/).
 */
import assert from "node:assert/strict";
import {
  annAndBen,
  browserTest,
  forEachScreen,
  openChatPage,
  screenshotsIn,
} from "../support/browser.ts";
import { createConversationVia } from "../support/helpers.ts";
import { nthShown, openRecording, shownCount } from "../support/notifications.ts";
import { call, say } from "../support/talk.ts";
import { eventually } from "../support/util.ts";

const OUT = screenshotsIn("thread_extras");

browserTest(
  "a mention in a reply notifies; the thread panel shows what you saved",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Plans");
    const quiet = await createConversationVia(server, ann.cookie, [ben.user], "Quiet");
    const question = await say(server, ann.cookie, id, "Who writes the release notes?");

    await t.step("a reply that mentions Ben notifies his hidden tab", async () => {
      const page = await openRecording(
        browser,
        server.base,
        ben.cookie,
        `/conversations/${quiet}`,
        {
          hidden: true,
          live: true,
        },
      );
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
      await page.context().close();
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
      // The panel with the parent's toolbar showing (its Save pressed), in every look.
      await forEachScreen(page, async (s) => {
        await parent.hover();
        await unsave.waitFor();
        await page.screenshot({ path: `${OUT}thread-saved-${s.width}-${s.colorScheme}.png` });
      });
      await page.setViewportSize({ width: 1100, height: 760 });
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
