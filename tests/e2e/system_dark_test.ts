/**
 * Dark mode without JavaScript: a page whose reader made no choice follows the system's
 * prefers-color-scheme by the stylesheet alone (static/theme.js cannot run), and with
 * JavaScript an explicit Light or Dark (ThemeToggle, kept in localStorage) still beats the
 * system's. Chromium at 375 and 1280 px; screenshots in test-output/system_dark/.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { browserTest, signedInContext } from "../support/browser.ts";
import { registerUser } from "../support/helpers.ts";

const OUT = new URL("../../test-output/system_dark/", import.meta.url).pathname;
const DARK_BODY = "rgb(2, 6, 23)"; // bg-slate-950
const LIGHT_BODY = "rgb(241, 245, 249)"; // bg-slate-100

async function bodyColour(
  browser: Browser,
  base: string,
  cookie: string,
  options: { width: number; scheme: "light" | "dark"; javaScript: boolean; chosen?: string },
) {
  const context = await signedInContext(browser, base, cookie, {
    viewport: { width: options.width, height: 800 },
    colorScheme: options.scheme,
    javaScriptEnabled: options.javaScript,
  });
  if (options.chosen) {
    await context.addInitScript(`localStorage.setItem("theme", ${JSON.stringify(options.chosen)})`);
  }
  const page = await context.newPage();
  await page.goto(`${base}/account`);
  const colours = await page.evaluate(() => ({
    body: getComputedStyle(document.body).backgroundColor,
    field: getComputedStyle(document.querySelector("input[type=password]")!).backgroundColor,
    scheme: getComputedStyle(document.documentElement).colorScheme,
  }));
  const name = `${options.width}-${options.scheme}-${options.javaScript ? "js" : "nojs"}-${
    options.chosen ?? "system"
  }`;
  await page.screenshot({ path: `${OUT}${name}.png` });
  await context.close();
  return colours;
}

browserTest("dark mode follows the system without JavaScript; explicit choices still win", async (
  { server, browser },
  t,
) => {
  await Deno.mkdir(OUT, { recursive: true });
  const me = await registerUser(server);
  for (const width of [375, 1280]) {
    await t.step(`${width} px`, async () => {
      const at = (scheme: "light" | "dark", javaScript: boolean, chosen?: string) =>
        bodyColour(browser, server.base, me.cookie, { width, scheme, javaScript, chosen });

      const noJsDark = await at("dark", false);
      assert.equal(noJsDark.body, DARK_BODY, "no JavaScript, dark system: a dark page");
      assert.equal(noJsDark.field, "rgb(2, 6, 23)", "and dark fields");
      assert.equal(noJsDark.scheme, "dark");
      assert.equal((await at("light", false)).body, LIGHT_BODY, "no JavaScript, light system");

      assert.equal((await at("dark", true)).body, DARK_BODY, "JavaScript, system choice, dark");
      assert.equal((await at("light", true)).body, LIGHT_BODY, "JavaScript, system, light");
      const light = await at("dark", true, "light");
      assert.equal(light.body, LIGHT_BODY, "an explicit Light beats a dark system");
      assert.equal(light.scheme, "light");
      assert.equal(
        (await at("light", true, "dark")).body,
        DARK_BODY,
        "explicit Dark, light system",
      );
    });
  }
});
