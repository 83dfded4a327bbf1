/**
 * The chat page gets live fast and says so exactly: its head names every module its islands
 * load (modulepreload: no import waterfall), the page's socket opens as the client entry
 * runs, and the ChatRoom island marks its root `data-joined` once the socket is subscribed
 * (the conversation's `recent_messages` rendered), and unmarks it while the socket is down.
 */
import assert from "node:assert/strict";
import { annAndBen, browserTest, openChatPage, signedInContext } from "../support/browser.ts";
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

browserTest("the chat page's socket opens from the head, joined on its upgrade", async ({
  server,
  browser,
}) => {
  const { ann, ben, id } = await annAndBen(server);
  for (const content of ["one", "two"]) {
    await okJson(
      await server.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content }, ben.cookie),
      ),
      201,
    );
  }
  const context = await signedInContext(browser, server.base, ann.cookie);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  // When the socket was made, against the parser's end (the page's own clock).
  await page.addInitScript(`(() => {
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) { super(...args); (window.__made ??= []).push(performance.now()); }
    };
  })()`);
  const sockets: { url: string; sent: string[] }[] = [];
  page.on("websocket", (ws) => {
    const s = { url: ws.url(), sent: [] as string[] };
    sockets.push(s);
    ws.on("framesent", (f) => s.sent.push(String(f.payload)));
  });
  await page.goto(`${server.base}/conversations/${id}`);
  await page.locator("[data-island=ChatRoom] [data-joined=true]").waitFor();
  const { made, parsed } = await page.evaluate(() => ({
    made: (window as unknown as { __made: number[] }).__made,
    parsed: (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming)
      .domInteractive,
  }));
  // One socket, made by the head's script before the document was parsed, its upgrade
  // joining the conversation from the newest message the page holds: no join frame follows.
  assert.equal(made.length, 1);
  assert.ok(made[0] < parsed, `the socket was made at ${made[0]} ms, parsed at ${parsed} ms`);
  assert.equal(sockets.length, 1);
  assert.equal(new URL(sockets[0].url).search, `?join=${id}&since=2`);
  const joins = sockets[0].sent.map((f) => JSON.parse(f)).filter((f) => f.type === "join");
  assert.deepEqual(joins, []);
  // Live: a message sent now arrives, and nothing was refused (the CSP allows the script).
  await okJson(
    await server.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content: "three" }, ben.cookie),
    ),
    201,
  );
  await page.locator("li[data-seq='3']").getByText("three").waitFor();
  assert.deepEqual(problems, []);

  // Down and back: the new socket joins with a frame from the newest seq it holds.
  server.ctx.hub.closeAll(1012, "restart");
  await page.locator("[data-island=ChatRoom] section:not([data-joined])").waitFor();
  await page.locator("[data-island=ChatRoom] section[data-joined=true]").waitFor();
  assert.equal(sockets.length, 2);
  assert.equal(new URL(sockets[1].url).search, "");
  const rejoin = sockets[1].sent.map((f) => JSON.parse(f)).find((f) => f.type === "join");
  assert.equal(rejoin?.conversationId, id);
  assert.equal(rejoin?.since, 3);
  await context.close();
});

Deno.test("a page preloads the modules of the islands it has, and no others", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann", displayName: "Ann Lee" });
    const home = await (await app.fetch("/", withCookie(ann.cookie))).text();
    const head = home.slice(0, home.indexOf("</head>"));
    assert.match(head, /<script type="module" src="\/assets\/\w+\/boot\.js" async data-socket>/);
    assert.match(head, /<link rel="modulepreload" href="\/assets\/\w+\/app\.js">/);
    assert.ok(!home.includes("/AuthForm.js"), "the home page names AuthForm.js");
    // A live page opens its socket from the head: the one inline script, first in the head.
    assert.match(
      head,
      /^<!DOCTYPE html><html[^>]*><head><meta charset="utf-8"\/?><meta name="hearth-socket" content=""><script>\(\(\)=>/,
    );
    const signedOut = await (await app.fetch("/login")).text();
    assert.match(signedOut, /<script type="module" src="\/assets\/\w+\/boot\.js" async>/);
    assert.match(signedOut, /<link rel="modulepreload" href="\/assets\/\w+\/AuthForm\.js">/);
    assert.ok(!signedOut.includes("/app.js"), "the sign-in page names the shell's module");
    assert.ok(!signedOut.includes("<script>"), "a page without a socket has no inline script");
  });
});

Deno.test("a page's Link header preloads its stylesheet and exactly the modules its head names", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann", displayName: "Ann Lee" });
    const linked = (res: Response) =>
      (res.headers.get("link") ?? "").split(", ").map((part) => {
        const m = /^<([^>]+)>; rel=(preload; as=style|modulepreload)$/.exec(part);
        assert.ok(m, `a Link part the browser would not act on: ${part}`);
        return { href: m[1], rel: m[2] };
      });
    for (const [path, cookie] of [["/", ann.cookie], ["/login", undefined]] as const) {
      const res = await app.fetch(path, cookie ? withCookie(cookie) : undefined);
      const html = await res.text();
      const head = html.slice(0, html.indexOf("</head>"));
      const stylesheet = /<link rel="stylesheet" href="([^"]+)"/.exec(head)?.[1];
      const entry = /<script type="module" src="(\/assets\/[^"]+)" async/.exec(head)?.[1];
      const preloads = [...head.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)]
        .map((m) => m[1]);
      const links = linked(res);
      assert.deepEqual(links[0], { href: stylesheet, rel: "preload; as=style" }, path);
      assert.deepEqual(
        links.slice(1).map((l) => l.rel === "modulepreload" && l.href),
        [entry, ...preloads],
        `${path}: the header names the head's entry and its preloads, in order`,
      );
      // Every preload is a file the server has (a wrong one would cost a fetch for nothing).
      for (const { href } of links) {
        const asset = await app.fetch(href);
        await asset.body?.cancel();
        assert.equal(asset.status, 200, href);
      }
    }
  });
});
