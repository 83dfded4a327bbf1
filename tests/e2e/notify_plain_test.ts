/**
 * A mention's browser notification says what the message shows, not its Markdown: the
 * sidebar's notify() turns the message into plain text (lib/shared/plain_text.ts), as the
 * list's preview does. (Notifications are recorded, the tab reported hidden.)
 */
import assert from "node:assert/strict";
import { browserTest } from "../support/browser.ts";
import { createConversationVia, json, registerUser } from "../support/helpers.ts";
import { nthShown, openRecording } from "../support/notifications.ts";

browserTest(
  "a mention's notification shows plain text, not raw Markdown",
  async ({ server, browser }) => {
    const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
    const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
    const id = await createConversationVia(server, ann.cookie, [ben.user], "Plans");
    const quiet = await createConversationVia(server, ann.cookie, [ben.user], "Quiet");

    // Another conversation open: "Live" says the page's socket (the list's too) is open.
    const page = await openRecording(browser, server.base, ben.cookie, `/conversations/${quiet}`, {
      hidden: true,
      live: true,
    });
    const content = "**Ready**, @ben: read [the plan](https://example.com/plan) and `ship` it";
    const res = await server.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content }, ann.cookie),
    );
    assert.equal(res.status, 201);
    assert.deepEqual(await nthShown(page), {
      title: "Ann Lee mentioned you in Plans",
      body: "Ready, @ben: read the plan and ship it",
    });
    await page.context().close();
  },
);
