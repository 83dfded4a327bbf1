/**
 * The chat page tells the truth about itself (issue 15): it says "Offline, retrying…" as soon
 * as the network is gone or the socket has gone silent, and catches up at once when it comes
 * back; your pending messages are drawn as yours; a removed member's page turns read-only;
 * and without JavaScript the page opens at the newest message and says nothing of a socket.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "playwright-core";
import { annAndBen, browserTest, openChatPage } from "../support/browser.ts";
import { json, okJson, registerUser } from "../support/helpers.ts";
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

/** The pending rows: whether each starts a group with Ann's avatar and name, and its state. */
async function pendingRows(page: Page) {
  return await page.locator("li[data-pending]").evaluateAll((rows) =>
    rows.map((li) => ({
      name: li.querySelector(".msg-name")?.textContent ?? null,
      avatar: li.querySelector(".avatar") !== null,
      state: (li.textContent ?? "").includes("Not sent") ? "not sent" : "sending",
    }))
  );
}

browserTest("your pending messages are drawn as yours, never in someone else's group", async ({
  server,
  browser,
}) => {
  const { ann, ben, id } = await annAndBen(server);
  await post(server, ben.cookie, id, "hello from Ben");
  const errors: string[] = [];
  const page = await openChatPage(browser, server.base, ann.cookie, {
    path: `/conversations/${id}`,
    errors,
  });
  const composer = page.locator("#composer");

  // "Sending…": the network is gone, two messages wait after Ben's.
  await page.context().setOffline(true);
  await badgeSays(page, "Offline, retrying…", 10_000);
  for (const text of ["on my way", "five minutes"]) {
    await composer.fill(text);
    await composer.press("Enter");
  }
  await page.locator("li[data-pending]").nth(1).waitFor();
  // Before: no name and no avatar, drawn as the rest of Ben's group.
  assert.deepEqual(await pendingRows(page), [
    { name: "Ann Lee", avatar: true, state: "sending" },
    { name: null, avatar: false, state: "sending" },
  ]);
  await page.context().setOffline(false);
  await page.locator("li[data-seq='3']").getByText("five minutes").waitFor();
  assert.equal(await page.locator("li[data-pending]").count(), 0);

  // "Not sent": its file was deleted before it went; it comes after Ben's newer message.
  await post(server, ben.cookie, id, "see you");
  await page.locator("li[data-seq='4']").waitFor();
  await page.locator("form input[type=file]").setInputFiles({
    name: "plan.txt",
    mimeType: "text/plain",
    buffer: Buffer.from("the plan"),
  });
  await page.getByRole("button", { name: "Remove" }).waitFor();
  const { files } = await okJson(
    await server.fetch(`/api/conversations/${id}/files`, { headers: { cookie: ann.cookie } }),
  );
  const gone = await server.fetch(
    `/api/conversations/${id}/files/${files[0].id}`,
    json("DELETE", undefined, ann.cookie),
  );
  assert.ok(gone.ok, `delete answered ${gone.status}`);
  await composer.fill("the plan, attached");
  await composer.press("Enter");
  await page.locator("li[data-pending]", { hasText: "Not sent" }).waitFor();
  assert.deepEqual(await pendingRows(page), [
    { name: "Ann Lee", avatar: true, state: "not sent" },
  ]);
  assert.deepEqual(errors, []);
});

browserTest("a removed member's page turns read-only at once and drops what was queued", async ({
  server,
  browser,
}) => {
  const ann = await registerUser(server, { username: "ann", displayName: "Ann Lee" });
  const ben = await registerUser(server, { username: "ben", displayName: "Ben Ode" });
  const project = async (name: string) => {
    const { project } = await okJson(
      await server.fetch("/api/projects", json("POST", { name }, ann.cookie)),
      201,
    );
    await okJson(
      await server.fetch(
        `/api/projects/${project.id}/members`,
        json("POST", { username: "ben" }, ann.cookie),
      ),
      201,
    );
    await post(server, ann.cookie, project.conversationId, `welcome to ${name}`);
    return project as { id: string; conversationId: string };
  };
  const removeBen = async (p: { id: string }) => {
    const res = await server.fetch(
      `/api/projects/${p.id}/members/${ben.user.id}`,
      json("DELETE", undefined, ann.cookie),
    );
    assert.equal(res.status, 204);
  };
  const readOnly = async (page: Page) => ({
    badge: await badge(page).innerText(),
    composers: await page.locator("#composer").count(),
    notice: (await page.locator("[data-testid=read-only]").innerText()).replace(/\s+/g, " "),
    pending: await page.locator("li[data-pending]").count(),
    retry: await page.getByRole("button", { name: "Retry" }).count(),
    tools: await page.locator("[data-island=ChatRoom] .msg-bar:visible").count(),
    // The project's side: no Leave, no upload or delete (only a member may).
    memberActions: await page.locator("form[action*='/members/']:visible").count(),
    fileArea: await page.locator("[data-island=FileManager] [data-member-only]:visible").count(),
  });
  const errors: string[] = [];

  // Removed while the page is live: read-only at once.
  const launch = await project("Launch");
  const page = await openChatPage(browser, server.base, ben.cookie, {
    path: `/projects/${launch.id}`,
    errors,
  });
  await removeBen(launch);
  // Before: still "Live", the composer still there (a send answered "Not sent", Retry).
  await badgeSays(page, "Read only", 5_000);
  assert.deepEqual(await readOnly(page), {
    badge: "Read only",
    composers: 0,
    notice: "You are no longer a participant of this conversation. You can still read it here.",
    pending: 0,
    retry: 0,
    tools: 0,
    memberActions: 0,
    fileArea: 0,
  });
  await page.locator("li[data-seq='1']").getByText("welcome to Launch").waitFor();

  // Removed while offline with two messages waiting: they are dropped, and it says so.
  const second = await project("Second");
  const other = await page.context().newPage();
  other.on("pageerror", (e) => errors.push(e.message));
  await other.goto(`${server.base}/projects/${second.id}`);
  await badgeSays(other, "Live", 10_000);
  await other.context().setOffline(true);
  await badgeSays(other, "Offline, retrying…", 10_000);
  for (const text of ["first", "second"]) {
    await other.locator("#composer").fill(text);
    await other.locator("#composer").press("Enter");
  }
  await other.locator("li[data-pending]").nth(1).waitFor();
  await removeBen(second);
  await other.context().setOffline(false);
  await badgeSays(other, "Read only", 10_000);
  assert.deepEqual(await readOnly(other), {
    badge: "Read only",
    composers: 0,
    notice: "You are no longer a participant of this conversation. You can still read it " +
      "here. 2 messages you wrote were not sent.",
    pending: 0,
    retry: 0,
    tools: 0,
    memberActions: 0,
    fileArea: 0,
  });
  assert.deepEqual(errors, []);
});

/** Where the history's scroller is: which messages show, and any word about a socket. */
async function opening(page: Page) {
  return await page.evaluate(() => {
    const box = document.querySelector("[data-testid=messages]")!.getBoundingClientRect();
    const rows = [...document.querySelectorAll<HTMLElement>("li[data-seq]")];
    const shown = rows.filter((li) => {
      const r = li.getBoundingClientRect();
      return r.bottom > box.top && r.top < box.bottom;
    }).map((li) => Number(li.dataset.seq));
    const text = (document.querySelector("[data-island=ChatRoom]") as HTMLElement).innerText;
    return {
      newestShown: shown.includes(Number(rows.at(-1)!.dataset.seq)),
      oldestShown: shown.includes(Number(rows[0].dataset.seq)),
      socketWords: /Connecting|Live|Offline|retrying|online/.test(text),
    };
  });
}

browserTest(
  "without JavaScript a conversation opens at its newest message, quiet about sockets",
  async ({
    server,
    browser,
  }) => {
    const { ann, ben, id } = await annAndBen(server);
    const { project } = await okJson(
      await server.fetch("/api/projects", json("POST", { name: "Launch" }, ann.cookie)),
      201,
    );
    for (let i = 1; i <= 40; i++) {
      await post(server, i % 2 ? ann.cookie : ben.cookie, id, `message ${i}`);
      await post(server, ann.cookie, project.conversationId, `project note ${i}`);
    }
    for (
      const [path, width] of [[`/conversations/${id}`, 1280], [`/projects/${project.id}`, 1280], [
        `/conversations/${id}`,
        375,
      ]] as const
    ) {
      for (const javaScriptEnabled of [false, true]) {
        const page = await openChatPage(browser, server.base, ann.cookie, {
          path,
          context: { javaScriptEnabled, viewport: { width, height: 760 } },
        });
        const seen = await opening(page);
        // Before, without JavaScript: the oldest shown, and "Connecting…" for good.
        assert.deepEqual(seen, {
          newestShown: true,
          oldestShown: false,
          socketWords: javaScriptEnabled,
        }, `${path} at ${width} px, JavaScript ${javaScriptEnabled ? "on" : "off"}`);
        await page.context().close();
      }
    }
  },
);
