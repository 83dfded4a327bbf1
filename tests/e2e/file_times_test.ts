/**
 * A project file's time gives its full date on hover, like a message's time: the file list
 * (islands/FileManager.tsx) draws it as a <time> with its date-time and the full date as the
 * title. Chromium at 375 and 1280 px, with and without JavaScript.
 */
import assert from "node:assert/strict";
import { browserTest, screenshotsIn, signedInContext } from "../support/browser.ts";
import { createProjectVia, registerUser, uploadInit } from "../support/helpers.ts";

const OUT = screenshotsIn("file_times");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

browserTest(
  "a project file's time shows its full date on hover",
  async ({ server, browser }, t) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const project = await createProjectVia(server, ann.cookie, { name: "Apollo" });
    const up = await server.fetch(
      `/api/projects/${project.id}/files`,
      uploadInit("plan.txt", "the plan", ann.cookie),
    );
    assert.equal(up.status, 201, await up.clone().text());
    const { file } = await up.json();
    const d = new Date(file.createdAt);
    const two = (n: number) => String(n).padStart(2, "0");
    // The browser runs in UTC here (timezoneId), so its full date is the UTC one.
    const full = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${
      two(d.getUTCHours())
    }:${two(d.getUTCMinutes())}`;

    for (const javaScript of [true, false]) {
      for (const width of [375, 1280]) {
        await t.step(`${width} px, ${javaScript ? "with" : "without"} JavaScript`, async () => {
          const context = await signedInContext(browser, server.base, ann.cookie, {
            viewport: { width, height: 800 },
            javaScriptEnabled: javaScript,
            timezoneId: "UTC",
          });
          const page = await context.newPage();
          await page.goto(`${server.base}/projects/${project.id}`);
          if (javaScript) {
            await page.locator("[data-island=FileManager][data-hydrated]").waitFor({
              state: "attached",
            });
          }
          const files = page.locator("[aria-label='Project files']");
          const row = files.locator("li").filter({ hasText: "plan.txt" });
          const time = row.locator("time");
          await time.hover();
          assert.equal(await time.getAttribute("dateTime"), file.createdAt);
          assert.equal(await time.getAttribute("title"), full, "the full date on hover");
          await page.screenshot({ path: `${OUT}files-${width}-${javaScript ? "js" : "nojs"}.png` });
          await context.close();
        });
      }
    }
  },
);
