/**
 * /admin in Chromium (issue 16): screenshots at 1280 and 375 px, light and dark, no page
 * wider than the screen, no serious axe violation; then everything an admin does there,
 * without JavaScript (plain forms, 303s back with a notice): disable, make admin, create an
 * account, change the site's name (the title follows), delete through the confirmation
 * page (handing a shared project on). A member gets the 403 page.
 */
import AxeBuilder from "@axe-core/playwright";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { setSiteAdmin } from "../../lib/admin/mod.ts";
import { browserTest, forEachScreen, screenshotsIn, signedInContext } from "../support/browser.ts";
import { createProjectVia, json, registerUser } from "../support/helpers.ts";

const OUT = screenshotsIn("admin");

/** Serious and critical axe findings on the page, as lines. */
async function axeProblems(page: Page, what: string): Promise<string[]> {
  const axe = await new AxeBuilder({ page }).analyze();
  return axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map(
    (v) =>
      `${what}: ${v.id} (${v.impact}) at ${v.nodes.slice(0, 3).map((n) => n.target).join(" | ")}`,
  );
}

browserTest(
  "/admin: looks right at 1280 and 375 px, light and dark, axe clean",
  async ({ server, browser }) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    await setSiteAdmin(server.ctx.kv, ann.user.id, true);
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    await registerUser(server, { username: "carol", displayName: "Carol Price" });
    await registerUser(server, {
      username: "dan.the.longest_name",
      displayName: "Daniel Alexander Montgomery-Smythe",
    });
    await createProjectVia(server, ben.cookie, { name: "Garden" }, ["carol"]);
    const made = await server.fetch(
      "/api/invites",
      json("POST", { maxUses: 5, expiresInDays: 7 }, ann.cookie),
    );
    assert.equal(made.status, 201, await made.text());
    await server.fetch(
      `/api/admin/users/${ben.user.id}`,
      json("PATCH", { disabled: true }, ann.cookie),
    );

    const context = await signedInContext(browser, server.base, ann.cookie);
    const page = await context.newPage();
    const problems: string[] = [];
    const shots = [
      { name: "admin", path: "/admin?done=disabled" },
      { name: "delete", path: `/admin/users/${ben.user.id}/delete` },
    ];
    for (const shot of shots) {
      await page.goto(`${server.base}${shot.path}`);
      await page.waitForLoadState("networkidle").catch(() => {});
      await forEachScreen(page, async (s) => {
        // The theme follows the system live (static/theme.js): wait for the switch.
        await page.waitForFunction(
          (dark) => document.documentElement.classList.contains("dark") === dark,
          s.colorScheme === "dark",
          { timeout: 3000 },
        );
        await page.screenshot({
          path: `${OUT}${shot.name}-${s.width}-${s.colorScheme}.png`,
          fullPage: true,
        });
        const overflow = await page.evaluate(() =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth
        );
        if (overflow > 1) problems.push(`${shot.name} ${s.width}: ${overflow}px too wide`);
        if (s.width === 1280) {
          problems.push(...await axeProblems(page, `${shot.name} ${s.colorScheme}`));
        }
      });
    }
    await context.close();
    assert.deepEqual(problems, []);
  },
);

browserTest(
  "/admin without JavaScript: every change through its form, with a notice",
  async ({ server, browser }) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    await setSiteAdmin(server.ctx.kv, ann.user.id, true);
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    const carol = await registerUser(server, { username: "carol", displayName: "Carol Price" });
    await createProjectVia(server, ben.cookie, { name: "Garden" }, ["carol"]);

    const context = await signedInContext(browser, server.base, ann.cookie, {
      javaScriptEnabled: false,
    });
    const page = await context.newPage();
    await page.goto(`${server.base}/admin`);
    assert.equal(await page.title(), "Site admin · Hearth");
    const people = page.getByRole("list", { name: "People" });
    const row = (name: string) => people.locator("li").filter({ hasText: name });
    const status = page.getByRole("status");
    const alert = page.getByRole("alert");

    await page.getByRole("button", { name: "Disable: Ben Ode (@ben)" }).click();
    await status.filter({ hasText: "disabled" }).waitFor();
    assert.match(await row("Ben Ode").innerText(), /Disabled/);
    assert.equal(
      (await server.fetch("/api/conversations", { headers: { cookie: ben.cookie } })).status,
      401,
    );
    await page.getByRole("button", { name: "Enable: Ben Ode (@ben)" }).click();
    await status.filter({ hasText: "enabled" }).waitFor();

    // You cannot give up the role while the only admin: the button is not there.
    assert.equal(await row("Ann Lee").getByRole("button", { name: /Remove admin/ }).count(), 0);
    await page.getByRole("button", { name: "Make admin: Carol Price (@carol)" }).click();
    await status.filter({ hasText: "site admin now" }).waitFor();
    assert.match(await row("Carol Price").innerText(), /Admin/);

    // Search, then create an account (a refusal first).
    await page.getByLabel("Search people").fill("car");
    await page.getByRole("button", { name: "Search" }).click();
    assert.equal(await people.locator("li").count(), 1);
    await page.getByText("Create an account", { exact: true }).click();
    await page.getByLabel("Username").fill("erin");
    await page.getByLabel("Password").fill("password");
    await page.getByRole("button", { name: "Create account" }).click();
    await alert.filter({ hasText: "common" }).waitFor();
    await page.getByText("Create an account", { exact: true }).click();
    await page.getByLabel("Username").fill("erin");
    await page.getByLabel("Display name").fill("Erin Hale");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await status.filter({ hasText: "account is created" }).waitFor();
    assert.ok(page.url().includes("search=car"), "the search is kept");

    // Settings: the name titles the page at once.
    await page.getByLabel("Site name").fill("Acme Team");
    await page.getByLabel(/^Closed/).check();
    await page.getByLabel(/Members may invite/).check();
    await page.getByRole("button", { name: "Save settings" }).click();
    await status.filter({ hasText: "Settings saved" }).waitFor();
    assert.equal(await page.title(), "Site admin · Acme Team");
    assert.equal(await page.getByLabel(/^Closed/).isChecked(), true);
    assert.equal(await page.getByLabel(/Members may invite/).isChecked(), true);
    const { settings } =
      await (await server.fetch("/api/admin/settings", { headers: { cookie: ann.cookie } })).json();
    assert.deepEqual(settings, {
      name: "Acme Team",
      registration: "closed",
      membersMayInvite: true,
    });

    // Delete Ben: the confirmation names the shared project and asks who takes it over.
    await page.goto(`${server.base}/admin`);
    await page.getByRole("link", { name: "Delete Ben Ode (@ben)…" }).click();
    assert.match(await page.locator("h1").innerText(), /Delete Ben Ode/);
    await page.getByRole("link", { name: "Cancel" }).click();
    assert.ok(page.url().endsWith("/admin#people"));
    await page.getByRole("link", { name: "Delete Ben Ode (@ben)…" }).click();
    await page.getByLabel(/Who takes over Garden/).fill("nobody");
    await page.getByRole("button", { name: "Delete the account" }).click();
    await alert.filter({ hasText: "Nobody else has that username" }).waitFor();
    await page.getByLabel(/Who takes over Garden/).fill("carol");
    await page.getByRole("button", { name: "Delete the account" }).click();
    await status.filter({ hasText: "account is deleted" }).waitFor();
    assert.equal(await row("Ben Ode").count(), 0);
    const projects =
      await (await server.fetch("/api/projects", { headers: { cookie: carol.cookie } })).json();
    assert.equal(projects.projects[0].role, "owner");

    // An invite from the panel, back on /admin with its notice.
    await page.getByRole("button", { name: "Create invite link" }).click();
    await status.filter({ hasText: "Invite link created" }).waitFor();
    assert.equal(await page.locator("[data-invite-id]").count(), 1);
    await context.close();

    // A member: the 403 page.
    const erinLogin = await server.fetch(
      "/api/auth/login",
      json("POST", { username: "erin", password: "correct horse battery" }),
    );
    const erinCookie = erinLogin.headers.getSetCookie()[0].split(";")[0];
    const member = await signedInContext(browser, server.base, erinCookie);
    const memberPage = await member.newPage();
    const res = await memberPage.goto(`${server.base}/admin`);
    assert.equal(res?.status(), 403);
    assert.match(await memberPage.locator("h1").innerText(), /Only for site admins/);
    await member.close();
  },
);
