/**
 * Dark mode reaches every field: no input, text area, select or dialog on any page is left
 * in the browser's own dark grey (what `color-scheme: dark` gives an unstyled one), at a
 * phone's width and a desktop's. Screenshots of the open dialog in test-output/phone/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { annAndBen, browserTest, screenshotsIn } from "../support/browser.ts";
import { createProjectVia, json } from "../support/helpers.ts";

const OUT = screenshotsIn("phone");

/**
 * Each shown field (and open dialog) whose background is the browser's default for an
 * unstyled one of its kind in this colour scheme, as "tag#id: colour".
 */
function unstyledFields(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const SKIP = new Set(["checkbox", "radio", "range", "color", "file", "hidden", "submit"]);
    // The browser's own look of each kind, measured on an element no page style reaches.
    const host = document.createElement("div");
    host.style.cssText = "position:fixed;left:-9999px;top:0";
    document.body.append(host);
    const shadow = host.attachShadow({ mode: "open" });
    const defaults = new Map<string, string>();
    for (const tag of ["input", "textarea", "select", "dialog"]) {
      const el = document.createElement(tag);
      if (tag === "dialog") el.setAttribute("open", "");
      shadow.append(el);
      defaults.set(tag, getComputedStyle(el).backgroundColor);
    }
    const found: string[] = [];
    const fields = document.querySelectorAll<HTMLElement>("input, textarea, select, dialog[open]");
    for (const el of fields) {
      if (el instanceof HTMLInputElement && SKIP.has(el.type)) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const tag = el.tagName.toLowerCase();
      const bg = getComputedStyle(el).backgroundColor;
      if (bg === defaults.get(tag)) found.push(`${tag}#${el.id || el.getAttribute("name")}: ${bg}`);
    }
    host.remove();
    return found;
  });
}

browserTest(
  "dark mode styles every field and the New conversation dialog, at 375 and 1280 px",
  async ({ server, browser }, t) => {
    const { ann, id: conv } = await annAndBen(server, "Launch plan");
    const project = await createProjectVia(server, ann.cookie, {
      name: "Website",
      description: "The new site",
    });
    const pages = [
      { path: "/login", signedIn: false },
      { path: "/register", signedIn: false },
      { path: "/new", signedIn: true },
      { path: "/projects", signedIn: true },
      { path: `/projects/${project.id}`, signedIn: true },
      { path: "/account", signedIn: true },
      { path: "/search?q=plan", signedIn: true },
      { path: `/conversations/${conv}`, signedIn: true },
    ];
    const problems: string[] = [];
    for (const width of [375, 1280]) {
      await t.step(`${width} px`, async () => {
        const context = await browser.newContext({
          viewport: { width, height: 800 },
          colorScheme: "dark",
        });
        const [name, value] = ann.cookie.split("=");
        try {
          for (const p of pages) {
            if (p.signedIn) await context.addCookies([{ name, value, url: server.base }]);
            else await context.clearCookies();
            const page = await context.newPage();
            await page.goto(`${server.base}${p.path}`);
            await page.waitForLoadState("networkidle").catch(() => {});
            for (const f of await unstyledFields(page)) problems.push(`${p.path} ${width}: ${f}`);
            await page.close();
          }
          // The dialog, opened from the home page's sidebar, with someone chosen.
          await context.addCookies([{ name, value, url: server.base }]);
          const page = await context.newPage();
          await page.goto(`${server.base}/`);
          await page.locator("[data-island=NewConversation][data-hydrated]").waitFor();
          await page.getByRole("button", { name: "New conversation" }).click();
          const dialog = page.getByRole("dialog", { name: "New conversation" });
          await dialog.waitFor();
          await dialog.getByRole("button", { name: /Ben Ode/ }).click();
          await page.waitForTimeout(200);
          for (const f of await unstyledFields(page)) problems.push(`dialog ${width}: ${f}`);
          await page.screenshot({ path: `${OUT}dialog-${width}-dark.png` });
          await page.close();
        } finally {
          await context.close();
        }
      });
    }
    assert.deepEqual(problems, []);
  },
);

browserTest(
  "dark mode: a message opened from a search result is marked in dark colours, its text readable",
  async ({ server, browser }) => {
    const { ann, id: conv } = await annAndBen(server, "Launch plan");
    const said = await server.fetch(
      `/api/conversations/${conv}/messages`,
      json("POST", { content: "Deploying at 5." }, ann.cookie),
    );
    assert.equal(said.status, 201);
    const { message } = await said.json();
    for (const colorScheme of ["light", "dark"] as const) {
      const context = await browser.newContext({
        viewport: { width: 375, height: 800 },
        colorScheme,
      });
      const [name, value] = ann.cookie.split("=");
      await context.addCookies([{ name, value, url: server.base }]);
      const page = await context.newPage();
      // As a search result links to it.
      await page.goto(
        `${server.base}/conversations/${conv}?around=${message.seq}#m${message.seq}`,
      );
      await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      const [bg, fg] = await page.locator(`li#m${message.seq}`).evaluate((li) => [
        getComputedStyle(li).backgroundColor,
        getComputedStyle(li.querySelector(".msg-text")!).color,
      ]);
      await page.screenshot({ path: `${OUT}opened-375-${colorScheme}.png` });
      await context.close();
      const light = (c: string) => {
        const [r, g, b] = c.match(/\d+/g)!.map(Number);
        return (r + g + b) / 3 > 128;
      };
      // The mark and the text are on opposite sides: light on dark, or dark on light.
      assert.notEqual(light(bg), light(fg), `${colorScheme}: text ${fg} on ${bg}`);
      assert.equal(light(bg), colorScheme === "light", `${colorScheme}: mark ${bg}`);
    }
  },
);
