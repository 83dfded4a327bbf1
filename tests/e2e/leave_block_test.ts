/**
 * Issue 15, item 11 in Chromium at 375 and 1280 px: the conversation header's "⋯" menu
 * leaves a group one was pulled into, and blocks a direct conversation's other person, who
 * then cannot start one again. Screenshots in test-output/leave_block/.
 */
import assert from "node:assert/strict";
import { browserTest, openChatPage } from "../support/browser.ts";
import { createConversationVia, json, registerUser } from "../support/helpers.ts";

const OUT = new URL("../../test-output/leave_block/", import.meta.url).pathname;

browserTest(
  "the conversation menu: leave a group, block a direct conversation (item 11)",
  async ({ server, browser }, t) => {
    await Deno.mkdir(OUT, { recursive: true });
    for (const width of [375, 1280]) {
      await t.step(`${width} px`, async () => {
        const ann = await registerUser(server, { displayName: `Ann ${width}` });
        const ben = await registerUser(server, { displayName: `Ben ${width}` });
        const cy = await registerUser(server);
        const group = await createConversationVia(
          server,
          ann.cookie,
          [ben.user, cy.user],
          `Pulled in ${width}`,
        );
        const direct = await createConversationVia(server, ann.cookie, [ben.user]);

        const page = await openChatPage(browser, server.base, ben.cookie, {
          path: `/conversations/${group}`,
          context: { viewport: { width, height: 800 } },
        });
        await page.getByLabel("Conversation options").click();
        await page.screenshot({ path: `${OUT}menu-${width}.png` });
        await page.getByRole("button", { name: "Leave conversation" }).click();
        await page.waitForURL(`${server.base}/`);
        assert.equal(await page.getByText(`Pulled in ${width}`).count(), 0, "gone from the list");

        await page.goto(`${server.base}/conversations/${direct}`);
        await page.getByLabel("Conversation options").click();
        await page.getByRole("button", { name: `Block Ann ${width} and hide` }).click();
        await page.waitForURL(`${server.base}/`);
        const again = await server.fetch(
          "/api/conversations",
          json("POST", { participantIds: [ben.user.id] }, ann.cookie),
        );
        assert.equal(again.status, 403);
        assert.equal((await again.json()).error.code, "blocked");
        await page.context().close();
      });
    }
  },
);
