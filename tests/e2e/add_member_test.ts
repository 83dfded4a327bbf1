/**
 * Issue 15, item 6: adding a project member in Chromium at 375 and 1280 px, light and dark.
 * `@carol` (the way names are shown) is accepted; a name nobody has is said beside the
 * field, not in a banner over the page; typing offers the same people search as "New
 * conversation". Without JavaScript the form posts and the page says the same by the field.
 * Screenshots in test-output/add_member/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest, signedInContext } from "../support/browser.ts";
import { json, registerUser } from "../support/helpers.ts";

const OUT = new URL("../../test-output/add_member/", import.meta.url).pathname;

const SIZES = [
  { name: "phone", width: 375, height: 812 },
  { name: "desktop", width: 1280, height: 800 },
] as const;

/** The form's field error, and that no banner says anything over the page. */
async function assertErrorByField(page: Page, text: string) {
  const error = page.locator("#member-username-error");
  await error.waitFor();
  assert.equal((await error.textContent())?.trim(), text);
  assert.equal(await page.locator("#member-username").getAttribute("aria-invalid"), "true");
  assert.equal(
    await page.locator("#member-username").getAttribute("aria-describedby"),
    "member-username-error",
  );
  assert.equal(await page.locator("div.fixed[role=alert]").count(), 0, "no banner");
  assert.ok(await error.isVisible(), "the error is on screen");
}

browserTest(
  "adding a project member: @name accepted, an unknown name said by the field, people search offered (item 6)",
  async ({ server, browser }, t) => {
    await Deno.mkdir(OUT, { recursive: true });
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const res = await server.fetch("/api/projects", json("POST", { name: "Apollo" }, ann.cookie));
    const { project } = await res.json();
    let n = 0;
    for (const size of SIZES) {
      for (const theme of ["light", "dark"] as const) {
        await t.step(`${size.name} (${size.width} px), ${theme}`, async () => {
          await registerUser(server, {
            username: `carol${++n}`,
            displayName: `Carol Diaz ${n}`,
          });
          const context = await signedInContext(browser, server.base, ann.cookie, {
            viewport: { width: size.width, height: size.height },
            colorScheme: theme,
          });
          try {
            const page = await context.newPage();
            await page.goto(`${server.base}/projects/${project.id}`);
            await page.locator("[data-island=AddMember][data-hydrated]").waitFor();
            const field = page.locator("#member-username");
            await field.scrollIntoViewIfNeeded();

            // An unknown name: said under the field.
            await field.fill("@nobody_here");
            await page.getByRole("button", { name: "Add", exact: true }).click();
            await assertErrorByField(page, "Nobody is called @nobody_here.");
            await page.screenshot({ path: `${OUT}${size.name}-${theme}-unknown.png` });

            // The people search: part of the display name finds them; choosing fills @name.
            await field.fill("");
            await field.pressSequentially(`Diaz ${n}`);
            const suggestion = page.getByRole("button", { name: new RegExp(`@carol${n}\\b`) });
            await suggestion.waitFor();
            assert.equal(await page.locator("#member-username-error").count(), 0, "cleared");
            await page.screenshot({ path: `${OUT}${size.name}-${theme}-search.png` });
            await suggestion.click();
            assert.equal(await field.inputValue(), `@carol${n}`);
            await page.getByRole("button", { name: "Add", exact: true }).click();
            await page.waitForLoadState("load");
            await page.getByRole("list", { name: "Members" }).getByText(`Carol Diaz ${n}`)
              .waitFor();
            // Already a member: said by the field too.
            await page.locator("[data-island=AddMember][data-hydrated]").waitFor();
            await page.locator("#member-username").fill(`@carol${n}`);
            await page.getByRole("button", { name: "Add", exact: true }).click();
            await assertErrorByField(page, `@carol${n} is already a member.`);
          } finally {
            await context.close();
          }
        });
      }
    }

    await t.step("without JavaScript: the same form, the error by the field", async () => {
      const dee = await registerUser(server, { username: "dee", displayName: "Dee Ode" });
      const context = await signedInContext(browser, server.base, ann.cookie, {
        viewport: { width: 375, height: 812 },
        javaScriptEnabled: false,
      });
      try {
        const page = await context.newPage();
        await page.goto(`${server.base}/projects/${project.id}`);
        await page.locator("#member-username").fill("@nobody_here");
        await page.getByRole("button", { name: "Add", exact: true }).click();
        await page.waitForURL(/add_error=unknown_user/);
        await assertErrorByField(page, "Nobody is called @nobody_here.");
        assert.equal(await page.locator("#member-username").inputValue(), "@nobody_here");
        await page.screenshot({ path: `${OUT}nojs-unknown.png` });
        await page.locator("#member-username").fill("@dee");
        await page.getByRole("button", { name: "Add", exact: true }).click();
        await page.waitForURL(`${server.base}/projects/${project.id}`);
        await page.getByRole("list", { name: "Members" }).getByText(dee.user.displayName)
          .waitFor();
      } finally {
        await context.close();
      }
    });
  },
);
