/**
 * Email in Chromium, with a real SMTP server process: the account page's Email section (give
 * an address, open the mailed link, turn notifications off), then "Forgot your password?" from
 * the sign-in page, the mailed reset link's form (a weak password refused beside the field),
 * and signing in with the new password. Without JavaScript too. Screenshots at 375 and 1280 px,
 * light and dark, in test-output/email/; no serious axe findings, no sideways scrolling.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  forEachScreen,
  launchChromium,
  screenshotsIn,
  signedInContext,
} from "../support/browser.ts";
import { registerUser, startTestServer } from "../support/helpers.ts";
import { deliver, emailEnv, linkIn } from "../support/email.ts";
import { startSmtpSink } from "../support/smtp.ts";
import { axeProblems, overflow } from "../support/pages.ts";
import { closeMailTransports } from "../../lib/outbound/mod.ts";

const OUT = screenshotsIn("email");

/**
 * Screenshots of the page in every look, no sideways scrolling in any; with `problems`, axe's
 * serious findings in light and dark too (the pages that differ; axe is slow).
 */
async function look(page: Page, name: string, problems?: string[]) {
  await forEachScreen(page, async (s) => {
    const label = `${name}-${s.width}-${s.colorScheme}`;
    await page.screenshot({ path: `${OUT}${label}.png`, fullPage: true });
    assert.equal(await overflow(page), 0, `${label}: no sideways scrolling`);
    // Contrast differs by colour scheme, not by width: axe once per scheme.
    if (problems && s.width === 1280) problems.push(...await axeProblems(page, label));
  });
}

Deno.test({
  name:
    "email in the browser: confirm an address from the account page, reset a forgotten password",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const sink = await startSmtpSink();
    const server = await startTestServer(emailEnv(sink, { SITE_NAME: "Hearth" }));
    const browser = await launchChromium();
    const problems: string[] = [];
    try {
      const ann = await registerUser(server, {
        username: "ann",
        displayName: "Ann Lee",
        password: "first long password 1",
      });
      const context = await signedInContext(browser, server.base, ann.cookie, {
        viewport: { width: 1280, height: 800 },
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));

      await t.step("the account page: give an address, open the link, turn email off", async () => {
        await page.goto(`${server.base}/account`);
        const section = page.getByRole("region", { name: "Email" });
        await section.getByLabel("Your email address").fill("ann@example.com");
        await section.getByLabel("Your current password").fill("first long password 1");
        await section.getByRole("button", { name: "Send confirmation link" }).click();
        await page.waitForURL(/\/account\?email=sent/);
        await section.getByRole("status").filter({ hasText: "We sent a confirmation link" })
          .waitFor();
        await section.getByText("Waiting for confirmation").waitFor();
        await look(page, "account-waiting");

        await deliver(server.ctx);
        const [mail] = await sink.waitFor(1);
        await page.goto(linkIn(mail, "/email/confirm/").href);
        await page.getByRole("heading", { name: "Address confirmed" }).waitFor();
        await look(page, "confirmed");

        await page.goto(`${server.base}/account`);
        await section.getByText("Confirmed", { exact: true }).waitFor();
        await section.getByRole("button", { name: "Turn off" }).click();
        await page.waitForURL(/\/account\?email=off/);
        assert.equal(await section.getByTestId("email-notifications").textContent(), "off");
        await section.getByRole("button", { name: "Turn on" }).click();
        await page.waitForURL(/\/account\?email=on/);
        await look(page, "account-confirmed", problems);
      });

      await t.step("the same form without JavaScript, with a mistyped address", async () => {
        const nojs = await signedInContext(browser, server.base, ann.cookie, {
          viewport: { width: 375, height: 812 },
          javaScriptEnabled: false,
        });
        const p = await nojs.newPage();
        await p.goto(`${server.base}/account`);
        const section = p.getByRole("region", { name: "Email" });
        await section.getByLabel("Change your address").fill("ann at example");
        await section.getByLabel("Your current password").fill("first long password 1");
        await section.getByRole("button", { name: "Send confirmation link" }).click();
        await p.waitForURL(/email_error=invalid_input/);
        await section.getByRole("alert").filter({ hasText: "Enter an email address" }).waitFor();
        await p.screenshot({ path: `${OUT}account-error-375-nojs.png`, fullPage: true });
        await nojs.close();
      });

      await t.step("forgot the password: the link from sign-in, the mailed form", async () => {
        const anon = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const p = await anon.newPage();
        p.on("pageerror", (e) => errors.push(e.message));
        await p.goto(`${server.base}/login`);
        await p.getByRole("link", { name: "Forgot your password?" }).click();
        await p.waitForURL(`${server.base}/forgot`);
        await look(p, "forgot", problems);
        await p.getByLabel("Username or email address").fill("ANN@example.com");
        await p.getByRole("button", { name: "Email me a link" }).click();
        await p.getByRole("heading", { name: "Check your email" }).waitFor();
        await look(p, "forgot-sent");

        await deliver(server.ctx);
        const mail = (await sink.waitFor(2)).at(-1)!;
        assert.equal(mail.subject, "Reset your password on Hearth");
        await p.goto(linkIn(mail, "/reset/").href);
        await p.getByRole("heading", { name: "Choose a new password" }).waitFor();
        await look(p, "reset");
        await p.getByLabel("New password").fill("password123");
        await p.getByRole("button", { name: "Set new password" }).click();
        await p.getByRole("alert").filter({ hasText: "common" }).waitFor();
        await look(p, "reset-weak", problems);
        await p.getByLabel("New password").fill("second long password 2");
        await p.getByRole("button", { name: "Set new password" }).click();
        await p.getByRole("heading", { name: "Password changed" }).waitFor();
        await look(p, "reset-done");

        // Ann's other tab is signed out; the new password signs her in.
        await page.goto(`${server.base}/account`);
        await page.waitForURL(/\/login/);
        await p.getByRole("link", { name: "Sign in" }).click();
        await p.getByLabel("Username").fill("ann");
        await p.getByLabel("Password").fill("second long password 2");
        await p.getByRole("button", { name: "Sign in" }).click();
        await p.waitForURL(`${server.base}/`);
        await anon.close();
      });
      assert.deepEqual(errors, []);
      assert.deepEqual(problems, []);
      await context.close();
    } finally {
      await browser.close();
      closeMailTransports();
      await server.close();
      await sink.stop();
    }
  },
});
