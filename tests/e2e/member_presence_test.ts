/**
 * Issue 15, item 9, in a member list: a project's members show a dot when they are online
 * anywhere (any tab, any page), amber when away, none when offline, live. Chromium at 375 and
 * 1280 px, light and dark (test-output/sidebar/members-*.png).
 */
import assert from "node:assert/strict";
import { browserTest, forEachScreen, openChatPage, screenshotsIn } from "../support/browser.ts";
import { createProjectVia, registerUser } from "../support/helpers.ts";
import { openSocket } from "../support/ws_client.ts";

const OUT = screenshotsIn("sidebar");

browserTest(
  "a project's member list shows who is online anywhere, live",
  async ({ server, browser }) => {
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const cyd = await registerUser(server, { username: "cyd", displayName: "Cy Park" });
    const project = await createProjectVia(server, ben.cookie, { name: "Apollo" }, ["ann", "cyd"]);
    const errors: string[] = [];
    const page = await openChatPage(browser, server.base, ben.cookie, {
      path: `/projects/${project.id}`,
      errors,
      context: { viewport: { width: 1280, height: 800 } },
    });
    const dot = (id: string) => page.locator(`[aria-label=Members] [data-presence-of="${id}"]`);
    await page.locator("[data-island=MemberPresence][data-hydrated]").waitFor({
      state: "attached",
    });
    // Ben is here (this page's socket); Ann and Cy are not.
    await dot(ben.user.id).and(page.locator("[data-presence=active]")).waitFor();
    assert.equal(await dot(ann.user.id).isVisible(), false);

    const a = await openSocket(server.base, ann.cookie);
    await dot(ann.user.id).and(page.locator("[data-presence=active]")).waitFor({ timeout: 5000 });
    assert.equal(await dot(ann.user.id).isVisible(), true);
    a.send({ type: "presence", state: "away" });
    await dot(ann.user.id).and(page.locator("[data-presence=away]")).waitFor({ timeout: 5000 });
    await forEachScreen(page, async (s) => {
      await page.locator("[aria-label=Members]").scrollIntoViewIfNeeded();
      await page.locator("section[aria-labelledby=members-title]").screenshot({
        path: `${OUT}members-${s.width}-${s.colorScheme}.png`,
      });
    });
    await a.close();
    await dot(ann.user.id).and(page.locator("[data-presence=offline]")).waitFor({
      state: "attached",
      timeout: 5000,
    });
    assert.equal(await dot(ann.user.id).isVisible(), false);
    assert.equal(await dot(cyd.user.id).isVisible(), false);
    assert.deepEqual(errors, []);
  },
);
