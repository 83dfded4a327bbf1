/**
 * Every signed-in page works on a phone (360–414 px) as on a desktop, light and dark: what
 * the page is for (a form, results, the history) is on the screen, inside its width, and a
 * page other than the list has a way back to the list. Screenshots in test-output/phone/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { annAndBen, browserTest, screenshotsIn } from "../support/browser.ts";
import { createProjectVia, json } from "../support/helpers.ts";

const OUT = screenshotsIn("phone");

const SIZES = [
  { width: 375, height: 812, themes: ["light", "dark"] },
  { width: 1280, height: 800, themes: ["light", "dark"] },
  { width: 360, height: 740, themes: ["light"] },
  { width: 414, height: 896, themes: ["light"] },
] as const;

/** Whether the element is shown, has an area, and lies within the screen's width. */
async function onScreen(page: Page, selector: string): Promise<string | null> {
  const el = page.locator(selector).first();
  if (await el.count() === 0) return `${selector}: missing`;
  await el.scrollIntoViewIfNeeded({ timeout: 2_000 }).catch(() => {});
  const box = await el.boundingBox();
  const width = page.viewportSize()!.width;
  if (!box || box.width < 1 || box.height < 1) return `${selector}: not shown`;
  if (box.x < -1 || box.x + box.width > width + 1) {
    return `${selector}: ${Math.round(box.x)}..${Math.round(box.x + box.width)} of ${width}px`;
  }
  return null;
}

browserTest(
  "every signed-in page shows what it is for at 360, 375, 414 and 1280 px, light and dark, with a way back to the list on a phone",
  async ({ server, browser }, t) => {
    const { ann, id: conv } = await annAndBen(server, "Launch plan");
    const said = await server.fetch(
      `/api/conversations/${conv}/messages`,
      json("POST", { content: "Deploying at 5." }, ann.cookie),
    );
    assert.equal(said.status, 201);
    const project = await createProjectVia(server, ann.cookie, {
      name: "Website",
      description: "The new site",
    });

    // What each page is for: shown on every screen.
    const pages = [
      { name: "home", path: "/", shows: ["nav[aria-label=Conversations] a"] },
      {
        name: "new",
        path: "/new",
        shows: ["#usernames", "form[action='/api/conversations'] button"],
      },
      {
        name: "projects",
        path: "/projects",
        shows: ["#project-name", "ul[aria-label='Your projects'] a"],
      },
      {
        name: "search",
        path: "/search?q=deploy",
        shows: ["ol[aria-label=Results] a", "#search-page-q"],
      },
      { name: "account", path: "/account", shows: ["input[name=currentPassword]"] },
      {
        name: "conversation",
        path: `/conversations/${conv}`,
        shows: ["textarea", "ol[aria-label=History] li"],
      },
      {
        name: "project",
        path: `/projects/${project.id}`,
        shows: ["textarea", "aside[aria-label=Project] h2"],
      },
    ];
    const problems: string[] = [];
    for (const size of SIZES) {
      for (const theme of size.themes) {
        await t.step(`${size.width} px, ${theme}`, async () => {
          const context = await browser.newContext({
            viewport: { width: size.width, height: size.height },
            colorScheme: theme,
          });
          const [name, value] = ann.cookie.split("=");
          await context.addCookies([{ name, value, url: server.base }]);
          const phone = size.width < 768;
          try {
            for (const p of pages) {
              const page = await context.newPage();
              await page.goto(`${server.base}${p.path}`);
              await page.waitForLoadState("networkidle").catch(() => {});
              const where = `${p.name} at ${size.width} ${theme}`;
              for (const selector of p.shows) {
                const wrong = await onScreen(page, selector);
                if (wrong) problems.push(`${where}: ${wrong}`);
              }
              // A phone shows one pane: anywhere but the list itself, a way back to it.
              if (phone && p.name !== "home") {
                const back = page.locator("a[href='/']").filter({ visible: true });
                if (await back.count() === 0) problems.push(`${where}: no way back to the list`);
              }
              const overflow = await page.evaluate(() =>
                document.documentElement.scrollWidth - document.documentElement.clientWidth
              );
              if (overflow > 1) problems.push(`${where}: ${overflow}px too wide`);
              if (size.width === 375 || size.width === 1280) {
                await page.evaluate(() => scrollTo(0, 0));
                await page.screenshot({ path: `${OUT}${p.name}-${size.width}-${theme}.png` });
              }
              await page.close();
            }
          } finally {
            await context.close();
          }
        });
      }
    }
    assert.deepEqual(problems, []);
  },
);
