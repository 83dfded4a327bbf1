/**
 * Issue 15, item 5: a project's files are live. Another member's upload and delete show in
 * an open project page without a reload (before the fix they showed only after one).
 * Chromium at 375 and 1280 px, light and dark (test-output/sidebar/files-*.png).
 */
import assert from "node:assert/strict";
import { browserTest, forEachScreen, openChatPage, screenshotsIn } from "../support/browser.ts";
import { createProjectVia, json, registerUser, uploadInit } from "../support/helpers.ts";

const OUT = screenshotsIn("sidebar");

browserTest(
  "another member's upload and delete show in an open project page",
  async ({ server, browser }) => {
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const project = await createProjectVia(server, ben.cookie, { name: "Apollo" }, ["ann"]);
    const errors: string[] = [];
    const page = await openChatPage(browser, server.base, ann.cookie, {
      path: `/projects/${project.id}`,
      errors,
      context: { viewport: { width: 1280, height: 800 } },
    });
    await page.locator("[data-island=FileManager][data-hydrated]").waitFor({ state: "attached" });
    const files = page.locator("[aria-label='Project files']");
    await page.getByText("No files yet.").waitFor();

    const up = await server.fetch(
      `/api/projects/${project.id}/files`,
      uploadInit("plan.txt", "the plan", ben.cookie),
    );
    assert.equal(up.status, 201, await up.clone().text());
    const { file } = await up.json();
    await files.getByText("plan.txt").waitFor({ timeout: 5000 });
    await forEachScreen(
      page,
      (s) =>
        page.locator("section[aria-labelledby=files-title]").screenshot({
          path: `${OUT}files-${s.width}-${s.colorScheme}.png`,
        }),
    );
    const gone = await server.fetch(
      `/api/projects/${project.id}/files/${file.id}`,
      json("DELETE", undefined, ben.cookie),
    );
    assert.equal(gone.status, 204);
    await page.getByText("No files yet.").waitFor({ timeout: 5000 });
    assert.deepEqual(errors, []);
  },
);
