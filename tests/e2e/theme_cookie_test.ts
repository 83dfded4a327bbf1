/**
 * The theme chosen on a device is a cookie the server renders with: the page arrives with
 * `dark` or `light` on its root (no script before the first paint), with or without
 * JavaScript; without a choice the system's applies. ThemeToggle writes the cookie. Chromium
 * at 375 and 1280 px, light and dark; screenshots in test-output/theme_cookie/.
 */
import assert from "node:assert/strict";
import { annAndBen, browserTest, signedInContext } from "../support/browser.ts";
import { withApp, withCookie } from "../support/helpers.ts";
import { registerUser } from "../support/helpers.ts";

const OUT = new URL("../../test-output/theme_cookie/", import.meta.url).pathname;
const DARK_BODY = "rgb(2, 6, 23)"; // bg-slate-950
const LIGHT_BODY = "rgb(241, 245, 249)"; // bg-slate-100

Deno.test("the page's root carries the theme cookie's choice, and only a known one", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann", displayName: "Ann Lee" });
    const root = async (theme?: string) => {
      const cookie = theme === undefined ? ann.cookie : `${ann.cookie}; theme=${theme}`;
      const html = await (await app.fetch("/account", withCookie(cookie))).text();
      return /^<!DOCTYPE html>(<html[^>]*>)/.exec(html)?.[1];
    };
    assert.equal(await root(), '<html lang="en" class="h-full">');
    assert.equal(await root("dark"), '<html lang="en" class="h-full dark">');
    assert.equal(await root("light"), '<html lang="en" class="h-full light">');
    assert.equal(await root('x" onload="alert(1)'), '<html lang="en" class="h-full">');
    assert.equal(await root("system"), '<html lang="en" class="h-full">');
  });
});

browserTest("a chosen theme shows from the first paint, with or without JavaScript", async (
  { server, browser },
  t,
) => {
  await Deno.mkdir(OUT, { recursive: true });
  const { ann, id } = await annAndBen(server);
  for (const width of [375, 1280]) {
    for (const scheme of ["light", "dark"] as const) {
      await t.step(`${width} px, ${scheme} system`, async () => {
        const other = scheme === "dark" ? "light" : "dark";
        for (const javaScriptEnabled of [false, true]) {
          const context = await signedInContext(browser, server.base, ann.cookie, {
            viewport: { width, height: 800 },
            colorScheme: scheme,
            javaScriptEnabled,
          });
          await context.addCookies([{ name: "theme", value: other, url: server.base }]);
          const page = await context.newPage();
          // What the first paint shows: the document as it arrives, before any script ran.
          await page.goto(`${server.base}/conversations/${id}`, { waitUntil: "commit" });
          await page.waitForSelector("body");
          // The first paint waits for the head's stylesheet (render-blocking); reading the
          // body's colour before it has arrived would read the browser's default.
          await page.waitForFunction(
            () => [...document.styleSheets].some((s) => (s.href ?? "").endsWith("/styles.css")),
            undefined,
            { polling: 20 },
          );
          const first = await page.evaluate(() => ({
            root: document.documentElement.className,
            body: getComputedStyle(document.body).backgroundColor,
          }));
          assert.match(first.root, new RegExp(`\\b${other}\\b`));
          assert.equal(first.body, other === "dark" ? DARK_BODY : LIGHT_BODY);
          await page.waitForLoadState("load");
          const js = javaScriptEnabled ? "js" : "nojs";
          await page.screenshot({ path: `${OUT}chat-${width}-${scheme}-chose-${other}-${js}.png` });
          await context.close();
        }
      });
    }
  }
});

browserTest("the theme toggle writes the cookie the next page is rendered with", async (
  { server, browser },
) => {
  const { ann, id } = await annAndBen(server);
  const context = await signedInContext(browser, server.base, ann.cookie, {
    viewport: { width: 1280, height: 800 },
    colorScheme: "light",
  });
  const page = await context.newPage();
  await page.goto(`${server.base}/conversations/${id}`);
  await page.locator("[data-island=ThemeToggle][data-hydrated]").waitFor();
  const toggle = page.getByRole("button", { name: /^Theme:/ });
  const themeCookie = async () =>
    (await context.cookies()).find((c) => c.name === "theme")?.value ?? null;
  assert.equal(await themeCookie(), null);
  await toggle.click(); // system → light
  assert.equal(await themeCookie(), "light");
  await toggle.click(); // light → dark
  assert.equal(await themeCookie(), "dark");
  assert.ok(await page.evaluate(() => document.documentElement.classList.contains("dark")));
  const res = await page.goto(`${server.base}/conversations/${id}`);
  assert.match(await res!.text(), /^<!DOCTYPE html><html lang="en" class="h-full dark">/);
  await page.locator("[data-island=ThemeToggle][data-hydrated]").waitFor();
  await toggle.click(); // dark → system: the cookie goes, the system's light applies
  assert.equal(await themeCookie(), null);
  assert.ok(await page.evaluate(() => document.documentElement.classList.contains("light")));
  await context.close();
});
