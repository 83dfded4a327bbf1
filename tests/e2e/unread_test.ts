/**
 * Unread counts in Chromium: live badges and the tab title, read marks synced across tabs,
 * and the "New messages" line. Two people, API-made data, real pages.
 */
import assert from "node:assert/strict";
import { annAndBen, browserTest, signedInContext } from "../support/browser.ts";
import { createConversationVia, json } from "../support/helpers.ts";

browserTest(
  "unread counts follow reading across tabs, show in the title, and mark where new begins",
  async ({ server, browser }, t) => {
    const { ann, ben, id: launch } = await annAndBen(server, "Launch");
    const other = await createConversationVia(server, ann.cookie, [ben.user], "Other");
    const post = async (id: string, content: string) => {
      const res = await server.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content }, ann.cookie),
      );
      assert.equal(res.status, 201);
    };
    await post(launch, "first, read before the page opens");

    const context = await signedInContext(browser, server.base, ben.cookie, {
      viewport: { width: 1200, height: 800 },
    });
    const errors: string[] = [];
    context.on("page", (p) => p.on("pageerror", (e) => errors.push(e.message)));
    const tab1 = await context.newPage();
    tab1.on("pageerror", (e) => errors.push(e.message));

    await t.step("a message elsewhere shows as unread in the list and the title", async () => {
      await tab1.goto(`${server.base}/conversations/${other}`);
      await tab1.locator("[data-island=ConversationList][data-hydrated]").waitFor();
      await tab1.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      await tab1.getByText("Live", { exact: true }).waitFor();
      await post(launch, "are you there?");
      await post(launch, "**deploy** at 5");
      const launchLink = tab1.getByRole("link", { name: /Launch/ });
      // "first…" counted too: Ben never opened Launch.
      await launchLink.getByLabel("3 unread").waitFor();
      await tab1.waitForFunction(() => document.title.startsWith("(3) "));
    });

    await t.step("opening it in another tab clears the count in the first one", async () => {
      const tab2 = await context.newPage();
      await tab2.goto(`${server.base}/conversations/${launch}`);
      await tab2.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      // The line sits above the first message Ben had not read.
      const divider = tab2.locator("[data-new-messages]");
      await divider.waitFor();
      const next = await divider.evaluate((el) => el.nextElementSibling?.getAttribute("data-seq"));
      assert.equal(next, "1");
      await tab2.locator("li[data-seq='3'] strong").getByText("deploy").waitFor();
      await tab1.getByRole("link", { name: /Launch/ }).getByLabel(/unread/).waitFor({
        state: "detached",
      });
      await tab1.waitForFunction(() => !/^\(\d+\+?\) /.test(document.title));
      await tab2.close();
    });

    await t.step("the line marks only what came since the last visit", async () => {
      await post(launch, "one more");
      await tab1.getByRole("link", { name: /Launch/ }).getByLabel("1 unread").waitFor();
      await tab1.goto(`${server.base}/conversations/${launch}`);
      const divider = tab1.locator("[data-new-messages]");
      await divider.waitFor();
      const next = await divider.evaluate((el) => el.nextElementSibling?.getAttribute("data-seq"));
      assert.equal(next, "4");
      const list = await server.fetch("/api/conversations", { headers: { cookie: ben.cookie } });
      const unread = (await list.json()).conversations.map((c: { unreadCount: number }) =>
        c.unreadCount
      );
      assert.deepEqual(unread, [0, 0]);
    });
    assert.deepEqual(errors, []);
  },
);
