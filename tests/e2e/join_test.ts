/**
 * Joining through an invite link in Chromium (REGISTRATION=invite): the admin makes a link on
 * /invites and copies it; one person registers through it with JavaScript, another without;
 * the used-up link then shows a clear page; /register without a code says an invite is needed.
 * Screenshots of /invites and /join/:code at 375 and 1280 px, light and dark, axe clean, in
 * test-output/join/.
 */
import assert from "node:assert/strict";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { browserTest, forEachScreen, screenshotsIn, signedInContext } from "../support/browser.ts";
import { registerUser } from "../support/helpers.ts";

const PASSWORD = "correct horse battery";

/** Serious or critical axe findings on the page as it is now. */
async function axeProblems(page: Page, where: string): Promise<string[]> {
  const axe = await new AxeBuilder({ page }).analyze();
  return axe.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${where}: ${v.id} at ${v.nodes.slice(0, 3).map((n) => n.target.join(" "))}`);
}

async function overflow(page: Page): Promise<number> {
  return await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth
  );
}

browserTest(
  "joining through an invite link: made on /invites, used with and without JavaScript, then used up",
  async ({ server, browser }, t) => {
    const OUT = screenshotsIn("join");
    const admin = await registerUser(server, { username: "admin", displayName: "Ada Admin" });
    const problems: string[] = [];
    let link = "";

    await t.step("the admin creates a two-person link on /invites and copies it", async () => {
      const context = await signedInContext(browser, server.base, admin.cookie, {
        viewport: { width: 1280, height: 800 },
      });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], {
        origin: server.base,
      });
      const page = await context.newPage();
      await page.goto(`${server.base}/invites`);
      await page.getByLabel("People").fill("2");
      await page.getByLabel("Days valid").fill("3");
      await page.getByRole("button", { name: "Create invite link" }).click();
      await page.getByText("Invite link created").waitFor();
      const field = page.getByRole("textbox", { name: "Invite link" });
      link = await field.inputValue();
      assert.match(link, new RegExp(`^${server.base}/join/[A-Za-z0-9_-]{22}$`));
      await page.getByText("2 of 2 uses left").waitFor();
      await page.locator("[data-island=CopyLink][data-hydrated]").first().waitFor();
      await page.getByRole("button", { name: "Copy" }).click();
      await page.getByRole("button", { name: "Copied" }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
      await forEachScreen(page, async (s) => {
        await page.screenshot({
          path: `${OUT}invites-${s.width}-${s.colorScheme}.png`,
          fullPage: true,
        });
        const extra = await overflow(page);
        if (extra > 1) problems.push(`/invites ${s.width}: ${extra}px too wide`);
        if (s.width === 1280) {
          problems.push(...await axeProblems(page, `/invites ${s.colorScheme}`));
        }
      });
      await context.close();
    });

    await t.step("Bea registers through the link (JavaScript on)", async () => {
      const context = await browser.newContext({ viewport: { width: 375, height: 812 } });
      const page = await context.newPage();
      await page.goto(link);
      await page.getByText("Ada Admin invited you to Hearth.").waitFor();
      await page.locator("[data-island=AuthForm][data-hydrated]").waitFor();
      await forEachScreen(page, async (s) => {
        await page.screenshot({ path: `${OUT}join-${s.width}-${s.colorScheme}.png` });
        const extra = await overflow(page);
        if (extra > 1) problems.push(`/join ${s.width}: ${extra}px too wide`);
        if (s.width === 1280) problems.push(...await axeProblems(page, `/join ${s.colorScheme}`));
      });
      await page.getByLabel("Username").fill("bea");
      await page.getByLabel("Display name").fill("Bea Brook");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${server.base}/`);
      const me = await page.evaluate(() => fetch("/api/auth/check").then((r) => r.json()));
      assert.equal(me.user.username, "bea");
      assert.equal(me.user.isAdmin, false);
      await context.close();
    });

    await t.step("Cal registers through the link without JavaScript", async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(link);
      await page.getByLabel("Username").fill("cal");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${server.base}/`);
      assert.ok((await context.cookies()).some((c) => c.name === "sid"), "signed in");
      await context.close();
    });

    await t.step("the used-up link, and /register without one, say why", async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const res = await page.goto(link);
      assert.equal(res?.status(), 403);
      await page.getByText("This invite link has been used up or has expired.").waitFor();
      await page.screenshot({ path: `${OUT}used-up-1280-light.png` });
      problems.push(...await axeProblems(page, "/join used up"));

      await page.goto(`${server.base}/register`);
      await page.locator("[data-island=AuthForm][data-hydrated]").waitFor();
      await page.getByLabel("Username").fill("dee");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("alert").getByText("You need an invite to join this site.").waitFor();
      assert.equal(await page.getByLabel("Username").inputValue(), "dee", "what was typed stays");
      await page.screenshot({ path: `${OUT}register-refused-1280-light.png` });
      await context.close();
    });

    await t.step("the admin sees the link used up", async () => {
      const context = await signedInContext(browser, server.base, admin.cookie);
      const page = await context.newPage();
      await page.goto(`${server.base}/invites`);
      await page.getByText("Used up", { exact: true }).waitFor();
      await context.close();
    });
    assert.deepEqual(problems, []);
  },
  { REGISTRATION: "invite" },
);
