/**
 * The chat page's one message toolbar (components/live_bar.tsx), in Chromium: with
 * JavaScript, the server's per-message toolbars are noscript text and the page has one live
 * toolbar, on the message hovered or focused by keyboard, acting on that message; without
 * JavaScript, every message has its toolbar form, as before.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { annAndBen, browserTest, openChatPage } from "../support/browser.ts";
import { say } from "../support/talk.ts";

const BAR = '[role=toolbar][aria-label="Message actions"]';

/** How many toolbar elements the live DOM holds, and in which rows (by seq). */
function bars(page: Page) {
  return page.locator(BAR).evaluateAll((els) =>
    els.map((el) => Number(el.closest("li[data-seq]")?.getAttribute("data-seq")))
  );
}

browserTest(
  "one toolbar with JavaScript, one per message without",
  async ({ server, browser }, t) => {
    const { ann, ben, id } = await annAndBen(server, "Launch");
    await say(server, ann.cookie, id, "first, from Ann");
    await say(server, ben.cookie, id, "second, from Ben");
    await say(server, ann.cookie, id, "third, from Ann");
    await say(server, ben.cookie, id, "fourth, from Ben");
    const errors: string[] = [];
    const path = `/conversations/${id}`;

    await t.step(
      "the server's page holds a toolbar for every message, inside noscript",
      async () => {
        const html = await (await server.fetch(path, { headers: { cookie: ann.cookie } })).text();
        const inNoscript = html.match(
          /<noscript><form action="#m\d+" role="toolbar" aria-label="Message actions"/g,
        );
        assert.equal(inNoscript?.length, 4);
        assert.equal(html.match(/role="toolbar" aria-label="Message actions"/g)?.length, 4);
      },
    );

    await t.step("with JavaScript: one toolbar, on the hovered message, acting on it", async () => {
      const page = await openChatPage(browser, server.base, ann.cookie, { path, errors });
      const row = (seq: number) => page.getByTestId("messages").locator(`li[data-seq='${seq}']`);
      assert.deepEqual(await bars(page), [], "none until a message is pointed at");
      await row(2).hover();
      await row(2).locator(BAR).waitFor();
      assert.deepEqual(await bars(page), [2]);
      // Ben wrote the second: no Edit on it; Ann wrote the third.
      assert.equal(await row(2).getByRole("button", { name: "Edit" }).count(), 0);
      await row(3).hover();
      await row(3).getByRole("button", { name: "Edit" }).waitFor();
      assert.deepEqual(await bars(page), [3]);
      await row(3).getByRole("button", { name: "Pin", exact: true }).click();
      await row(3).locator("[data-pinned]").waitFor();
      for (const seq of [1, 2, 4]) assert.equal(await row(seq).locator("[data-pinned]").count(), 0);
      await row(3).hover();
      await row(3).getByRole("button", { name: "Unpin" }).waitFor();
      assert.equal((await bars(page)).length, 1);
      // The pinned colour, as the server renders it for a pinned message.
      const pin = row(3).getByRole("button", { name: "Unpin" }).locator("svg");
      assert.match((await pin.getAttribute("class")) ?? "", /text-amber-600/);

      // Off the messages, and focus in the composer: no toolbar (while the clicked Unpin kept
      // focus, its message's toolbar stayed, as a focused one always has).
      await page.getByLabel("Message", { exact: true }).click();
      await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 0, BAR);
      await page.context().close();
    });

    await t.step("by keyboard: Tab from a message reaches its tools", async () => {
      const page = await openChatPage(browser, server.base, ben.cookie, { path, errors });
      const row = (seq: number) => page.getByTestId("messages").locator(`li[data-seq='${seq}']`);
      // A message takes focus (as Tab gives it); Tab from there goes to its tools.
      await row(1).focus();
      await page.keyboard.press("Tab");
      const react = row(1).getByRole("button", { name: "React", exact: true });
      assert.ok(await react.evaluate((el) => el === document.activeElement), "React focused");
      assert.deepEqual(await bars(page), [1]);
      const bar = row(1).locator(BAR);
      assert.equal(await bar.evaluate((el) => getComputedStyle(el).opacity), "1");
      // On through its tools (Ben's first is Ann's: React, Reply, Pin, Save) to the next message.
      for (let i = 0; i < 4; i++) await page.keyboard.press("Tab");
      assert.ok(await row(2).evaluate((el) => el === document.activeElement), "second message");
      await row(2).locator(BAR).waitFor();
      assert.deepEqual(await bars(page), [2]);
      await page.keyboard.press("Tab");
      const labels = await row(2).locator(`${BAR} button`).evaluateAll((els) =>
        els.map((el) => el.getAttribute("aria-label"))
      );
      assert.deepEqual(labels, ["React", "Reply in thread", "Pin", "Save", "Edit", "Delete"]);
      // The palette, and Escape closing it back to React.
      await page.keyboard.press("Enter");
      const thumbs = row(2).getByRole("button", { name: "React with 👍" });
      assert.ok(await thumbs.evaluate((el) => el === document.activeElement), "palette focused");
      await page.keyboard.press("Escape");
      await thumbs.waitFor({ state: "detached" });
      const react2 = row(2).getByRole("button", { name: "React", exact: true });
      assert.ok(await react2.evaluate((el) => el === document.activeElement), "back on React");
      // Save acts on this message: Ben's saved messages hold the second.
      await row(2).getByRole("button", { name: "Save", exact: true }).focus();
      await page.keyboard.press("Enter");
      await row(2).getByRole("button", { name: "Unsave" }).waitFor();
      const saved = await (await server.fetch("/api/saved", { headers: { cookie: ben.cookie } }))
        .json();
      assert.deepEqual(saved.items.map((i: { message: { seq: number } }) => i.message.seq), [2]);
      await page.context().close();
    });

    await t.step(
      "an address that opens a palette (?react=) opens it on the one toolbar",
      async () => {
        const page = await openChatPage(browser, server.base, ben.cookie, {
          path: `${path}?react=3`,
          errors,
        });
        const row = (seq: number) => page.getByTestId("messages").locator(`li[data-seq='${seq}']`);
        const thumbs = row(3).getByRole("button", { name: "React with 👍" });
        await thumbs.waitFor();
        assert.deepEqual(await bars(page), [3]);
        await page.waitForFunction(() =>
          document.activeElement?.getAttribute("aria-label") === "React with 👍"
        );
        await page.keyboard.press("Escape");
        await thumbs.waitFor({ state: "detached" });
        // Once closed, it does not open again as the toolbar comes back to the message.
        await row(1).hover();
        await row(1).locator(BAR).waitFor();
        await row(3).hover();
        await row(3).getByRole("button", { name: "React", exact: true }).waitFor();
        assert.equal(await row(3).getByRole("group", { name: "Quick reactions" }).count(), 0);
        await page.context().close();
      },
    );

    await t.step("on a phone, tapping a message shows its tools", async () => {
      const page = await openChatPage(browser, server.base, ann.cookie, {
        path,
        errors,
        context: { viewport: { width: 375, height: 812 }, hasTouch: true, isMobile: true },
      });
      const row = (seq: number) => page.getByTestId("messages").locator(`li[data-seq='${seq}']`);
      await row(4).locator(".markdown").tap();
      await row(4).locator(BAR).waitFor();
      assert.deepEqual(await bars(page), [4]);
      await row(2).locator(".markdown").tap();
      await row(2).locator(BAR).waitFor();
      assert.deepEqual(await bars(page), [2]);
      assert.equal(await row(2).locator(BAR).evaluate((el) => getComputedStyle(el).opacity), "1");
      await page.context().close();
    });

    await t.step("without JavaScript: every message has its toolbar form", async () => {
      const page = await openChatPage(browser, server.base, ann.cookie, {
        path,
        context: { javaScriptEnabled: false },
      });
      assert.deepEqual(await bars(page), [1, 2, 3, 4]);
      for (const seq of [1, 2, 3, 4]) {
        const row = page.locator(`li[data-seq='${seq}']`);
        await row.hover();
        const buttons = await row.locator(`${BAR} button`).evaluateAll((els) =>
          els.map((el) => el.getAttribute("aria-label"))
        );
        const own = seq % 2 === 1 ? ["Edit", "Delete"] : [];
        const pin = seq === 3 ? "Unpin" : "Pin";
        assert.deepEqual(buttons, ["React", "Reply in thread", pin, "Save", ...own]);
        assert.equal(
          await row.locator(BAR).evaluate((el) => getComputedStyle(el).opacity),
          "1",
          "shown on hover",
        );
      }
      // Pin still posts its form (and comes back to the message).
      const row4 = page.locator("li[data-seq='4']");
      await row4.hover();
      await row4.getByRole("button", { name: "Pin", exact: true }).click();
      await page.waitForURL((u) => u.hash === "#m4");
      await page.locator("li[data-seq='4'] [data-pinned]").waitFor();
      await page.context().close();
    });
    assert.deepEqual(errors, []);
  },
);
