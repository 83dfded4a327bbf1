import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { launchChromium } from "../support/browser.ts";
import { startTestServer } from "../support/helpers.ts";

const SHOTS = new URL("../../test-output/", import.meta.url).pathname;

async function registerInBrowser(page: Page, base: string, username: string, displayName: string) {
  await page.goto(`${base}/register`);
  await page.locator("[data-island=AuthForm][data-hydrated]").waitFor();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Display name").fill(displayName);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${base}/`);
}

Deno.test({
  name: "two people register in Chromium, start a conversation and chat live both ways",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const server = await startTestServer();
    const browser = await launchChromium();
    try {
      const alice = await (await browser.newContext({ viewport: { width: 1280, height: 800 } }))
        .newPage();
      const bob = await (await browser.newContext({ viewport: { width: 1280, height: 800 } }))
        .newPage();
      const errors: string[] = [];
      for (const p of [alice, bob]) p.on("pageerror", (e) => errors.push(e.message));

      await t.step("a failed sign-in shows the error in place and keeps the username", async () => {
        await alice.goto(`${server.base}/login`);
        // Without JavaScript the same click posts the form (tested below); here, the island.
        await alice.locator("[data-island=AuthForm][data-hydrated]").waitFor();
        await alice.getByLabel("Username").fill("alice");
        await alice.getByLabel("Password").fill("not the password");
        await alice.getByRole("button", { name: "Sign in" }).click();
        await alice.getByRole("alert").getByText("That username and password do not match.")
          .waitFor();
        assert.equal(alice.url(), `${server.base}/login`);
        assert.equal(await alice.getByLabel("Username").inputValue(), "alice");
      });

      await t.step("both register through the page", async () => {
        await registerInBrowser(alice, server.base, "alice", "Alice Adams");
        await registerInBrowser(bob, server.base, "bob", "Bob Brown");
        await bob.getByText("Welcome, Bob Brown").waitFor();
      });

      await t.step("Alice starts a conversation with Bob from the dialog", async () => {
        await alice.locator("[data-island=NewConversation][data-hydrated]").waitFor();
        await alice.getByRole("button", { name: "New conversation" }).click();
        await alice.getByLabel("Search people").fill("bob");
        await alice.getByRole("button", { name: /Bob Brown/ }).click();
        await alice.getByRole("button", { name: "Start conversation" }).click();
        await alice.waitForURL(/\/conversations\/[0-9A-Z]+$/);
        await alice.getByRole("heading", { name: "Bob Brown" }).waitFor();
        await alice.getByText("Live", { exact: true }).waitFor();
      });

      await t.step("Alice's message reaches Bob's open page without a reload", async () => {
        await alice.getByLabel("Message", { exact: true }).fill("Hi Bob, the deploy is done 🎉");
        await alice.getByRole("button", { name: "Send" }).click();
        await alice.locator("li[data-seq='1']").getByText("Hi Bob, the deploy is done").waitFor();
        // Bob's sidebar learns of the new conversation live, with the unread badge.
        await bob.getByRole("link", { name: /Alice Adams/ }).getByLabel("1 unread").waitFor();
        await bob.getByRole("link", { name: /Alice Adams/ }).click();
        await bob.getByTestId("messages").getByText("Hi Bob, the deploy is done").waitFor();
      });

      await t.step(
        "Bob's reply reaches Alice live, and Alice sees Bob online and typing",
        async () => {
          await alice.getByText("Online: Bob Brown").waitFor();
          await bob.getByLabel("Message", { exact: true }).pressSequentially("Great");
          await alice.getByText("Bob Brown is typing…").waitFor();
          await bob.getByLabel("Message", { exact: true }).fill("Great work, thanks!");
          await bob.getByLabel("Message", { exact: true }).press("Enter");
          await alice.locator("li[data-seq='2']").getByText("Great work, thanks!").waitFor();
          assert.equal(await alice.locator("[data-pending]").count(), 0);
        },
      );

      await t.step(
        "when Bob's tab is hidden Alice sees him away, and back when he returns",
        async () => {
          const setHidden = (hidden: boolean) =>
            bob.evaluate((h) => {
              Object.defineProperty(document, "visibilityState", {
                configurable: true,
                get: () => (h ? "hidden" : "visible"),
              });
              document.dispatchEvent(new Event("visibilitychange"));
            }, hidden);
          await setHidden(true);
          await alice.getByText("Online: Bob Brown (away)").waitFor();
          await setHidden(false);
          await alice.getByText("Online: Bob Brown", { exact: true }).waitFor();
        },
      );

      await t.step("a reload keeps the history, rendered by the server", async () => {
        await bob.reload();
        const items = bob.locator("ol[aria-label='History'] > li[data-seq]");
        assert.equal(await items.count(), 2);
        assert.match(await items.nth(0).innerText(), /Hi Bob, the deploy is done/);
        assert.match(await items.nth(1).innerText(), /Great work, thanks!/);
        await Deno.mkdir(SHOTS, { recursive: true });
        await alice.screenshot({ path: `${SHOTS}chat.png` });
        await bob.screenshot({ path: `${SHOTS}chat-bob.png` });
      });

      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "signing in works with JavaScript turned off (form post, 303, errors beside fields)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = await startTestServer();
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${server.base}/register`);
      await page.getByLabel("Username").fill("x");
      await page.getByLabel("Password").fill("short");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByText("Use at least 3 characters.").waitFor();
      await page.getByText("Use at least 8 characters.").waitFor();
      await page.getByLabel("Username").fill("carol");
      await page.getByLabel("Password").fill("a long enough password");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${server.base}/`);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(`${server.base}/login`);
      await page.getByLabel("Username").fill("carol");
      await page.getByLabel("Password").fill("the wrong password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("That username and password do not match.").waitFor();
      await page.getByLabel("Password").fill("a long enough password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${server.base}/`);
      await page.getByText("Welcome, carol").waitFor();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
