/**
 * The chat page tells the truth about itself (issue 15): it says "Offline, retrying…" as soon
 * as the network is gone or the socket has gone silent, and catches up at once when it comes
 * back; your pending messages are drawn as yours; a removed member's page turns read-only;
 * and without JavaScript the page opens at the newest message and says nothing of a socket.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { annAndBen, browserTest, openChatPage } from "../support/browser.ts";
import { json, okJson } from "../support/helpers.ts";
import { pausableProxy } from "../support/pausable_proxy.ts";

const badge = (page: Page) => page.locator("[data-island=ChatRoom] header [role=status]");

/** Milliseconds until `text` shows in the header's badge (fails after `within` ms). */
async function badgeSays(page: Page, text: string, within: number): Promise<number> {
  const start = Date.now();
  await page.locator("[data-island=ChatRoom] header [role=status]", { hasText: text })
    .waitFor({ timeout: within });
  return Date.now() - start;
}

async function post(
  server: { fetch(path: string, init?: RequestInit): Promise<Response> },
  cookie: string,
  id: string,
  content: string,
) {
  await okJson(
    await server.fetch(`/api/conversations/${id}/messages`, json("POST", { content }, cookie)),
    201,
  );
}

browserTest("offline: the header says so at once and the room catches up when it is back", async ({
  server,
  browser,
}) => {
  const { ann, ben, id } = await annAndBen(server);
  await post(server, ben.cookie, id, "before");
  const errors: string[] = [];
  const page = await openChatPage(browser, server.base, ann.cookie, {
    path: `/conversations/${id}`,
    errors,
  });
  await page.context().setOffline(true);
  // Before: "Live" for 45 s and more (the socket's own 30 s idle timeout, then a ping's).
  const offlineAfter = await badgeSays(page, "Offline, retrying…", 5_000);
  // Nothing comes through while offline, and the badge keeps saying so (no "Live").
  await post(server, ben.cookie, id, "while you were away");
  await post(server, ben.cookie, id, "and again");
  // Long enough for the retries to back off to several seconds apart.
  await page.waitForTimeout(8_000);
  assert.equal(await badge(page).innerText(), "Offline, retrying…");
  assert.equal(await page.locator("li[data-seq='2']").count(), 0);

  await page.context().setOffline(false);
  const backAfter = await badgeSays(page, "Live", 5_000);
  // At once, not at the next retry (seconds away by now).
  assert.ok(backAfter < 2_000, `live again only ${backAfter} ms after the network came back`);
  await page.locator("li[data-seq='3']").getByText("and again").waitFor({ timeout: 5_000 });
  assert.equal(await page.locator("li[data-seq]").count(), 3);
  console.log(`offline shown after ${offlineAfter} ms; live again ${backAfter} ms after online`);
  assert.deepEqual(errors, []);
});

browserTest("a silent socket is noticed within seconds, and the room catches up", async ({
  server,
  browser,
}) => {
  const { ann, ben, id } = await annAndBen(server);
  const proxy = pausableProxy(Number(new URL(server.base).port));
  try {
    const errors: string[] = [];
    const page = await openChatPage(browser, proxy.base, ann.cookie, {
      path: `/conversations/${id}`,
      errors,
    });
    proxy.pause();
    // navigator.onLine stays true: only the heartbeat can tell. Before: 45–60 s.
    const silentFor = await badgeSays(page, "Offline, retrying…", 20_000);
    await post(server, ben.cookie, id, "sent meanwhile");
    proxy.resume();
    const backAfter = await badgeSays(page, "Live", 20_000);
    await page.locator("li[data-seq='1']").getByText("sent meanwhile").waitFor();
    assert.equal(await page.locator("li[data-seq]").count(), 1);
    console.log(`silence noticed after ${silentFor} ms; live again ${backAfter} ms after resume`);
    assert.deepEqual(errors, []);
  } finally {
    await proxy.close();
  }
});
