/**
 * History in Chromium: scrolling up loads older pages by cursor and keeps what you were
 * looking at in place; new messages while you read old ones offer a jump to the latest.
 */
import assert from "node:assert/strict";
import { sendMessage } from "../../lib/messages/mod.ts";
import { annAndBen, browserTest, signedInContext } from "../support/browser.ts";
import { json } from "../support/helpers.ts";

browserTest(
  "scrolling up loads older history in place; new messages offer a jump to the latest",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Long");
    for (let i = 1; i <= 130; i++) {
      await sendMessage(server.ctx.kv, ann.user, { conversationId: id, content: `line ${i}` });
    }
    const context = await signedInContext(browser, server.base, ben.cookie, {
      viewport: { width: 1000, height: 700 },
    });
    const page = await context.newPage();
    await page.goto(`${server.base}/conversations/${id}`);
    await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
    const seqs = () =>
      page.locator("li[data-seq]").evaluateAll((els) =>
        els.map((e) => Number(e.getAttribute("data-seq")))
      );

    await t.step("the page opens at the newest message, 50 of them", async () => {
      await page.getByTestId("messages").getByText("line 130", { exact: true }).waitFor();
      const shown = await seqs();
      assert.equal(shown.length, 50);
      assert.equal(shown[0], 81);
      const atEnd = await page.getByTestId("messages").evaluate((el) =>
        el.scrollHeight - el.scrollTop - el.clientHeight < 80
      );
      assert.ok(atEnd, "scrolled to the end");
    });

    await t.step("scrolling to the top loads the pages before, keeping the view", async () => {
      const anchor = page.locator("li[data-seq='81']");
      await page.getByTestId("messages").evaluate((el) => (el.scrollTop = 0));
      await page.locator("li[data-seq='31']").waitFor({ state: "attached" });
      // The message that was at the top is still in view after the page above it arrived.
      const box = await anchor.boundingBox();
      assert.ok(box && box.y > 0 && box.y < 700, `message 81 still on screen (${box?.y})`);
      await page.getByTestId("messages").evaluate((el) => (el.scrollTop = 0));
      await page.locator("li[data-seq='1']").waitFor({ state: "attached" });
      assert.deepEqual(await seqs(), Array.from({ length: 130 }, (_, i) => i + 1));
      await page.getByText("Load older messages").waitFor({ state: "detached" });
    });

    await t.step("reading old messages, a new one offers a jump to it", async () => {
      const res = await server.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: "fresh news" }, ann.cookie),
      );
      assert.equal(res.status, 201);
      // Screen readers hear it through the polite live region.
      await page.getByRole("log", { name: "New messages" }).getByText("Ann Lee: fresh news")
        .waitFor({ state: "attached" });
      const jump = page.getByRole("button", { name: "1 new message ↓" });
      await jump.waitFor();
      await jump.click();
      await page.waitForFunction(() => {
        const el = document.querySelector("[data-testid=messages]")!;
        return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
      });
      await page.getByRole("button", { name: /new message|Jump to latest/ }).waitFor({
        state: "detached",
      });
      assert.ok(await page.getByTestId("messages").getByText("fresh news").isVisible());
    });
  },
);
