/**
 * Incoming webhooks in Chromium: Ann adds one from the channel's panel (a plain form), its
 * address shows there with a Copy button; while Ben has the channel open, a program's
 * Slack-shaped POSTs (JSON, then a `payload=` form with a `username`) appear live under the
 * webhook's name (or that username) with the Bot badge; Ann deletes it from the panel.
 * Screenshots of the panel at 1280 and 375 px, light and dark, with no serious axe finding
 * in the Integrations section (test-output/incoming_webhook/).
 */
import assert from "node:assert/strict";
import AxeBuilder from "@axe-core/playwright";
import { browserTest, forEachScreen, openChatPage, screenshotsIn } from "../support/browser.ts";
import { json, okJson, registerUser } from "../support/helpers.ts";
import { overflow } from "../support/pages.ts";

const OUT = screenshotsIn("incoming_webhook");

browserTest(
  "a webhook's posts appear live with its name and the Bot badge; added and deleted from the panel",
  async ({ server, browser }, t) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    const made = await server.fetch(
      "/api/conversations",
      json("POST", { kind: "channel", title: "deploys" }, ann.cookie),
    );
    const id = (await okJson(made, 201)).conversation.id;
    await okJson(await server.fetch(`/api/conversations/${id}/join`, json("POST", {}, ben.cookie)));
    const errors: string[] = [];
    let url = "";

    const annPage = await openChatPage(browser, server.base, ann.cookie, {
      path: `/conversations/${id}`,
      errors,
      context: { viewport: { width: 1280, height: 800 } },
    });

    await t.step(
      "Ann adds “CI builds” from the panel: its address is listed with Copy",
      async () => {
        const section = annPage.locator("#integrations");
        await section.getByText("None yet.").first().waitFor();
        await section.getByLabel("Name its messages show").fill("CI builds");
        await section.getByRole("button", { name: "Add incoming webhook" }).click();
        const item = annPage.locator("[data-testid=incoming-webhook]");
        await item.waitFor();
        assert.match(await item.innerText(), /CI builds[\s\S]*Added by Ann Lee/);
        const field = item.getByLabel("Address of the webhook CI builds");
        url = await field.inputValue();
        assert.match(url, new RegExp(`^${server.base}/hooks/[0-9A-Z]+/[A-Za-z0-9_-]{32}$`));
        await item.getByRole("button", { name: "Copy" }).click();
        await item.getByText("Copied").waitFor();
        // Its bot is a member, marked as one.
        const member = annPage.locator("#members li", { hasText: "CI builds" });
        assert.equal(await member.locator("[data-bot-badge]").count(), 1);
      },
    );

    await t.step(
      "without JavaScript: the address is a plain field, and the form adds one",
      async () => {
        const page = await openChatPage(browser, server.base, ben.cookie, {
          path: `/conversations/${id}`,
          context: { javaScriptEnabled: false, viewport: { width: 1280, height: 800 } },
        });
        const section = page.locator("#integrations");
        assert.equal(
          await section.getByLabel("Address of the webhook CI builds").inputValue(),
          url,
        );
        assert.equal(await section.getByRole("button", { name: "Copy" }).count(), 0);
        // Ben did not add it: no Delete for him.
        assert.equal(await section.getByRole("button", { name: /^Delete the webhook/ }).count(), 0);
        await section.getByLabel("Name its messages show").fill("Nightly");
        await section.getByRole("button", { name: "Add incoming webhook" }).click();
        await page.waitForURL(/#webhook-/);
        const nightly = page.locator("[data-testid=incoming-webhook]", { hasText: "Nightly" });
        await nightly.getByRole("button", { name: "Delete the webhook Nightly" }).click();
        await page.waitForURL(/#integrations$/);
        assert.equal(await page.locator("[data-testid=incoming-webhook]").count(), 1);
        await page.context().close();
      },
    );

    const benPage = await openChatPage(browser, server.base, ben.cookie, {
      path: `/conversations/${id}`,
      errors,
    });

    await t.step(
      "a JSON post appears live on Ben's page, as “CI builds” with the Bot badge",
      async () => {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: "Build **42** passed" }),
        });
        const { message } = await okJson(res);
        const row = benPage.locator(`#m${message.seq}`);
        await row.getByText("Build 42 passed").waitFor({ timeout: 10_000 });
        assert.equal(await row.locator("strong").innerText(), "42");
        const text = await row.innerText();
        assert.match(text, /CI builds/);
        assert.equal(await row.locator("[data-bot-badge]").count(), 1);
      },
    );

    await t.step(
      "a payload= form with a username appears under that name, still a bot",
      async () => {
        const body = new URLSearchParams({
          payload: JSON.stringify({ text: "Deployed to staging", username: "Jenkins" }),
        });
        const res = await fetch(url, { method: "POST", body });
        const { message } = await okJson(res);
        const row = benPage.locator(`#m${message.seq}`);
        await row.getByText("Deployed to staging").waitFor({ timeout: 10_000 });
        assert.match(await row.innerText(), /Jenkins/);
        assert.doesNotMatch(await row.innerText(), /CI builds/);
        assert.equal(await row.locator("[data-bot-badge]").count(), 1);
      },
    );

    await t.step("the panel looks right: 1280 and 375 px, light and dark", async () => {
      await annPage.reload();
      await annPage.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      const section = annPage.locator("#integrations");
      await forEachScreen(annPage, async (s) => {
        await section.scrollIntoViewIfNeeded();
        await section.screenshot({ path: `${OUT}panel-${s.width}-${s.colorScheme}.png` });
        assert.equal(await overflow(annPage), 0, `no sideways scrolling at ${s.width}`);
        const axe = await new AxeBuilder({ page: annPage }).include("#integrations").analyze();
        const serious = axe.violations.filter((v) =>
          v.impact === "serious" || v.impact === "critical"
        );
        assert.deepEqual(serious.map((v) => v.id), [], `${s.width} ${s.colorScheme}`);
      });
      await annPage.setViewportSize({ width: 1280, height: 800 });
      await annPage.emulateMedia({ colorScheme: "light" });
      await benPage.screenshot({ path: `${OUT}room-ben.png` });
    });

    await t.step(
      "Ann deletes it from the panel: gone from the list, the address answers 404",
      async () => {
        await annPage.getByRole("button", { name: "Delete the webhook CI builds" }).click();
        await annPage.locator("#integrations").getByText("None yet.").first().waitFor();
        assert.equal(await annPage.locator("[data-testid=incoming-webhook]").count(), 0);
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text: "still there?" }),
        });
        assert.equal(res.status, 404);
        await res.body?.cancel();
        // Its messages stay, still from the bot.
        assert.equal(await benPage.locator("[data-bot-badge]").count() >= 2, true);
      },
    );

    assert.deepEqual(errors, []);
  },
);
