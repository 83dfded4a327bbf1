/**
 * A history page without JavaScript (`?before=`, reached by "Load older messages") links to
 * the messages after it ("Newer messages"), page by page back to the newest, which has no
 * such link. With JavaScript the room fetches what is newer itself and the link goes.
 * Chromium at 375 and 1280 px; screenshots in test-output/newer_link/.
 */
import assert from "node:assert/strict";
import { sendMessage } from "../../lib/messages/mod.ts";
import { annAndBen, browserTest, screenshotsIn, signedInContext } from "../support/browser.ts";

const OUT = screenshotsIn("newer_link");

browserTest("a ?before= history page links to newer messages", async ({ server, browser }, t) => {
  const { ann, ben, id } = await annAndBen(server, "Long");
  for (let i = 1; i <= 110; i++) {
    await sendMessage(server.ctx.kv, ann.user, { conversationId: id, content: `line ${i}` });
  }
  for (const width of [375, 1280]) {
    await t.step(`${width} px without JavaScript`, async () => {
      const context = await signedInContext(browser, server.base, ben.cookie, {
        viewport: { width, height: 800 },
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      const seqs = () =>
        page.locator("li[data-seq]").evaluateAll((els) =>
          els.map((e) => Number(e.getAttribute("data-seq")))
        );
      const range = async () => {
        const shown = await seqs();
        return [shown[0], shown.at(-1)];
      };
      const newer = page.getByRole("link", { name: "Newer messages" });
      await page.goto(`${server.base}/conversations/${id}`);
      assert.deepEqual(await range(), [61, 110]);
      assert.equal(await newer.count(), 0, "the newest page has no newer link");
      await page.getByRole("link", { name: "Load older messages" }).click();
      await page.getByRole("link", { name: "Load older messages" }).click();
      await page.waitForURL(/before=11$/);
      assert.deepEqual(await range(), [1, 10]);
      await newer.scrollIntoViewIfNeeded();
      assert.ok(await newer.isVisible(), "the newer link is on screen");
      await page.screenshot({ path: `${OUT}oldest-${width}.png` });

      await newer.click();
      await page.waitForURL(/before=61$/);
      assert.deepEqual(await range(), [11, 60]);
      await newer.click();
      await page.waitForURL(`${server.base}/conversations/${id}`);
      assert.deepEqual(await range(), [61, 110]);
      assert.equal(await newer.count(), 0);
      await context.close();
    });
  }
  await t.step("with JavaScript the room fetches the newer ones and the link goes", async () => {
    const context = await signedInContext(browser, server.base, ben.cookie, {
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    await page.goto(`${server.base}/conversations/${id}?before=61`);
    await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
    await page.locator("li[data-seq='110']").waitFor({ state: "attached" });
    assert.equal(await page.getByRole("link", { name: "Newer messages" }).count(), 0);
    await context.close();
  });
});
