/**
 * Threads in Chromium, between two people: Ben replies in a thread from the message's
 * actions, Ann sees the parent's "1 reply" appear live and opens the thread beside the
 * conversation; Ann pins and saves a message; the thread works without JavaScript too, as a
 * page with a form; the Threads view lists it. Screenshots at 1280 and 375 px, light and
 * dark (test-output/threads/), and axe finds nothing serious.
 */
import assert from "node:assert/strict";
import {
  annAndBen,
  browserTest,
  forEachScreen,
  openChatPage,
  screenshotsIn,
  signedInContext,
} from "../support/browser.ts";
import { axeProblems, overflow } from "../support/pages.ts";
import { say } from "../support/talk.ts";

const OUT = screenshotsIn("threads");

browserTest(
  "a reply in a thread shows live on its parent, opens beside the conversation, and works without JavaScript",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Launch plan");
    const question = await say(server, ann.cookie, id, "Who writes the release notes?");
    await say(server, ben.cookie, id, "Deploy window is 5 pm.");

    const errors: string[] = [];
    const annPage = await openChatPage(browser, server.base, ann.cookie, {
      path: `/conversations/${id}`,
      errors,
    });
    const benPage = await openChatPage(browser, server.base, ben.cookie, {
      path: `/conversations/${id}`,
      errors,
    });
    const problems: string[] = [];

    await t.step("Ben replies in a thread; Ann sees the count change live", async () => {
      const row = benPage.getByTestId("messages").locator(`li[data-seq='${question.seq}']`);
      await row.hover();
      await row.getByRole("button", { name: "Reply in thread" }).click();
      const panel = benPage.getByRole("complementary", { name: "Thread" });
      await panel.waitFor();
      assert.match(benPage.url(), new RegExp(`\\?thread=${question.seq}`));
      await panel.getByText("Who writes the release notes?").waitFor();
      const composer = panel.getByRole("textbox", { name: "Reply" });
      await composer.fill("I will, by noon.");
      await composer.press("Enter");
      await panel.locator("li[data-seq]", { hasText: "I will, by noon." }).waitFor();
      // Not in Ben's main history: in the thread only.
      const main = benPage.getByTestId("messages");
      assert.equal(await main.locator("li[data-seq]", { hasText: "I will, by noon." }).count(), 0);
      await main.locator(`[data-thread-summary='${question.seq}']`, { hasText: "1 reply" })
        .waitFor();

      const summary = annPage.getByTestId("messages").locator(
        `[data-thread-summary='${question.seq}']`,
      );
      await summary.getByText("1 reply").waitFor();
      assert.equal(
        await annPage.getByTestId("messages").locator("li", { hasText: "I will, by noon." })
          .count(),
        0,
        "a reply is not shown in the conversation's history",
      );
    });

    await t.step("Ann opens the thread and answers, also to the conversation", async () => {
      await annPage.getByTestId("messages").locator(`[data-thread-summary='${question.seq}']`)
        .click();
      const panel = annPage.getByRole("complementary", { name: "Thread" });
      await panel.locator("li[data-seq]", { hasText: "I will, by noon." }).waitFor();
      await panel.getByLabel(/Also send to/).check();
      const composer = panel.getByRole("textbox", { name: "Reply" });
      await composer.fill("Thanks @ben!");
      await composer.press("Enter");
      await panel.locator("li[data-seq]", { hasText: "Thanks @ben!" }).waitFor();
      // Sent to the conversation too: in the history as well.
      await annPage.getByTestId("messages").locator("li[data-seq]", { hasText: "Thanks @ben!" })
        .waitFor();
      await benPage.getByTestId("messages").locator(`[data-thread-summary='${question.seq}']`)
        .getByText("2 replies")
        .waitFor();
      await annPage.getByTestId("messages").locator(`[data-thread-summary='${question.seq}']`)
        .getByText("2 replies")
        .waitFor();
    });

    await t.step("screenshots of the open thread, and axe", async () => {
      await forEachScreen(annPage, async (s) => {
        await annPage.waitForTimeout(150);
        await annPage.screenshot({
          path: `${OUT}thread-${s.width}-${s.colorScheme}.png`,
        });
        const wide = await overflow(annPage);
        if (wide > 1) problems.push(`thread ${s.width}: ${wide}px too wide`);
        if (s.width === 1280) {
          problems.push(...await axeProblems(annPage, `thread ${s.colorScheme}`));
        }
      });
      await annPage.setViewportSize({ width: 1100, height: 760 });
    });

    await t.step("closing the thread; ?thread= opens it again", async () => {
      await annPage.getByRole("link", { name: "Close thread" }).click();
      await annPage.getByRole("complementary", { name: "Thread" }).waitFor({ state: "detached" });
      assert.doesNotMatch(annPage.url(), /thread=/);
      await annPage.goto(`${server.base}/conversations/${id}?thread=${question.seq}`);
      await annPage.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      await annPage.getByRole("complementary", { name: "Thread" })
        .locator("li[data-seq]", { hasText: "I will, by noon." }).waitFor();
    });

    await t.step("Ann pins and saves a message; Ben sees the pin live", async () => {
      await annPage.goto(`${server.base}/conversations/${id}`);
      await annPage.getByText("Live", { exact: true }).waitFor();
      const row = annPage.getByTestId("messages").locator(`li[data-seq='${question.seq}']`);
      await row.hover();
      await row.getByRole("button", { name: "Pin", exact: true }).click();
      await benPage.getByTestId("messages").locator(`li[data-seq='${question.seq}'] [data-pinned]`)
        .waitFor();
      await row.locator("[data-pinned]").waitFor();
      await row.hover();
      const put = annPage.waitForResponse((r) =>
        r.url().includes("/api/saved/") && r.request().method() === "PUT"
      );
      await row.getByRole("button", { name: "Save", exact: true }).click();
      assert.equal((await put).status(), 204);
      await row.getByRole("button", { name: "Unsave" }).waitFor({ state: "attached" });
      const saved = await (await server.fetch("/api/saved", { headers: { cookie: ann.cookie } }))
        .json();
      assert.equal(saved.items?.[0]?.message?.seq, question.seq);
      // After a reload the room knows which messages are yours saved: Unsave on this one.
      await annPage.reload();
      await annPage.getByText("Live", { exact: true }).waitFor();
      await row.hover();
      await row.getByRole("button", { name: "Unsave" }).waitFor({ state: "attached" });
      await forEachScreen(benPage, async (s) => {
        await benPage.screenshot({ path: `${OUT}pinned-${s.width}-${s.colorScheme}.png` });
      }, [{ width: 375, height: 812, colorScheme: "light" }]);
    });

    await t.step("without JavaScript: the thread is a page with a working form", async () => {
      const context = await signedInContext(browser, server.base, ben.cookie, {
        viewport: { width: 375, height: 812 },
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      await page.goto(`${server.base}/conversations/${id}`);
      // Reply in thread: the toolbar's form opens ?thread=.
      await page.locator(`li[data-seq='${question.seq}']`).getByRole("button", {
        name: "Reply in thread",
      }).click();
      const panel = page.getByRole("complementary", { name: "Thread" });
      await panel.locator("li[data-seq]", { hasText: "I will, by noon." }).waitFor();
      await panel.getByRole("textbox", { name: "Reply" }).fill("Notes are in the doc.");
      await panel.getByRole("button", { name: "Send" }).click();
      await page.waitForLoadState();
      const back = page.getByRole("complementary", { name: "Thread" });
      await back.locator("li[data-seq]", { hasText: "Notes are in the doc." }).waitFor();
      await page.screenshot({ path: `${OUT}nojs-thread-375-light.png` });
      // Its own page, too.
      await page.goto(`${server.base}/conversations/${id}/threads/${question.seq}`);
      await page.locator("li[data-seq]", { hasText: "Notes are in the doc." }).waitFor();
      await page.screenshot({ path: `${OUT}nojs-thread-page-375-light.png` });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.screenshot({ path: `${OUT}nojs-thread-page-1280-light.png` });
      await context.close();
    });

    await t.step("the Threads view lists the thread, and the sidebar links to it", async () => {
      const context = await signedInContext(browser, server.base, ann.cookie, {
        viewport: { width: 1280, height: 800 },
      });
      const page = await context.newPage();
      await page.goto(`${server.base}/threads`);
      await page.getByRole("link", { name: /Threads/ }).first().waitFor();
      await page.locator("[data-thread-item]", { hasText: "Who writes the release notes?" })
        .waitFor();
      await forEachScreen(page, async (s) => {
        await page.screenshot({ path: `${OUT}threads-view-${s.width}-${s.colorScheme}.png` });
        const wide = await overflow(page);
        if (wide > 1) problems.push(`threads view ${s.width}: ${wide}px too wide`);
        if (s.width === 1280) {
          problems.push(...await axeProblems(page, `threads view ${s.colorScheme}`));
        }
      });
      await context.close();
    });

    assert.deepEqual(problems, []);
    assert.deepEqual(errors, []);
  },
);
