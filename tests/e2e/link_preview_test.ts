/**
 * Issue 20, link previews in Chromium: the server unfurls the first link of Ann's message
 * (a real site on 127.0.0.1 port 0, UNFURL_ALLOW_PRIVATE), and the card shows under it
 * live for Ben in another browser, stays after a reload (the server's kept copy of the row
 * is not stale), shows a hostile title as text, gives only Ann "Remove preview", and goes
 * for both when she removes it. Without JavaScript the card is there and Remove is a form.
 * Screenshots at 375 and 1280 px, light and dark: test-output/link_preview/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  annAndBen,
  browserTest,
  forEachScreen,
  openChatPage,
  screenshotsIn,
} from "../support/browser.ts";
import { json } from "../support/helpers.ts";
import { startPageServer } from "../support/page_server.ts";
import type { Message } from "../../lib/shared/message.ts";

const OUT = screenshotsIn("link_preview");
const ENV = { PREVIEWS: "1", UNFURL_ALLOW_PRIVATE: "1" };

/** The title as the page has it: markup written as entities, which must stay text. */
const TITLE = "Q3 plans <b>bold</b> & <img src=x onerror=alert(1)>";
const esc = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

/**
 * A small web site: `/plans` is an OpenGraph page, answered only once `release()` is called
 * (so a page can be loaded while the message has no card yet); `/other` answers at once.
 */
function site() {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const hits: string[] = [];
  const page = (title: string, description: string) =>
    `<!doctype html><html><head><title>fallback</title>
<meta property="og:title" content="${esc(title)}">
<meta property="og:description" content="${esc(description)}">
<meta property="og:site_name" content="Example Docs">
<meta property="og:image" content="/cover.png">
</head><body>hello</body></html>`;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    hits.push(path);
    if (path === "/plans") await released;
    if (path === "/plans" || path === "/other") {
      return new Response(
        page(
          path === "/plans" ? TITLE : "Other page",
          "Three launches, one migration and the long-awaited dark mode: the dates, owners " +
            "and open questions for each, updated weekly by the release team.",
        ),
        { headers: { "content-type": "text/html; charset=utf-8" } },
      );
    }
    if (path === "/cover.png") {
      return new Response(COVER, { headers: { "content-type": "image/png" } });
    }
    return new Response("not here", { status: 404 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return { base, hits, release, close: () => server.shutdown() };
}

/** A 96×50 PNG of stripes: the page's `og:image`. */
const COVER = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAGAAAAAyCAIAAAAsvEmTAAAAd0lEQVR42u3ZoQ0AIAwEwE6HZUo2YCW2QDBCMTVwyetPeu7T6G2lGXOnebUnAAECBAgQIECAAAECBKgA6Ofjb3oAAQIECBAgQIAAAQIEqALIWLXmAQECBAgQIECAAAEC5C9mzQMCBAgQIECAAAECBMhfzFgFlOQAiiG2rrCBbS8AAAAASUVORK5CYII=",
  ),
  (c) => c.charCodeAt(0),
);

const row = (page: Page, seq: number) => page.locator(`li[data-seq='${seq}']`);
const card = (page: Page, seq: number) => row(page, seq).locator("[data-preview]");

browserTest(
  "a link's card shows live for Ben, only Ann may remove it, and it goes for both",
  async ({ server, browser }, t) => {
    const web = site();
    try {
      const { ann, ben, id } = await annAndBen(server, "Release plans");
      const errors: string[] = [];
      const path = `/conversations/${id}`;
      const annPage = await openChatPage(browser, server.base, ann.cookie, { path, errors });
      const benPage = await openChatPage(browser, server.base, ben.cookie, { path, errors });
      const url = `${web.base}/plans`;
      let seq = 0;

      await t.step(
        "Ann posts a link; a page rendered before the site answers has no card",
        async () => {
          await annPage.locator("#composer").fill(`Have a look at ${url} before Friday`);
          await annPage.locator("#composer").press("Enter");
          const sent = annPage.locator("li[data-seq]", { hasText: "before Friday" });
          await sent.waitFor();
          seq = Number(await sent.getAttribute("data-seq"));
          // The server has asked the site (its answer is held until released: 3 s at most).
          const until = Date.now() + 10_000;
          while (!web.hits.includes("/plans") && Date.now() < until) {
            await new Promise((r) => setTimeout(r, 20));
          }
          assert.ok(web.hits.includes("/plans"), "the server never fetched the link");
          // Meanwhile the server renders the row (and keeps a copy of it) without a card.
          const html = await (await server.fetch(path, { headers: { cookie: ben.cookie } })).text();
          assert.match(html, /before Friday/);
          assert.doesNotMatch(html, /data-preview/);
        },
      );

      await t.step("the card appears live for both once the site answers", async () => {
        await row(benPage, seq).waitFor();
        assert.equal(await card(benPage, seq).count(), 0);
        web.release();
        for (const page of [annPage, benPage]) {
          await card(page, seq).waitFor({ timeout: 10_000 });
          const link = card(page, seq).getByRole("link", { name: TITLE });
          assert.equal(await link.getAttribute("href"), url);
          assert.equal(await link.getAttribute("target"), "_blank");
          assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
          // The title's markup is text: no element came from it.
          assert.equal(await link.locator("b, img").count(), 0);
          assert.match(await card(page, seq).innerText(), /Example Docs/);
          assert.match(await card(page, seq).innerText(), /long-awaited dark mode/);
          // The page's image, through the app (same origin: the CSP stays 'self'), loaded.
          const img = card(page, seq).locator("img");
          assert.match((await img.getAttribute("src"))!, /^\/api\/previews\/[^/?]+\/image(\?|$)/);
          assert.equal(await img.getAttribute("alt"), "");
          assert.equal(await img.getAttribute("loading"), "lazy");
          await img.scrollIntoViewIfNeeded();
          await page.waitForFunction(
            (el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0,
            await img.elementHandle(),
          );
          assert.equal(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth), 96);
        }
        // Remove is the author's alone.
        assert.equal(
          await card(annPage, seq).getByRole("button", { name: "Remove preview" }).count(),
          1,
        );
        assert.equal(
          await card(benPage, seq).getByRole("button", { name: "Remove preview" }).count(),
          0,
        );
      });

      await t.step(
        "a reload shows the card (the server's copy of the row is not stale)",
        async () => {
          // The server's HTML itself (scripts would redraw a stale row): the card for both,
          // Remove preview for Ann only (put into the shared copy for her).
          const rendered = async (cookie: string) => {
            const html = await (await server.fetch(path, { headers: { cookie } })).text();
            const at = html.indexOf(`data-seq="${seq}"`);
            assert.ok(at > 0, "the message is on the page");
            return html.slice(at, html.indexOf("</li>", at));
          };
          const forBen = await rendered(ben.cookie);
          assert.match(forBen, /data-preview=/);
          assert.match(forBen, /Example Docs/);
          assert.doesNotMatch(forBen, /Remove preview|hearth-preview-remove/);
          const forAnn = await rendered(ann.cookie);
          assert.match(forAnn, /data-preview=/);
          assert.match(forAnn, /<button[^>]*data-remove-preview[^>]*>Remove preview<\/button>/);
          assert.doesNotMatch(forAnn, /hearth-preview-remove/);
          for (const page of [benPage, annPage]) {
            await page.reload();
            await page.locator("[data-island=ChatRoom][data-hydrated]").waitFor();
            await page.getByText("Live", { exact: true }).waitFor();
            await card(page, seq).waitFor();
          }
          assert.equal(
            await card(annPage, seq).getByRole("button", { name: "Remove preview" }).count(),
            1,
          );
          assert.equal(
            await card(benPage, seq).getByRole("button", { name: "Remove preview" }).count(),
            0,
          );
        },
      );

      await t.step("it fits a phone and a desktop, light and dark", async () => {
        await forEachScreen(annPage, async (s) => {
          await row(annPage, seq).scrollIntoViewIfNeeded();
          const box = await card(annPage, seq).boundingBox();
          assert.ok(box && box.x + box.width <= s.width, `the card overflows at ${s.width}`);
          const scroll = await annPage.evaluate(() =>
            document.documentElement.scrollWidth - document.documentElement.clientWidth
          );
          assert.equal(scroll, 0, `the page scrolls sideways at ${s.width}`);
          await row(annPage, seq).screenshot({
            path: `${OUT}card-${s.width}-${s.colorScheme}.png`,
          });
        });
        await annPage.setViewportSize({ width: 1280, height: 800 });
      });

      await t.step("Ann removes it: gone for both, and after a reload", async () => {
        // With JavaScript: the DELETE, no page load (the form post is the fallback).
        const deleted = annPage.waitForResponse((r) =>
          r.request().method() === "DELETE" && r.url().endsWith(`/messages/${seq}/preview`)
        );
        let loads = 0;
        annPage.on("load", () => loads++);
        await card(annPage, seq).getByRole("button", { name: "Remove preview" }).click();
        assert.equal((await deleted).status(), 204);
        for (const page of [annPage, benPage]) {
          await card(page, seq).waitFor({ state: "detached", timeout: 10_000 });
        }
        assert.equal(loads, 0);
        await benPage.reload();
        await row(benPage, seq).waitFor();
        assert.equal(await card(benPage, seq).count(), 0);
        assert.match(await row(benPage, seq).innerText(), /before Friday/);
      });
      assert.deepEqual(errors, []);
    } finally {
      await web.close();
    }
  },
  ENV,
);

browserTest(
  "without JavaScript the card shows, hostile markup is text, Remove preview is a form",
  async ({ server, browser }) => {
    const pages = startPageServer();
    try {
      const { ann, ben, id } = await annAndBen(server, "Release plans");
      const send = async (content: string) => {
        const res = await server.fetch(
          `/api/conversations/${id}/messages`,
          json("POST", { content }, ann.cookie),
        );
        assert.equal(res.status, 201);
        return (await res.json()).message.seq as number;
      };
      const handbook = await send(`The handbook: ${pages.base}/page`);
      const hostile = await send(`And this: ${pages.base}/hostile`);
      // The worker stores both cards: wait for them on the messages.
      const until = Date.now() + 15_000;
      for (;;) {
        const res = await server.fetch(
          `/api/conversations/${id}/messages`,
          json("GET", undefined, ann.cookie),
        );
        const { messages } = await res.json() as { messages: Message[] };
        if (messages.filter((m) => m.preview).length === 2) break;
        assert.ok(Date.now() < until, "the previews were not stored");
        await new Promise((r) => setTimeout(r, 50));
      }
      const open = (cookie: string) =>
        openChatPage(browser, server.base, cookie, {
          path: `/conversations/${id}`,
          context: { javaScriptEnabled: false, viewport: { width: 375, height: 812 } },
        });
      const benPage = await open(ben.cookie);
      const benCard = card(benPage, handbook);
      await benCard.getByRole("link", { name: "The Hearth handbook" }).waitFor();
      assert.match(await benCard.innerText(), /Hearth Docs/);
      assert.match(await benCard.innerText(), /chat, threads & search/);
      assert.equal(await benCard.locator("img").count(), 1);
      assert.equal(await benCard.getByRole("button").count(), 0);
      // The hostile page's title is characters on the card, not elements.
      const evil = card(benPage, hostile);
      assert.match(await evil.innerText(), /<script>alert\("t"\)<\/script><img src=x/);
      assert.equal(await evil.locator("script, img, b").count(), 0);
      await evil.screenshot({ path: `${OUT}hostile-375-light.png` });

      const annPage = await open(ann.cookie);
      await card(annPage, handbook).getByRole("button", { name: "Remove preview" }).click();
      await annPage.waitForURL((u) => u.pathname === `/conversations/${id}`);
      await row(annPage, handbook).waitFor();
      assert.equal(await card(annPage, handbook).count(), 0);
      assert.equal(await card(annPage, hostile).count(), 1);
      await benPage.reload();
      await row(benPage, handbook).waitFor();
      assert.equal(await card(benPage, handbook).count(), 0);
      assert.equal(await card(benPage, hostile).count(), 1);
    } finally {
      await pages.close();
    }
  },
  ENV,
);
