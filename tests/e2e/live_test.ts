/**
 * The chat page gets live fast and says so exactly: its head names every module its islands
 * load (modulepreload: no import waterfall), the page's socket opens as the client entry
 * runs, and the ChatRoom island marks its root `data-joined` once the socket is subscribed
 * (the conversation's `recent_messages` rendered), and unmarks it while the socket is down.
 */
import assert from "node:assert/strict";
import { annAndBen, browserTest, openChatPage } from "../support/browser.ts";
import { json, okJson, registerUser, withApp, withCookie } from "../support/helpers.ts";

browserTest("the chat page preloads its modules and marks the room joined while it is", async ({
  server,
  browser,
}) => {
  const { ann, ben, id } = await annAndBen(server);
  await okJson(
    await server.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content: "hi" }, ben.cookie),
    ),
    201,
  );
  const errors: string[] = [];
  const page = await openChatPage(browser, server.base, ann.cookie, {
    path: `/conversations/${id}`,
    errors,
  });
  const room = page.locator("[data-island=ChatRoom] section");
  await page.locator("[data-island=ChatRoom] [data-joined=true]").waitFor();

  // Every module script the page loaded was named in its head, and ChatRoom's among them.
  const { preloaded, loaded, entry } = await page.evaluate(() => ({
    preloaded: [...document.head.querySelectorAll<HTMLLinkElement>("link[rel=modulepreload]")]
      .map((l) => l.href),
    entry: document.head.querySelector<HTMLScriptElement>("script[type=module][src*='/assets/']")!
      .src,
    loaded: performance.getEntriesByType("resource").map((e) => e.name)
      .filter((n) => n.includes("/assets/") && n.endsWith(".js")),
  }));
  // The room's and the shell's islands are one module (islands/app.ts), with a few chunks.
  assert.ok(preloaded.some((h) => h.endsWith("/app.js")), preloaded.join("\n"));
  assert.ok(preloaded.some((h) => /\/chunk-[\w-]+\.js$/.test(h)), preloaded.join("\n"));
  for (const src of loaded) {
    assert.ok(src === entry || preloaded.includes(src), `${src} was not preloaded`);
  }

  // The socket goes down: not joined; it comes back by itself: joined again.
  server.ctx.hub.closeAll(1012, "restart");
  await page.locator("[data-island=ChatRoom] section:not([data-joined])").waitFor();
  await page.getByText("Live", { exact: true }).waitFor();
  await room.and(page.locator("[data-joined=true]")).waitFor();
  // Joined means subscribed: a message sent now arrives.
  await okJson(
    await server.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content: "back" }, ben.cookie),
    ),
    201,
  );
  await page.locator("li[data-seq='2']").getByText("back").waitFor();
  assert.deepEqual(errors, []);
  await page.context().close();
});

Deno.test("a page preloads the modules of the islands it has, and no others", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann", displayName: "Ann Lee" });
    const home = await (await app.fetch("/", withCookie(ann.cookie))).text();
    const head = home.slice(0, home.indexOf("</head>"));
    assert.match(head, /<script type="module" src="\/assets\/\w+\/boot\.js" async data-socket>/);
    assert.match(head, /<link rel="modulepreload" href="\/assets\/\w+\/app\.js">/);
    assert.ok(!home.includes("/AuthForm.js"), "the home page names AuthForm.js");
    const signedOut = await (await app.fetch("/login")).text();
    assert.match(signedOut, /<script type="module" src="\/assets\/\w+\/boot\.js" async>/);
    assert.match(signedOut, /<link rel="modulepreload" href="\/assets\/\w+\/AuthForm\.js">/);
    assert.ok(!signedOut.includes("/app.js"), "the sign-in page names the shell's module");
  });
});
