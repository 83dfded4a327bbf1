/**
 * /api/docs in Chromium without JavaScript, at a phone's width and a desktop's, light and
 * dark: nothing wider than the screen, the contents' links reach their groups, dark mode
 * reaches the cards. Screenshots in test-output/api-docs/.
 */
import assert from "node:assert/strict";
import { browserTest, SCREENS, screenshotsIn } from "../support/browser.ts";

const OUT = screenshotsIn("api-docs");

browserTest(
  "the API docs page reads well without JavaScript, in every look",
  async ({ server, browser }) => {
    for (const screen of SCREENS) {
      const context = await browser.newContext({
        viewport: { width: screen.width, height: screen.height },
        colorScheme: screen.colorScheme,
        javaScriptEnabled: false,
      });
      try {
        const page = await context.newPage();
        const res = await page.goto(`${server.base}/api/docs`);
        assert.equal(res?.status(), 200);
        await page.getByRole("heading", { level: 1, name: "Hearth API" }).waitFor();
        const look = `${screen.width} ${screen.colorScheme}`;

        // Nothing sideways: long paths and schemas wrap.
        const overflow = await page.evaluate(() =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth
        );
        assert.equal(overflow, 0, `${look}: the page is ${overflow}px wider than the screen`);

        // The contents' link to a group scrolls to it (a plain anchor).
        await page.getByRole("navigation", { name: "Groups" }).getByRole("link", {
          name: /^Messages/,
        })
          .click();
        assert.match(page.url(), /#tag-messages$/);
        const top = await page.locator("#tag-messages").evaluate((el) =>
          el.getBoundingClientRect().top
        );
        assert.ok(Math.abs(top) < 40, `${look}: the Messages group is at the top (${top})`);

        // A card: its method, path and who may call it; dark mode reaches it.
        const card = page.locator("article#postApiConversationsByIdMessages");
        await card.scrollIntoViewIfNeeded();
        assert.match(await card.innerText(), /POST\s+\/api\/conversations\/\{id\}\/messages/);
        assert.match(await card.innerText(), /Signed in/);
        assert.match(await card.innerText(), /clientId/);
        const background = await card.evaluate((el) => getComputedStyle(el).backgroundColor);
        if (screen.colorScheme === "dark") {
          assert.notEqual(background, "rgb(255, 255, 255)", `${look}: a white card in dark mode`);
        } else assert.equal(background, "rgb(255, 255, 255)");
        await page.screenshot({ path: `${OUT}${screen.width}-${screen.colorScheme}.png` });
      } finally {
        await context.close();
      }
    }
  },
);
