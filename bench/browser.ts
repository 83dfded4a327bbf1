/**
 * The browser figures of `deno task bench`: Debian's Chromium through playwright-core opens
 * the signed-in conversation page on localhost (a fresh context each time: nothing cached)
 * and reports what the page loaded and when the ChatRoom island was live.
 *
 * - JavaScript and CSS: every script and stylesheet the page loaded, gzip-compressed here
 *   (level 6, CompressionStream) whatever the server sent: the budget is about what a
 *   gzipping proxy would ship.
 * - Live: the island is joined (its socket subscribed to the conversation) and shows
 *   history: the island sets `data-joined` on its root once the socket's `recent_messages`
 *   for the conversation is rendered (the history itself is in the page from the server).
 *   An init script notes when that attribute appears (a MutationObserver) and the next
 *   animation frame (painted); measured from navigation start (`performance.now()` in the
 *   page), and the newest message's text must be on the page by then.
 * - The ceiling: the same browser loading the bare Hono route (navigation start to `load`).
 */
import { launchChromium, signedInContext } from "../tests/support/browser.ts";
import { lastMessageText, signIn, startApp, startCeiling } from "./http.ts";
import type { SeededStore } from "./seed.ts";

export type BrowserFigures = {
  jsGzipBytes: number;
  cssGzipBytes: number;
  files: { url: string; type: string; bytes: number; gzipBytes: number }[];
  /** Median over the runs, ms after navigation start. */
  liveMs: number;
  loadMs: number;
  liveRuns: number[];
  ceilingLoadMs: number;
};

/**
 * Runs in the page before its scripts: notes when the island said it was joined, and painted.
 * `__benchLiveShown` settles then: one awaited evaluate instead of playwright's
 * waitForFunction, which would compile its injected script and poll on every animation frame
 * in the page it measures.
 */
const LIVE_PROBE = `(() => {
  let shown;
  window.__benchLiveShown = new Promise((resolve, reject) => {
    shown = resolve;
    setTimeout(() => reject(new Error("the ChatRoom island was not live within 15 s")), 15000);
  });
  const observer = new MutationObserver(() => {
    if (window.__benchLive || !document.querySelector("[data-island=ChatRoom] [data-joined]")) return;
    observer.disconnect();
    window.__benchLive = { joined: performance.now(), shown: 0 };
    requestAnimationFrame(() => { window.__benchLive.shown = performance.now(); shown(); });
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-joined"] });
})();`;

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchBrowser(
  app: string,
  store: SeededStore,
  runs: number,
): Promise<BrowserFigures> {
  const server = await startApp(app, store.path);
  const ceiling = await startCeiling();
  const browser = await launchChromium();
  try {
    const base = server.base;
    const cookie = await signIn(base, store.reader, store.password);
    const last = await lastMessageText(base, cookie, store);
    const url = `${base}/conversations/${store.conversationId}`;
    const liveRuns: number[] = [];
    const loads: number[] = [];
    let files: BrowserFigures["files"] = [];
    for (let i = 0; i < runs; i++) {
      const context = await signedInContext(browser, base, cookie);
      try {
        const page = await context.newPage();
        await page.addInitScript(LIVE_PROBE);
        const loaded: Promise<BrowserFigures["files"][number] | null>[] = [];
        page.on("response", (res) => {
          const type = res.request().resourceType();
          if (type !== "script" && type !== "stylesheet") return;
          loaded.push((async () => {
            if (!res.ok()) throw new Error(`${res.url()} answered ${res.status()}`);
            const body = new Uint8Array(await res.body());
            return { url: res.url(), type, bytes: body.length, gzipBytes: await gzipSize(body) };
          })());
        });
        const nav = await page.goto(url, { waitUntil: "load" });
        if (nav?.status() !== 200) throw new Error(`the chat page answered ${nav?.status()}`);
        await page.evaluate(() =>
          (window as unknown as { __benchLiveShown: Promise<void> }).__benchLiveShown
        );
        const probe = await page.evaluate(() => {
          const w = window as unknown as { __benchLive: { joined: number; shown: number } };
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          return { ...w.__benchLive, load: nav.loadEventEnd };
        });
        if (!(await page.content()).includes(last)) {
          throw new Error("the chat page does not show the newest message");
        }
        const hydrated = await page.locator("[data-island='ChatRoom'][data-hydrated]").count();
        if (hydrated === 0) {
          throw new Error("the ChatRoom island was not hydrated (no [data-hydrated] marker)");
        }
        liveRuns.push(probe.shown);
        loads.push(probe.load);
        files = (await Promise.all(loaded)).filter((f) => f !== null);
      } finally {
        await context.close();
      }
    }
    const ceilingLoads: number[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${ceiling.base}/`, { waitUntil: "load" });
        ceilingLoads.push(
          await page.evaluate(() =>
            (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming)
              .loadEventEnd
          ),
        );
      } finally {
        await context.close();
      }
    }
    const sum = (type: string) =>
      files.filter((f) => f.type === type).reduce((n, f) => n + f.gzipBytes, 0);
    return {
      jsGzipBytes: sum("script"),
      cssGzipBytes: sum("stylesheet"),
      files,
      liveMs: median(liveRuns),
      loadMs: median(loads),
      liveRuns,
      ceilingLoadMs: median(ceilingLoads),
    };
  } finally {
    await browser.close();
    await ceiling.stop();
    await server.stop();
  }
}
