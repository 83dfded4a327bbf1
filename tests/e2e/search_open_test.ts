/**
 * Opening a search result in Chromium: the page starts at that message (in view, highlighted)
 * instead of the newest, and stays there while the newer history arrives over the socket.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { annAndBen, browserTest, signedInContext } from "../support/browser.ts";
import { json } from "../support/helpers.ts";

/** Whether message `seq` is inside the visible part of the history. */
function inView(page: Page, seq: number): Promise<boolean> {
  return page.evaluate((seq) => {
    const box = document.querySelector("[data-testid=messages]")!.getBoundingClientRect();
    const row = document.querySelector(`li[data-seq="${seq}"]`)!.getBoundingClientRect();
    return row.top >= box.top && row.bottom <= box.bottom;
  }, seq);
}

browserTest(
  "a search result opens at its message, highlighted, not at the bottom",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Launch");
    for (let i = 1; i <= 120; i++) {
      const content = i === 20 ? "the zebra budget" : `update number ${i}`;
      const res = await server.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content }, (i % 2 ? ann : ben).cookie),
      );
      assert.equal(res.status, 201);
    }
    const context = await signedInContext(browser, server.base, ann.cookie, {
      viewport: { width: 1100, height: 700 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    await t.step("the result links to the message in context", async () => {
      await page.goto(`${server.base}/search?q=zebra`);
      await page.getByRole("link", { name: /zebra/ }).first().click();
      await page.waitForURL((u) => u.searchParams.get("around") === "20" && u.hash === "#m20");
      await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      await page.getByText("Live", { exact: true }).waitFor();
    });

    await t.step("message 20 is in view and highlighted once the newer ones arrived", async () => {
      // The page held 1–45; the socket's catch-up brings the rest below.
      await page.locator("li[data-seq='120']").waitFor({ state: "attached" });
      assert.ok(await inView(page, 20), "the result is in view");
      assert.equal(await inView(page, 120), false, "not scrolled to the newest");
      assert.equal(
        await page.locator("li[data-seq='20']").getAttribute("data-highlighted"),
        "true",
      );
      assert.equal(await page.locator("li[data-highlighted]").count(), 1);
      await page.getByRole("button", { name: /new messages|Jump to latest/ }).waitFor();
    });

    await t.step(
      "a plain #m link highlights too; without one the page opens at the end",
      async () => {
        await page.goto(`${server.base}/conversations/${id}#m100`);
        await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
        await page.locator("li[data-seq='100'][data-highlighted='true']").waitFor();
        assert.ok(await inView(page, 100));
        assert.equal(await inView(page, 120), false);
        await page.goto(`${server.base}/conversations/${id}`);
        await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
        await page.waitForFunction(() => {
          const el = document.querySelector("[data-testid=messages]")!;
          return el.scrollHeight - el.scrollTop - el.clientHeight < 2;
        });
        assert.equal(await page.locator("li[data-highlighted]").count(), 0);
      },
    );
    assert.deepEqual(errors, []);
  },
);
