/**
 * The chat page's parts loaded when first opened (issue 21's JavaScript budget), in
 * Chromium: the page does not ask for the thread panel's chunk until a thread opens; then it
 * loads once, shows the thread and replies in it; a page whose address opens a thread
 * (`?thread=`) keeps the server's panel while the chunk loads and then works as one. The
 * composer's pickers (`/`, `@`), the New conversation dialog and the search box's
 * suggestions likewise.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { annAndBen, browserTest, signedInContext } from "../support/browser.ts";
import { say } from "../support/talk.ts";

/** The built thread panel's chunk (lib/web/assets.ts builds islands/thread/thread_panel.tsx). */
const THREAD_CHUNK = /\/thread_panel-[\w-]+\.js$/;
const PICKERS_CHUNK = /\/pickers-[\w-]+\.js$/;
const DIALOG_CHUNK = /\/new_conversation_dialog-[\w-]+\.js$/;
const SUGGESTIONS_CHUNK = /\/SuggestionList-[\w-]+\.js$/;
/** A project's file manager: not the chat page's at all. */
const FILES_CHUNK = /\/file_manager-[\w-]+\.js$/;

/**
 * A signed-in page at the tests' size that keeps its errors and the paths of the scripts it
 * asks for; `loaded(chunk)`: how many of those are `chunk`'s.
 */
async function watchedPage(browser: Browser, base: string, cookie: string) {
  const context = await signedInContext(browser, base, cookie, {
    viewport: { width: 1100, height: 760 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const scripts: string[] = [];
  page.on("request", (r) => {
    if (r.resourceType() === "script") scripts.push(new URL(r.url()).pathname);
  });
  const loaded = (chunk: RegExp) => scripts.filter((s) => chunk.test(s)).length;
  return { context, page, errors, scripts, loaded };
}

browserTest(
  "the thread panel's code loads when a thread first opens, not with the chat page",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Launch plan");
    const question = await say(server, ann.cookie, id, "Who writes the release notes?");
    const other = await say(server, ben.cookie, id, "Deploy window is 5 pm.");
    const { context, page, errors, scripts, loaded } = await watchedPage(
      browser,
      server.base,
      ann.cookie,
    );

    await t.step("the chat page goes live without the thread's chunk", async () => {
      await page.goto(`${server.base}/conversations/${id}`);
      await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      await page.getByText("Live", { exact: true }).waitFor();
      assert.ok(scripts.some((s) => s.endsWith("/app.js")), scripts.join(" "));
      assert.equal(loaded(THREAD_CHUNK), 0, scripts.join(" "));
    });

    await t.step("opening a thread loads it once; it shows the thread and replies", async () => {
      const row = page.getByTestId("messages").locator(`li[data-seq='${question.seq}']`);
      await row.hover();
      await row.getByRole("button", { name: "Reply in thread" }).click();
      const panel = page.getByRole("complementary", { name: "Thread" });
      await panel.getByText("Who writes the release notes?").waitFor();
      assert.equal(loaded(THREAD_CHUNK), 1, scripts.join(" "));
      const composer = panel.getByRole("textbox", { name: "Reply" });
      await composer.fill("I will, by noon.");
      await composer.press("Enter");
      await panel.locator("li[data-seq]", { hasText: "I will, by noon." }).waitFor();
      await page.getByTestId("messages").locator(
        `[data-thread-summary='${question.seq}']`,
        { hasText: "1 reply" },
      ).waitFor();

      // Another thread opens at once, from the code already loaded.
      await panel.getByRole("link", { name: "Close thread" }).click();
      await panel.waitFor({ state: "detached" });
      const second = page.getByTestId("messages").locator(`li[data-seq='${other.seq}']`);
      await second.hover();
      await second.getByRole("button", { name: "Reply in thread" }).click();
      await panel.getByText("Deploy window is 5 pm.").waitFor();
      assert.equal(loaded(THREAD_CHUNK), 1, scripts.join(" "));
    });

    await t.step("a page that opens a thread keeps the server's panel, then it works", async () => {
      const fresh = await context.newPage();
      fresh.on("pageerror", (e) => errors.push(e.message));
      await fresh.goto(`${server.base}/conversations/${id}?thread=${question.seq}`);
      const panel = fresh.getByRole("complementary", { name: "Thread" });
      // The server's markup: the thread is there before any script has run.
      await panel.getByText("I will, by noon.").waitFor();
      await fresh.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      await fresh.getByText("Live", { exact: true }).waitFor();
      // Beside the conversation, as wide as the stylesheet makes it (md:w-96), at the right.
      const box = await panel.boundingBox();
      assert.deepEqual([box?.x, box?.width], [1100 - 384, 384]);
      await fresh.locator("#thread[data-hydrated]").waitFor();
      const composer = panel.getByRole("textbox", { name: "Reply" });
      await composer.fill("Thanks!");
      await composer.press("Enter");
      await panel.locator("li[data-seq]", { hasText: "Thanks!" }).waitFor();
      assert.equal(await panel.locator("li[data-seq]", { hasText: "Thanks!" }).count(), 1);
      await fresh.keyboard.press("Escape");
      await panel.waitFor({ state: "detached" });
    });

    await t.step(
      "what is typed into the server's reply box while the chunk loads is kept",
      async () => {
        // A new context (no cached chunk) whose thread chunk waits until released.
        const slow = await watchedPage(browser, server.base, ann.cookie);
        let release = () => {};
        const held = new Promise<void>((r) => release = r);
        await slow.page.route(THREAD_CHUNK, async (route) => {
          await held;
          await route.continue();
        });
        await slow.page.goto(`${server.base}/conversations/${id}?thread=${question.seq}`);
        await slow.page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
        const box = slow.page.locator("#thread-composer");
        await box.click();
        await box.pressSequentially("typed while it loaded");
        assert.equal(await slow.page.locator("#thread[data-hydrated]").count(), 0, "still loading");
        release();
        await slow.page.locator("#thread[data-hydrated]").waitFor();
        const composer = slow.page.getByRole("complementary", { name: "Thread" })
          .getByRole("textbox", { name: "Reply" });
        assert.equal(await composer.inputValue(), "typed while it loaded");
        assert.ok(await composer.evaluate((el) => el === document.activeElement), "still focused");
        await slow.page.keyboard.press("Enter");
        await slow.page.getByRole("complementary", { name: "Thread" })
          .locator("li[data-seq]", { hasText: "typed while it loaded" }).waitFor();
        assert.deepEqual(slow.errors, []);
        await slow.context.close();
      },
    );

    assert.deepEqual(errors, []);
    await context.close();
  },
);

browserTest(
  "the composer's pickers, New conversation's dialog and search suggestions load when first used",
  async ({ server, browser }, t) => {
    const { ann, id } = await annAndBen(server, "Launch plan");
    const { context, page, errors, scripts, loaded } = await watchedPage(
      browser,
      server.base,
      ann.cookie,
    );
    await page.goto(`${server.base}/conversations/${id}`);
    await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
    assert.deepEqual(
      [PICKERS_CHUNK, DIALOG_CHUNK, SUGGESTIONS_CHUNK, FILES_CHUNK].map(loaded),
      [0, 0, 0, 0],
      scripts.join(" "),
    );
    const composer = page.getByLabel("Message", { exact: true });

    await t.step("typing / loads the pickers: the commands, then the people", async () => {
      await composer.pressSequentially("/sh");
      const commands = page.getByRole("listbox", { name: "Commands" });
      await commands.getByRole("option", { name: /\/shrug/ }).waitFor();
      assert.equal(await composer.getAttribute("aria-activedescendant"), "composer-commands-shrug");
      await composer.press("Escape");
      await commands.waitFor({ state: "detached" });
      await composer.fill("");
      await composer.pressSequentially("Hi @be");
      const people = page.getByRole("listbox", { name: "People to mention" });
      await people.getByRole("option", { name: /Ben Ode/ }).waitFor();
      await composer.press("Enter");
      assert.equal(await composer.inputValue(), "Hi @ben ");
      assert.equal(loaded(PICKERS_CHUNK), 1, scripts.join(" "));
    });

    await t.step("New conversation loads its dialog on the first press", async () => {
      await page.getByRole("button", { name: "New conversation" }).click();
      const dialog = page.getByRole("dialog", { name: "New conversation" });
      await dialog.getByRole("button", { name: /Ben Ode/ }).waitFor();
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "hidden" });
      await page.getByRole("button", { name: "New conversation" }).click();
      await dialog.getByRole("searchbox", { name: "Search people" }).waitFor();
      assert.equal(loaded(DIALOG_CHUNK), 1, scripts.join(" "));
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await dialog.waitFor({ state: "hidden" });
    });

    await t.step("the sidebar's search box loads its list as it first suggests", async () => {
      const side = page.locator("#sidebar-search");
      await side.click();
      await side.pressSequentially("fr");
      const list = page.getByRole("listbox", { name: "Search suggestions" });
      await list.getByRole("option", { name: /from:/ }).waitFor();
      assert.equal(await side.getAttribute("aria-expanded"), "true");
      assert.equal(await side.getAttribute("aria-controls"), "sidebar-search-suggestions");
      assert.equal(loaded(SUGGESTIONS_CHUNK), 1, scripts.join(" "));
    });

    assert.deepEqual(errors, []);
    await context.close();
  },
);
