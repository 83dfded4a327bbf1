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
import type { Browser, Page } from "playwright-core";
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
  /** The median run's timeline (see Timeline): where the time to live went. */
  timeline: Timeline;
};

/**
 * One visit's milestones, ms after navigation start (0: did not happen), read in the page:
 * the document's first and last byte, the stylesheet's arrival, the first paint, the
 * parser's end (`domInteractive`: every classic and module script before it has run), the
 * socket made, open and its first frame, the chat room hydrated, joined and shown, `load`;
 * and how many scripts the page fetched, the last arriving when.
 */
export type Timeline = {
  firstByte: number;
  htmlDone: number;
  /** The stylesheet's request sent, its first byte (the server's answer began). */
  cssAsked: number;
  cssFirstByte: number;
  cssDone: number;
  firstPaint: number;
  interactive: number;
  scripts: number;
  scriptsDone: number;
  socketMade: number;
  socketOpen: number;
  firstFrame: number;
  hydrated: number;
  joined: number;
  shown: number;
  load: number;
};

/**
 * Runs in the page before its scripts: notes when the island said it was joined, and painted.
 * `__benchLiveShown` settles then: one awaited evaluate instead of playwright's
 * waitForFunction, which would compile its injected script and poll on every animation frame
 * in the page it measures. It also notes the socket's milestones (its constructor wrapped, the
 * page's code unchanged) and the room's hydration, for the Timeline.
 */
const LIVE_PROBE = `(() => {
  let shown;
  const t = window.__benchLive = { socketMade: 0, socketOpen: 0, firstFrame: 0, hydrated: 0, joined: 0, shown: 0 };
  window.__benchLiveShown = new Promise((resolve, reject) => {
    shown = resolve;
    setTimeout(() => reject(new Error("the ChatRoom island was not live within 15 s")), 15000);
  });
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      if (t.socketMade) return;
      t.socketMade = performance.now();
      this.addEventListener("open", () => { t.socketOpen = performance.now(); }, { once: true });
      this.addEventListener("message", () => { t.firstFrame = performance.now(); }, { once: true });
    }
  };
  const observer = new MutationObserver(() => {
    if (!t.hydrated && document.querySelector("[data-island=ChatRoom][data-hydrated]")) {
      t.hydrated = performance.now();
    }
    if (t.joined || !document.querySelector("[data-island=ChatRoom] [data-joined]")) return;
    observer.disconnect();
    t.joined = performance.now();
    requestAnimationFrame(() => { t.shown = performance.now(); shown(); });
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-joined", "data-hydrated"] });
})();`;

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The page's own account of a visit, once live and loaded (see Timeline). */
function readTimeline(): Timeline {
  const w = window as unknown as { __benchLive: Omit<Timeline, "firstByte"> };
  const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
  const res = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
  const scripts = res.filter((r) => r.initiatorType === "script" || r.name.endsWith(".js"));
  const css = res.find((r) => r.name.endsWith(".css"));
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {
    firstByte: nav.responseStart,
    htmlDone: nav.responseEnd,
    cssAsked: css?.requestStart ?? 0,
    cssFirstByte: css?.responseStart ?? 0,
    cssDone: css?.responseEnd ?? 0,
    firstPaint: paint?.startTime ?? 0,
    interactive: nav.domInteractive,
    scripts: scripts.length,
    scriptsDone: Math.max(0, ...scripts.map((r) => r.responseEnd)),
    socketMade: w.__benchLive.socketMade,
    socketOpen: w.__benchLive.socketOpen,
    firstFrame: w.__benchLive.firstFrame,
    hydrated: w.__benchLive.hydrated,
    joined: w.__benchLive.joined,
    shown: w.__benchLive.shown,
    load: nav.loadEventEnd,
  };
}

export type Visit = { timeline: Timeline; files: BrowserFigures["files"] };

/**
 * One visit of the chat page at `url` in a new context signed in with `cookie`: waits until
 * the room is live and the page loaded, checks the newest message (`last`) is shown and the
 * room hydrated, and answers the page's timeline and what it loaded. `onPage` may start
 * something on the page before it navigates (a trace), `onLive` end it once live.
 */
export async function visitLive(
  browser: Browser,
  base: string,
  cookie: string,
  url: string,
  last: string,
  onPage?: (page: Page) => Promise<unknown>,
  onLive?: (page: Page) => Promise<unknown>,
): Promise<Visit> {
  const context = await signedInContext(browser, base, cookie);
  try {
    const page = await context.newPage();
    await onPage?.(page);
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
    const timeline = await page.evaluate(readTimeline);
    await onLive?.(page);
    if (!(await page.content()).includes(last)) {
      throw new Error("the chat page does not show the newest message");
    }
    const hydrated = await page.locator("[data-island='ChatRoom'][data-hydrated]").count();
    if (hydrated === 0) {
      throw new Error("the ChatRoom island was not hydrated (no [data-hydrated] marker)");
    }
    const files = (await Promise.all(loaded)).filter((f) => f !== null);
    return { timeline, files };
  } finally {
    await context.close();
  }
}

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
    const visits: Visit[] = [];
    for (let i = 0; i < runs; i++) visits.push(await visitLive(browser, base, cookie, url, last));
    visits.sort((x, y) => x.timeline.shown - y.timeline.shown);
    const files = visits[0].files;
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
      liveMs: median(visits.map((v) => v.timeline.shown)),
      loadMs: median(visits.map((v) => v.timeline.load)),
      liveRuns: visits.map((v) => v.timeline.shown),
      timeline: visits[Math.floor(visits.length / 2)].timeline,
      ceilingLoadMs: median(ceilingLoads),
    };
  } finally {
    await browser.close();
    await ceiling.stop();
    await server.stop();
  }
}
