/**
 * The account page lists the people you block, each with an Unblock button that works with
 * and without JavaScript (a plain form posting to /api/conversations/blocked/:id/remove).
 * Chromium at 375 and 1280 px; screenshots in test-output/account_blocked/.
 */
import assert from "node:assert/strict";
import { browserTest, signedInContext } from "../support/browser.ts";
import { createConversationVia, json, registerUser } from "../support/helpers.ts";

const OUT = new URL("../../test-output/account_blocked/", import.meta.url).pathname;

browserTest(
  "the account page lists blocked people and unblocks them",
  async ({ server, browser }, t) => {
    await Deno.mkdir(OUT, { recursive: true });
    for (const javaScript of [false, true]) {
      for (const width of [375, 1280]) {
        const label = `${width} px, ${javaScript ? "with" : "without"} JavaScript`;
        await t.step(label, async () => {
          const ann = await registerUser(server, { displayName: `Ann ${width}${javaScript}` });
          const ben = await registerUser(server);
          const direct = await createConversationVia(server, ann.cookie, [ben.user]);
          const blocked = await server.fetch(
            `/api/conversations/${direct}/block`,
            json("POST", {}, ben.cookie),
          );
          assert.equal(blocked.status, 204);

          const context = await signedInContext(browser, server.base, ben.cookie, {
            viewport: { width, height: 800 },
            javaScriptEnabled: javaScript,
          });
          const page = await context.newPage();
          await page.goto(`${server.base}/account`);
          const section = page.getByRole("region", { name: "Blocked people" });
          await section.getByText(ann.user.displayName).waitFor();
          const button = section.getByRole("button", { name: `Unblock ${ann.user.displayName}` });
          assert.ok(await button.isVisible(), "the Unblock button is on screen");
          const box = await button.boundingBox();
          assert.ok(box && box.x + box.width <= width, `the button fits in ${width} px`);
          await page.screenshot({
            path: `${OUT}blocked-${width}-${javaScript ? "js" : "nojs"}.png`,
            fullPage: true,
          });
          await button.click();
          await page.waitForURL(`${server.base}/account?done=unblocked`);
          await page.getByRole("status").filter({ hasText: "Unblocked" }).waitFor();
          assert.equal(
            await section.getByText(ann.user.displayName).count(),
            0,
            "no longer listed",
          );
          await section.getByText("You block nobody.").waitFor();

          const again = await server.fetch(
            "/api/conversations",
            json("POST", { participantIds: [ben.user.id] }, ann.cookie),
          );
          assert.ok(
            again.status === 200 || again.status === 201,
            `Ann may start one: ${again.status}`,
          );
          await context.close();
        });
      }
    }
  },
);
