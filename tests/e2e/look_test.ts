/**
 * Every page in Chromium at desktop and phone widths, light and dark: a screenshot of each in
 * test-output/look/ (to look at), and an axe-core check that finds no serious or critical
 * accessibility violation, and no page wider than the screen (down to 360 px).
 */
import AxeBuilder from "@axe-core/playwright";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { annAndBen, launchChromium } from "../support/browser.ts";
import { json, startTestServer, uploadInit } from "../support/helpers.ts";

const OUT = new URL("../../test-output/look/", import.meta.url).pathname;

const SIZES = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "mobile", width: 375, height: 812 },
  // The narrowest phones: only checked for overflow (no screenshots, no axe).
  { name: "narrow", width: 360, height: 740 },
] as const;
const THEMES = ["light", "dark"] as const;

Deno.test({
  name:
    "every page at desktop and 375 px, light and dark: screenshots, no overflow, no serious axe violation",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    await Deno.mkdir(OUT, { recursive: true });
    const server = await startTestServer();
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const { ann, ben, id: conv } = await annAndBen(server, "Launch plan");
      const say = async (cookie: string, content: string, id = conv) => {
        const res = await server.fetch(
          `/api/conversations/${id}/messages`,
          json("POST", { content }, cookie),
        );
        assert.equal(res.status, 201);
      };
      await say(ann.cookie, "Morning @ben! The **release notes** are done: https://deno.com");
      await say(ben.cookie, "Great. Checklist:\n- _tests_ green\n- `deno task ok`\n\n> ship it");
      // Attachments: an image preview (a one-pixel indigo GIF, shown 160 px high) and a chip.
      // deno-fmt-ignore
      const gif = new Uint8Array([
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x63, 0x66,
        0xf1, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02,
        0x02, 0x44, 0x01, 0x00, 0x3b,
      ]);
      const attachmentIds = [];
      for (
        const [name, bytes] of [["mockup.gif", gif], ["release-notes.pdf", "%PDF-1.4\n%%EOF\n"]]
      ) {
        const res = await server.fetch(
          `/api/conversations/${conv}/files`,
          uploadInit(name as string, bytes, ben.cookie),
        );
        assert.equal(res.status, 201);
        attachmentIds.push((await res.json()).file.id);
      }
      const sent = await server.fetch(
        `/api/conversations/${conv}/messages`,
        json("POST", { content: "Mockup and notes attached.", attachmentIds }, ben.cookie),
      );
      assert.equal(sent.status, 201);
      await say(ann.cookie, "Deploying at 5.");
      const project = await (await server.fetch(
        "/api/projects",
        json("POST", { name: "Website", description: "The new marketing site" }, ann.cookie),
      )).json();
      await server.fetch(
        `/api/projects/${project.project.id}/members`,
        json("POST", { username: "ben" }, ann.cookie),
      );
      await server.fetch(
        `/api/projects/${project.project.id}/files`,
        uploadInit("brief.txt", "The brief.", ann.cookie),
      );
      await say(ben.cookie, "Draft is up.", project.project.conversationId);

      const pages: { name: string; path: string; signedIn: boolean; ready?: string }[] = [
        {
          name: "login",
          path: "/login",
          signedIn: false,
          ready: "[data-island=AuthForm][data-hydrated]",
        },
        {
          name: "register",
          path: "/register",
          signedIn: false,
          ready: "[data-island=AuthForm][data-hydrated]",
        },
        { name: "home", path: "/", signedIn: true },
        {
          name: "conversation",
          path: `/conversations/${conv}`,
          signedIn: true,
          ready: "[data-island=ChatRoom][data-hydrated]",
        },
        { name: "new", path: "/new", signedIn: true },
        { name: "projects", path: "/projects", signedIn: true },
        {
          name: "project",
          path: `/projects/${project.project.id}`,
          signedIn: true,
          ready: "[data-island=FileManager][data-hydrated]",
        },
        { name: "account", path: "/account", signedIn: true },
        { name: "search", path: "/search?q=deploy", signedIn: true },
        { name: "not-found", path: "/conversations/01HZZZZZZZZZZZZZZZZZZZZZZZ", signedIn: true },
      ];

      const problems: string[] = [];
      for (const size of SIZES) {
        for (const theme of size.name === "narrow" ? ["light" as const] : THEMES) {
          await t.step(`${size.name}, ${theme}`, async () => {
            const context = await browser!.newContext({
              viewport: { width: size.width, height: size.height },
              colorScheme: theme,
            });
            const [name, value] = ann.cookie.split("=");
            try {
              for (const p of pages) {
                if (p.signedIn) await context.addCookies([{ name, value, url: server.base }]);
                else await context.clearCookies();
                const page: Page = await context.newPage();
                await page.goto(`${server.base}${p.path}`);
                if (p.ready) await page.locator(p.ready).waitFor();
                await page.waitForLoadState("networkidle").catch(() => {});
                const dark = await page.evaluate(() =>
                  document.documentElement.classList.contains("dark")
                );
                assert.equal(dark, theme === "dark", `${p.name}: the theme follows the system`);
                if (size.name !== "narrow") {
                  await page.screenshot({ path: `${OUT}${p.name}-${size.name}-${theme}.png` });
                }
                const overflow = await page.evaluate(() =>
                  document.documentElement.scrollWidth - document.documentElement.clientWidth
                );
                if (overflow > 1) problems.push(`${p.name} ${size.name}: ${overflow}px too wide`);
                // axe at one width per theme: the colours are the same at both, and it is slow.
                if (size.name !== "desktop") {
                  await page.close();
                  continue;
                }
                const axe = await new AxeBuilder({ page }).analyze();
                for (const v of axe.violations) {
                  if (v.impact !== "serious" && v.impact !== "critical") continue;
                  const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ");
                  problems.push(
                    `${p.name} ${size.name} ${theme}: ${v.id} (${v.impact}) at ${where}`,
                  );
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
    } finally {
      await browser?.close();
      await server.close();
    }
  },
});
