/**
 * Issue 15's sidebar, in Chromium at 375 and 1280 px, light and dark (screenshots in
 * test-output/sidebar/): a dot on a person who is online anywhere (item 9), amber when away,
 * none when offline; a conversation you were taken out of leaves the list at once (item 4);
 * the preview says what a message says, not its Markdown; projects and groups have their own
 * icons; the mentions offer goes once answered or dismissed (item 8).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest, forEachScreen, screenshotsIn, signedInContext } from "../support/browser.ts";
import { createConversationVia, createProjectVia, json, registerUser } from "../support/helpers.ts";
import { openSocket } from "../support/ws_client.ts";

const OUT = screenshotsIn("sidebar");

/** The sidebar's entry of a conversation. */
const item = (page: Page, id: string) =>
  page.locator(`nav[aria-label=Conversations] a[href="/conversations/${id}"]`);

browserTest(
  "the sidebar: presence dots, removal, plain previews, kind icons, the mentions offer",
  async ({ server, browser }, t) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    const cy = await registerUser(server, { username: "cyd", displayName: "Cy Park" });
    const direct = await createConversationVia(server, ann.cookie, [ben.user]);
    const said = await server.fetch(
      `/api/conversations/${direct}/messages`,
      json("POST", { content: "**bold** and _slanted_ and `code`" }, ben.cookie),
    );
    assert.equal(said.status, 201);
    const group = await createConversationVia(server, cy.cookie, [ann.user, ben.user], "Team");
    const project = await createProjectVia(server, ben.cookie, { name: "Apollo" }, ["ann"]);

    // Ann on the home page, her list live (1280 px first: the list is beside the page).
    const context = await signedInContext(browser, server.base, ann.cookie, {
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.base}/`);
    await page.locator("[data-island=ConversationList][data-hydrated]").waitFor().catch(() => {});
    const benMark = item(page, direct).locator("[data-presence]");

    await t.step(
      "the preview reads as text; projects and groups have their own icons",
      async () => {
        const text = await item(page, direct).innerText();
        assert.match(text, /bold and slanted and code/);
        assert.doesNotMatch(text, /\*\*|_slanted_|`/);
        await item(page, group).locator("[data-kind=group]").waitFor();
        await item(page, project.conversationId).locator("[data-kind=project]").waitFor();
        const nav = await page.locator("nav[aria-label=Conversations]").innerText();
        assert.doesNotMatch(nav, /^#$/m, "no bare # icon");
      },
    );

    await t.step(
      "a dot when Ben has the app open anywhere, amber when away, none offline",
      async () => {
        assert.equal(await benMark.count(), 0, "offline: no dot");
        const b = await openSocket(server.base, ben.cookie);
        await benMark.and(page.locator("[data-presence=active]")).waitFor({ timeout: 5000 });
        b.send({ type: "presence", state: "away" });
        await benMark.and(page.locator("[data-presence=away]")).waitFor({ timeout: 5000 });
        await page.locator("nav[aria-label=Conversations]").screenshot({
          path: `${OUT}away-1280.png`,
        });
        b.send({ type: "presence", state: "active" });
        await benMark.and(page.locator("[data-presence=active]")).waitFor({ timeout: 5000 });
        // At phone width the list is the home page itself.
        await forEachScreen(
          page,
          (s) => page.screenshot({ path: `${OUT}${s.width}-${s.colorScheme}.png` }),
        );
        await page.setViewportSize({ width: 1280, height: 800 });
        await b.close();
        await benMark.waitFor({ state: "detached", timeout: 5000 });
      },
    );

    await t.step("taken out of a project, its conversation leaves the list at once", async () => {
      await item(page, project.conversationId).waitFor();
      const removed = await server.fetch(
        `/api/projects/${project.id}/members/${ann.user.id}`,
        json("DELETE", undefined, ben.cookie),
      );
      assert.ok(removed.status < 300, await removed.text());
      await item(page, project.conversationId).waitFor({ state: "detached", timeout: 5000 });
      await item(page, group).waitFor();
    });

    await t.step("the mentions offer goes once dismissed, and stays gone", async () => {
      const permission = await page.evaluate(() => Notification.permission);
      const offer = page.getByText("Notify me when someone mentions me");
      if (permission !== "default") {
        // Headless Chromium may answer for the person: then the offer is never shown.
        assert.equal(await offer.count(), 0);
        return;
      }
      await offer.waitFor();
      await page.getByRole("button", { name: "Not now: hide this offer" }).click();
      await offer.waitFor({ state: "detached" });
      await page.reload();
      await item(page, direct).waitFor();
      await page.waitForTimeout(300);
      assert.equal(await offer.count(), 0, "still gone after a reload");
    });
    assert.deepEqual(errors, []);
    await context.close();
  },
);
