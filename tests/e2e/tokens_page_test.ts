/**
 * Tokens and bots in Chromium: the account page makes a token (its secret shown once, with a
 * Copy button that puts it on the clipboard), makes a bot, and revokes and deletes them; a
 * bot added to a channel posts with its token and people see its message live with the Bot
 * badge, and again after a reload (the server's rendering). Without JavaScript the forms work
 * too. Screenshots at 375 and 1280 px, light and dark, in test-output/tokens/; no serious axe
 * findings, no sideways scrolling.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  browserTest,
  forEachScreen,
  openChatPage,
  screenshotsIn,
  signedInContext,
} from "../support/browser.ts";
import { json, registerUser } from "../support/helpers.ts";
import { axeProblems, overflow } from "../support/pages.ts";

const OUT = screenshotsIn("tokens");

async function look(page: Page, name: string, problems: string[]) {
  await forEachScreen(page, async (s) => {
    const label = `${name}-${s.width}-${s.colorScheme}`;
    await page.screenshot({ path: `${OUT}${label}.png`, fullPage: true });
    assert.equal(await overflow(page), 0, `${label}: no sideways scrolling`);
    if (s.width === 1280) problems.push(...await axeProblems(page, label));
  });
  await page.setViewportSize({ width: 1280, height: 800 });
}

function bearer(secret: string, method = "GET", body?: unknown): RequestInit {
  return {
    method,
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}

browserTest(
  "the account page makes, shows once and revokes tokens and bots; a bot's message shows its badge live",
  async ({ server, browser }, t) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const problems: string[] = [];
    const errors: string[] = [];
    const context = await signedInContext(browser, server.base, ann.cookie, {
      viewport: { width: 1280, height: 800 },
    });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    let tokenSecret = "";
    let botSecret = "";

    await t.step(
      "a token is made with a name and an expiry; its secret is shown once",
      async () => {
        await page.goto(`${server.base}/account`);
        const section = page.locator("section[aria-labelledby=tokens]");
        await section.getByText("You have no tokens.").waitFor();
        await section.getByLabel("Name").fill("Deploy script");
        await section.getByLabel("Expires after").selectOption("30");
        await section.getByRole("button", { name: "Create token" }).click();
        const shown = page.locator("[data-new-secret]");
        await shown.waitFor();
        tokenSecret = await shown.getByLabel("The new token").inputValue();
        assert.match(tokenSecret, /^hth_[A-Za-z0-9_-]{43}$/);
        await page.locator("[data-island=CopyLink][data-hydrated]").first().waitFor();
        await shown.getByRole("button", { name: "Copy" }).click();
        await shown.getByText("Copied").waitFor();
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), tokenSecret);
        await look(page, "token-made", problems);
        const check = await server.fetch("/api/auth/check", bearer(tokenSecret));
        assert.equal((await check.json()).user.username, "ann");
        await page.goto(`${server.base}/account`);
        assert.equal(await page.locator("[data-new-secret]").count(), 0);
        assert.ok(!(await page.content()).includes(tokenSecret), "not shown again");
        const row = page.locator("li[data-token-id]");
        await row.getByText("Deploy script").waitFor();
        await row.getByText(/last used/).waitFor();
      },
    );

    await t.step(
      "a bot is made; it is listed with its badge and its token shown once",
      async () => {
        const section = page.locator("section[aria-labelledby=bots]");
        await section.getByLabel("Username").fill("nightly");
        await section.getByLabel("Display name").fill("Nightly build");
        await section.getByRole("button", { name: "Create bot" }).click();
        const shown = page.locator("[data-new-secret]");
        await shown.getByText("Your bot's token").waitFor();
        botSecret = await shown.getByLabel("The new token").inputValue();
        const row = page.locator("li[data-bot-id]");
        await row.getByText("Nightly build").waitFor();
        assert.equal(await row.locator("[data-bot-badge]").innerText(), "BOT");
        await look(page, "bot-made", problems);
      },
    );

    await t.step(
      "the bot posts in a channel it was added to; people see it live with the badge",
      async () => {
        const made = await server.fetch(
          "/api/conversations",
          json("POST", { kind: "channel", title: "builds" }, ann.cookie),
        );
        const id = (await made.json()).conversation.id;
        const added = await server.fetch(
          `/api/conversations/${id}/members`,
          bearer(tokenSecret, "POST", { usernames: ["nightly"] }),
        );
        assert.equal(added.status, 200, "Ann's token adds the bot");
        const chat = await openChatPage(browser, server.base, ann.cookie, {
          path: `/conversations/${id}`,
          errors,
        });
        const sent = await server.fetch(
          `/api/conversations/${id}/messages`,
          bearer(botSecret, "POST", { content: "Build 42 passed" }),
        );
        assert.equal(sent.status, 201);
        const row = chat.locator("li[data-seq]", { hasText: "Build 42 passed" });
        await row.waitFor();
        await row.getByText("Nightly build").waitFor();
        assert.equal(await row.locator("[data-bot-badge]").count(), 1, "live: the badge");
        await look(chat, "bot-message", problems);
        await chat.reload();
        const again = chat.locator("li[data-seq]", { hasText: "Build 42 passed" });
        assert.equal(await again.locator("[data-bot-badge]").count(), 1, "rendered: the badge");
        await chat.context().close();
      },
    );

    await t.step("revoking the token and deleting the bot end them at once", async () => {
      await page.goto(`${server.base}/account`);
      await page.getByRole("button", { name: "Revoke Deploy script" }).click();
      await page.getByText("That token is revoked").waitFor();
      assert.equal((await server.fetch("/api/auth/check", bearer(tokenSecret))).status, 401);
      await page.getByRole("button", { name: "Delete Nightly build" }).click();
      await page.getByText("That bot is deleted").waitFor();
      assert.equal((await server.fetch("/api/auth/check", bearer(botSecret))).status, 401);
      await page.locator("section[aria-labelledby=bots]").getByText("You have no bots.").waitFor();
    });

    await t.step("without JavaScript the forms work the same", async () => {
      const plain = await signedInContext(browser, server.base, ann.cookie, {
        javaScriptEnabled: false,
        viewport: { width: 375, height: 812 },
      });
      const p = await plain.newPage();
      await p.goto(`${server.base}/account`);
      const section = p.locator("section[aria-labelledby=tokens]");
      await section.getByLabel("Name").fill("Cron");
      await section.getByRole("button", { name: "Create token" }).click();
      const secret = await p.locator("[data-new-secret]").getByLabel("The new token").inputValue();
      assert.equal((await server.fetch("/api/auth/check", bearer(secret))).status, 200);
      await p.getByRole("button", { name: "Revoke Cron" }).click();
      await p.getByText("That token is revoked").waitFor();
      assert.equal((await server.fetch("/api/auth/check", bearer(secret))).status, 401);
      await plain.close();
    });

    assert.deepEqual(errors, [], "no page errors");
    assert.deepEqual(problems, [], "no serious axe findings");
  },
);
