/**
 * Mentions in Chromium, between two people: `@` autocompletes from the participants, the
 * mention is highlighted, counts as a mention in the list (also after a reload: the server
 * counts it), and raises a browser notification when the tab is hidden and allowed.
 */
import assert from "node:assert/strict";
import { browserTest } from "../support/browser.ts";
import { createConversationVia, json, registerUser } from "../support/helpers.ts";
import { nthShown, openRecording, shownCount } from "../support/notifications.ts";

browserTest(
  "an @mention autocompletes, is highlighted, counts in the list and notifies a hidden tab",
  async ({ server, browser }, t) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const ben = await registerUser(server, { username: "benjamin", displayName: "Ben Ode" });
    const cat = await registerUser(server, { username: "cat", displayName: "Cat Ng" });
    const launch = await createConversationVia(
      server,
      ann.cookie,
      [ben.user, cat.user],
      "Launch",
    );
    const quiet = await createConversationVia(server, ann.cookie, [ben.user], "Quiet");

    const open = (cookie: string, path: string, hidden = false) =>
      openRecording(browser, server.base, cookie, path, { hidden, width: 1200 });
    const annPage = await open(ann.cookie, `/conversations/${launch}`);
    const benPage = await open(ben.cookie, `/conversations/${quiet}`, true);
    await annPage.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
    await annPage.getByText("Live", { exact: true }).waitFor();
    await benPage.getByText("Live", { exact: true }).waitFor();

    await t.step("typing @be offers Ben; Enter picks him", async () => {
      const composer = annPage.getByLabel("Message", { exact: true });
      await composer.pressSequentially("Ready, @be");
      const options = annPage.getByRole("listbox", { name: "People to mention" });
      await options.getByRole("option", { name: /Ben Ode/ }).waitFor();
      assert.equal(await options.getByRole("option").count(), 1, "Cat does not match 'be'");
      await composer.press("Enter");
      assert.equal(await composer.inputValue(), "Ready, @benjamin ");
      await composer.pressSequentially("ship it?");
      await composer.press("Enter");
      await annPage.locator("li[data-seq='1'] [data-mention='benjamin']").waitFor();
    });

    await t.step("Ben's list counts the mention and his hidden tab notifies him", async () => {
      const link = benPage.getByRole("link", { name: /Launch/ });
      await link.getByLabel("1 mention").waitFor();
      await link.getByLabel("1 unread").waitFor();
      assert.deepEqual(await nthShown(benPage), {
        title: "Ann Lee mentioned you in Launch",
        body: "Ready, @benjamin ship it?",
      });
    });

    await t.step("a message without a mention adds unread, not mentions", async () => {
      const res = await server.fetch(
        `/api/conversations/${launch}/messages`,
        json("POST", { content: "also @cat, and mail ann@example.com" }, ann.cookie),
      );
      assert.equal(res.status, 201);
      const link = benPage.getByRole("link", { name: /Launch/ });
      await link.getByLabel("2 unread").waitFor();
      await link.getByLabel("1 mention").waitFor();
      assert.equal(await shownCount(benPage), 1);
    });

    await t.step("the server counts it too, and reading clears it", async () => {
      const list = async () =>
        (await (await server.fetch("/api/conversations", { headers: { cookie: ben.cookie } }))
          .json()).conversations.find((c: { id: string }) => c.id === launch);
      assert.equal((await list()).mentionCount, 1);
      await benPage.getByRole("link", { name: /Launch/ }).click();
      await benPage.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
      await benPage.locator("li[data-seq='1'] .mention-me").waitFor();
      assert.equal((await list()).mentionCount, 0);
      assert.equal((await list()).unreadCount, 0);
    });
  },
);
