/**
 * Notification settings in Chromium (issue 18): muting from the conversation header dims
 * the conversation in the sidebar, leaves it out of the tab title's count (its unread count
 * stays exact) and holds back the in-tab notification; do-not-disturb from the sidebar's
 * menu holds back every in-tab notification until resumed; both hold after a reload, and
 * both work as plain forms without JavaScript. Screenshots at 1280 and 375 px, light and
 * dark, with no serious axe violation (test-output/notify_prefs/).
 */
import AxeBuilder from "@axe-core/playwright";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest, forEachScreen, screenshotsIn, signedInContext } from "../support/browser.ts";
import { createConversationVia, json, registerUser, withCookie } from "../support/helpers.ts";
import { nthShown, recordNotifications, shownCount } from "../support/notifications.ts";

const OUT = screenshotsIn("notify_prefs");

type Server = Parameters<Parameters<typeof browserTest>[1]>[0]["server"];

async function say(server: Server, cookie: string, id: string, content: string) {
  const res = await server.fetch(
    `/api/conversations/${id}/messages`,
    json("POST", { content }, cookie),
  );
  assert.equal(res.status, 201, await res.clone().text());
}

/** The titles of the notifications the page made (recorded, not shown: notifications.ts). */
const shown = (page: Page) =>
  page.evaluate(() =>
    (globalThis as unknown as { shown: { title: string }[] }).shown.map((s) => s.title)
  );

browserTest(
  "mute from the header, do-not-disturb from the sidebar: dimmed, out of the count, quiet",
  async ({ server, browser }, t) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const ben = await registerUser(server, { username: "benjamin", displayName: "Ben Ode" });
    const cat = await registerUser(server, { username: "cat", displayName: "Cat Ng" });
    const launch = await createConversationVia(server, ann.cookie, [ben.user, cat.user], "Launch");
    const other = await createConversationVia(server, ann.cookie, [ben.user, cat.user], "Design");
    const home = await createConversationVia(server, ann.cookie, [ben.user], "Quiet corner");

    const context = await signedInContext(browser, server.base, ben.cookie, {
      viewport: { width: 1280, height: 800 },
    });
    // Records notifications instead of showing them; the tab reports "hidden" (as one in
    // the background does), so the list would notify.
    await recordNotifications(context, server.base, { hidden: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const open = async (id: string) => {
      await page.goto(`${server.base}/conversations/${id}`);
      // Attached, not visible: a phone shows the chat without the sidebar.
      const hydrated = (name: string) =>
        page.locator(`[data-island=${name}][data-hydrated]`).waitFor({ state: "attached" });
      await hydrated("ChatRoom");
      await hydrated("ConversationList");
      await hydrated("DndMenu");
      await page.getByText("Live", { exact: true }).waitFor();
    };
    const row = (name: string) => page.getByRole("link", { name: new RegExp(name) });

    await t.step("the header's bell mutes the conversation; the sidebar marks it", async () => {
      await open(launch);
      const menu = page.getByTestId("notify-menu");
      await menu.locator("summary").click();
      await menu.getByRole("button", { name: /Mentions only/ }).waitFor();
      assert.equal(
        await menu.getByRole("button", { name: /Mentions only/ }).getAttribute("aria-pressed"),
        "true",
        "a group's default is mentions",
      );
      await menu.getByRole("button", { name: /Mute conversation/ }).click();
      await menu.getByRole("button", { name: /Unmute conversation/ }).waitFor();
      await row("Launch").and(page.locator("[data-muted=true]")).waitFor();
      const stored = await (await server.fetch(
        `/api/conversations/${launch}/notifications`,
        withCookie(ben.cookie),
      )).json();
      assert.deepEqual(stored, { level: "mentions", muted: true });
    });

    await t.step(
      "elsewhere, the muted one is dimmed, counted exactly, not in the title",
      async () => {
        await open(home);
        const launchRow = row("Launch");
        assert.equal(await launchRow.getAttribute("data-muted"), "true");
        // Dimmed: its name grey (slate-400), not bold even with unread messages.
        const color = await launchRow.evaluate((a) => getComputedStyle(a).color);
        assert.equal(color, "rgb(148, 163, 184)");
        await say(server, ann.cookie, launch, "first");
        await say(server, ann.cookie, launch, "second, @benjamin");
        await launchRow.getByLabel("2 unread").waitFor();
        await launchRow.getByLabel("1 mention").waitFor();
        assert.doesNotMatch(await page.title(), /^\(/, "muted: not in the title's count");
        // Dimmed, still readable: no serious axe finding on the sidebar.
        const axe = await new AxeBuilder({ page }).include("aside").analyze();
        const serious = axe.violations.filter((v) =>
          v.impact === "serious" || v.impact === "critical"
        );
        assert.deepEqual(serious.map((v) => `${v.id} at ${v.nodes[0]?.target.join(" ")}`), []);
        // A conversation that is not muted counts, and its mention notifies.
        await say(server, ann.cookie, other, "hello @benjamin");
        await row("Design").getByLabel("1 unread").waitFor();
        await page.waitForFunction(() => document.title.startsWith("(1) "));
        await nthShown(page);
        assert.deepEqual(await shown(page), ["Ann Lee mentioned you in Design"]);
      },
    );

    await t.step("do-not-disturb from the sidebar: shown while on, no in-tab notice", async () => {
      const dnd = page.getByTestId("dnd-menu");
      await dnd.locator("summary").click();
      await dnd.getByRole("button", { name: "For 1 hour" }).click();
      await page.locator("[data-testid=dnd-menu][data-dnd=on]").waitFor();
      await dnd.getByText(/Do not disturb until (\w{3} )?\d\d:\d\d/).waitFor();
      const { until } = await (await server.fetch("/api/me/dnd", withCookie(ben.cookie))).json();
      const ms = Date.parse(until) - Date.now();
      assert.ok(ms > 55 * 60_000 && ms <= 60 * 60_000, `${ms}`);
      await say(server, ann.cookie, other, "again @benjamin");
      await row("Design").getByLabel("2 unread").waitFor();
      await page.waitForFunction(() => document.title.startsWith("(2) "));
      assert.equal(await shownCount(page), 1, "nothing while do-not-disturb is on");
    });

    await t.step("after a reload both hold (the server's payload)", async () => {
      await open(home);
      assert.equal(await row("Launch").getAttribute("data-muted"), "true");
      await row("Launch").getByLabel("2 unread").waitFor();
      await page.locator("[data-testid=dnd-menu][data-dnd=on]").waitFor();
      await page.waitForFunction(() => document.title.startsWith("(2) "));
      await say(server, ann.cookie, other, "third @benjamin");
      await row("Design").getByLabel("3 unread").waitFor();
      assert.deepEqual(await shown(page), []);
    });

    await t.step("screenshots: the sidebar and the header's menu, four looks", async () => {
      const problems: string[] = [];
      await forEachScreen(page, async (s) => {
        const name = `${s.width}-${s.colorScheme}`;
        if (s.width < 768) {
          // A phone shows the list on the home page, the chat elsewhere.
          await page.goto(`${server.base}/`);
          await page.locator("[data-island=DndMenu][data-hydrated]").waitFor();
          await page.getByTestId("dnd-menu").locator("summary").click();
          await page.screenshot({ path: `${OUT}sidebar-${name}.png` });
          await open(launch);
        } else {
          await open(launch);
          await page.getByTestId("dnd-menu").locator("summary").click();
          // The row's mute button shows on hover.
          await row("Design").hover();
          await page.screenshot({ path: `${OUT}sidebar-${name}.png` });
          await page.getByTestId("dnd-menu").locator("summary").click();
        }
        await page.getByTestId("notify-menu").locator("summary").click();
        await page.getByRole("button", { name: /Unmute conversation/ }).waitFor();
        await page.screenshot({ path: `${OUT}header-${name}.png` });
        // axe where both the sidebar and the header show (it is slow).
        if (s.width < 768) {
          return void await page.getByTestId("notify-menu").locator("summary").click();
        }
        const axe = await new AxeBuilder({ page }).analyze();
        problems.push(
          ...axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${name}: ${v.id} at ${v.nodes[0]?.target.join(" ")}`),
        );
        await page.getByTestId("notify-menu").locator("summary").click();
      });
      assert.deepEqual(problems, []);
    });

    await t.step("resume and unmute: notices and the count come back", async () => {
      await page.setViewportSize({ width: 1280, height: 800 });
      await open(home);
      const dnd = page.getByTestId("dnd-menu");
      await dnd.locator("summary").click();
      await dnd.getByRole("button", { name: "Resume notifications" }).click();
      await page.locator("[data-testid=dnd-menu][data-dnd=off]").waitFor();
      await say(server, ann.cookie, other, "back @benjamin");
      await nthShown(page);
      assert.deepEqual(await shown(page), ["Ann Lee mentioned you in Design"]);
      // Unmuted from the API (another tab, say): after a reload Launch counts again.
      await server.fetch(
        `/api/conversations/${launch}/notifications`,
        json("PUT", { level: "nothing", muted: false }, ben.cookie),
      );
      await open(home);
      assert.equal(await row("Launch").getAttribute("data-muted"), null);
      // Design's 4 (Launch was read when the screenshots opened it).
      await page.waitForFunction(() => document.title.startsWith("(4) "));
      // Level "nothing": a mention there is counted, not notified.
      await say(server, ann.cookie, launch, "and @benjamin once more");
      await row("Launch").getByLabel("1 unread").waitFor();
      await page.waitForFunction(() => document.title.startsWith("(5) "));
      assert.deepEqual(await shown(page), []);
    });
    await t.step("the sidebar's row mutes and unmutes too (shown on hover)", async () => {
      const button = page.getByRole("button", { name: "Mute Design" });
      await row("Design").hover();
      await button.click();
      await row("Design").and(page.locator("[data-muted=true]")).waitFor();
      // Design's 4 leave the count; Launch's 1 stays.
      await page.waitForFunction(() => document.title.startsWith("(1) "));
      const stored = await (await server.fetch(
        `/api/conversations/${other}/notifications`,
        withCookie(ben.cookie),
      )).json();
      assert.deepEqual(stored, { level: "mentions", muted: true });
      await row("Design").hover();
      await page.getByRole("button", { name: "Unmute Design" }).click();
      await page.waitForFunction(() => document.title.startsWith("(5) "));
      assert.equal(await row("Design").getAttribute("data-muted"), null);
      // The open conversation's bell follows a change made from its row.
      await open(launch);
      await row("Launch").hover();
      await page.getByRole("button", { name: "Mute Launch" }).click();
      await page.getByTestId("notify-menu").locator("summary[data-muted=true]").waitFor();
      await server.fetch(
        `/api/conversations/${launch}/notifications`,
        json("PUT", { level: "nothing", muted: false }, ben.cookie),
      );
    });
    await t.step("another tab of the browser follows at once", async () => {
      await open(home);
      const other = await context.newPage();
      other.on("pageerror", (e) => errors.push(e.message));
      await other.goto(`${server.base}/conversations/${home}`);
      await other.locator("[data-island=ConversationList][data-hydrated]").waitFor();
      await other.locator("[data-island=DndMenu][data-hydrated]").waitFor();
      await row("Design").hover();
      await page.getByRole("button", { name: "Mute Design" }).click();
      await other.locator("a[data-muted=true]", { hasText: "Design" }).waitFor();
      await page.getByTestId("dnd-menu").locator("summary").click();
      await page.getByTestId("dnd-menu").getByRole("button", { name: "For 30 minutes" }).click();
      await other.locator("[data-testid=dnd-menu][data-dnd=on]").waitFor();
      // And back, from the other tab.
      await other.getByTestId("dnd-menu").locator("summary").click();
      await other.getByTestId("dnd-menu").getByRole("button", { name: "Resume notifications" })
        .click();
      await page.locator("[data-testid=dnd-menu][data-dnd=off]").waitFor();
      await other.getByRole("link", { name: /Design/ }).hover();
      await other.getByRole("button", { name: "Unmute Design" }).click();
      await page.waitForFunction(() =>
        !document.querySelector("a[data-muted=true][href*='conversations']")
      );
      await other.close();
    });
    assert.deepEqual(errors, []);
    await context.close();

    await t.step("without JavaScript: the header's form and the sidebar's form", async () => {
      const plain = await signedInContext(browser, server.base, ben.cookie, {
        viewport: { width: 1280, height: 800 },
        javaScriptEnabled: false,
      });
      const nojs = await plain.newPage();
      await nojs.goto(`${server.base}/conversations/${launch}`);
      const menu = nojs.getByTestId("notify-menu");
      await menu.locator("summary").click();
      await menu.getByRole("button", { name: /Mute conversation/ }).click();
      await nojs.waitForURL(`${server.base}/conversations/${launch}`);
      assert.equal(await nojs.locator("a[data-muted=true]", { hasText: "Launch" }).count(), 1);
      await nojs.getByTestId("notify-menu").locator("summary").click();
      await nojs.getByTestId("notify-menu").getByRole("button", { name: /All messages/ }).click();
      await nojs.waitForURL(`${server.base}/conversations/${launch}`);
      const stored = await (await server.fetch(
        `/api/conversations/${launch}/notifications`,
        withCookie(ben.cookie),
      )).json();
      assert.deepEqual(stored, { level: "all", muted: true });

      await nojs.getByTestId("dnd-menu").locator("summary").click();
      await nojs.getByTestId("dnd-menu").getByRole("button", { name: "For 30 minutes" }).click();
      await nojs.waitForURL(`${server.base}/conversations/${launch}`);
      await nojs.getByTestId("dnd-menu").getByText(/Do not disturb until/).waitFor();
      await nojs.getByTestId("dnd-menu").locator("summary").click();
      await nojs.getByTestId("dnd-menu").getByRole("button", { name: "Resume notifications" })
        .click();
      await nojs.getByTestId("dnd-menu").getByText("Pause notifications").waitFor();
      const { until } = await (await server.fetch("/api/me/dnd", withCookie(ben.cookie))).json();
      assert.equal(until, null);
      await plain.close();
    });
  },
);
