/**
 * System messages in Chromium: on the server's page and live in the island, a small centred
 * row without avatar or actions, between people's messages (which start a new group after
 * it). Screenshots in test-output/system_messages/ at 375 and 1280 px, light and dark; axe.
 */
import AxeBuilder from "@axe-core/playwright";
import assert from "node:assert/strict";
import {
  annAndBen,
  browserTest,
  forEachScreen,
  openChatPage,
  screenshotsIn,
} from "../support/browser.ts";
import { json, registerUser } from "../support/helpers.ts";

browserTest(
  "system messages render small and centred, without avatar or actions, on the page and live",
  async ({ server, browser }) => {
    const { ann, ben, id } = await annAndBen(server, "Launch plan");
    const cat = await registerUser(server, { username: "cat", displayName: "Cat Rye" });
    const say = async (cookie: string, content: string) => {
      const res = await server.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content }, cookie),
      );
      assert.equal(res.status, 201);
    };
    const hub = server.ctx.hub;
    await say(ann.cookie, "Morning! Shall we plan the launch here?");
    await hub.sendSystem(ann.user, id, { event: "renamed", title: "Launch plan" });
    await say(ann.cookie, "Adding Cat, she runs the release.");
    await hub.sendSystem(ann.user, id, { event: "added", userIds: [cat.user.id] });
    await say(ben.cookie, "Welcome Cat!");
    await hub.sendSystem(ben.user, id, {
      event: "topic",
      topic: "Ship v2 on Friday — checklist in the pinned note",
    });
    await say(ben.cookie, "Topic set.");

    const errors: string[] = [];
    const page = await openChatPage(browser, server.base, ben.cookie, {
      path: `/conversations/${id}`,
      errors,
    });
    const rows = page.locator("li[data-system]");
    assert.equal(await rows.count(), 3);
    assert.deepEqual(
      await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-system"))),
      [
        "renamed",
        "added",
        "topic",
      ],
    );
    assert.equal(
      (await rows.nth(1).innerText()).replace(/\s+/g, " ").split(" · ")[0],
      "Ann Lee added Cat Rye",
    );
    // No avatar, no toolbar, no reactions in a system row.
    assert.equal(await page.locator("li[data-system] .avatar").count(), 0);
    assert.equal(await page.locator("li[data-system] .msg-bar").count(), 0);
    assert.equal(await page.locator("li[data-system] button").count(), 0);
    // Ann's message after the rename starts a new group: her name shows again.
    const annAgain = page.locator("li[data-seq='3']");
    assert.equal(await annAgain.locator(".msg-name").count(), 1);

    // Live: a system message sent now appears in the open page, the same way.
    await hub.sendSystem(ann.user, id, { event: "joined" });
    const live = page.locator("li[data-system='joined']");
    await live.waitFor();
    assert.match(await live.innerText(), /^Ann Lee joined/);
    assert.equal(await live.locator(".avatar").count(), 0);
    // The same markup as the server gives (a reload shows it identically).
    const liveHtml = await live.evaluate((e) => e.outerHTML);
    await page.reload();
    await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
    assert.equal(
      await page.locator("li[data-system='joined']").evaluate((e) => e.outerHTML),
      liveHtml,
    );
    await say(ben.cookie, "Great, everyone's here.");
    await page.locator("li[data-seq='9']").waitFor();

    const dir = screenshotsIn("system_messages");
    const problems: string[] = [];
    await forEachScreen(page, async (s) => {
      await page.screenshot({ path: `${dir}chat-${s.width}-${s.colorScheme}.png` });
      if (s.width !== 1280) return;
      const axe = await new AxeBuilder({ page }).include("ol[aria-label=History]").analyze();
      for (const v of axe.violations) {
        if (v.impact !== "serious" && v.impact !== "critical") continue;
        problems.push(`${s.colorScheme}: ${v.id} at ${v.nodes[0]?.target.join(" ")}`);
      }
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(errors, []);
  },
);
