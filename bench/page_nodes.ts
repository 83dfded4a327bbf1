/**
 * What the chat page's markup costs Chromium by itself: the page as the app served it (saved
 * with its stylesheet), and variants of it with parts left out, served from a bare file server
 * and loaded without scripts in a new context each, interleaved. Prints the medians of the
 * page's main-thread counters (CDP Performance.getMetrics: tasks, style, layout), its DOM node
 * count, first paint and `load`. The variants say what a part of the markup costs, e.g.
 * `toolbars`: every message's action toolbar (a form of four buttons) left out.
 *
 *   deno run -A bench/page_nodes.ts <saved page.html> <styles.css> [rounds=7] [other page.html]
 *
 * With another saved page (e.g. the same conversation from another tree), it is measured
 * as one more variant, "other page", interleaved with the rest.
 *
 * Save the page and its stylesheet from a running app (e.g. the bench's store: curl with the
 * reader's session cookie).
 */
import { launchChromium } from "../tests/support/browser.ts";

const VARIANTS: Record<string, (html: string) => string> = {
  "as served": (h) => h,
  "no message toolbars": (h) => h.replace(/<form action="#m\d+" role="toolbar".*?<\/form>/gs, ""),
  "no island props": (h) => h.replace(/ data-props="[^"]*"/g, ' data-props="{}"'),
  // Skipping off-screen messages' style and layout: measured only, not adopted (its paint
  // containment would clip each message's toolbar, drawn above the message's box).
  "messages content-visibility": (h) =>
    h.replace(
      "</head>",
      "<style>li.msg{content-visibility:auto;contain-intrinsic-size:auto 64px}</style></head>",
    ),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const [pagePath, cssPath, roundsArg = "7", otherPath] = Deno.args;
  const saved = async (path: string) =>
    (await Deno.readTextFile(path))
      .replace(/<script[^>]*>.*?<\/script>/gs, "")
      .replace(/<link rel="modulepreload"[^>]*>/g, "")
      .replace(/<link rel="stylesheet" href="[^"]*"/, '<link rel="stylesheet" href="/styles.css"');
  const page = await saved(pagePath);
  const css = await Deno.readTextFile(cssPath);
  const bodies = Object.fromEntries(Object.entries(VARIANTS).map(([k, f]) => [k, f(page)]));
  if (otherPath) bodies["other page"] = await saved(otherPath);
  const names = Object.keys(bodies);
  const server = Deno.serve({ port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/styles.css") {
      return new Response(css, { headers: { "content-type": "text/css" } });
    }
    const body = bodies[decodeURIComponent(url.pathname.slice(1))];
    if (!body) return new Response("not found", { status: 404 });
    return new Response(body, { headers: { "content-type": "text/html; charset=utf-8" } });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const browser = await launchChromium();
  const rows = new Map<string, Record<string, number>[]>(names.map((n) => [n, []]));
  try {
    for (let r = 0; r < Number(roundsArg) + 1; r++) {
      for (const name of r % 2 ? [...names].reverse() : names) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const tab = await context.newPage();
        const cdp = await context.newCDPSession(tab);
        await cdp.send("Performance.enable");
        await tab.goto(`${base}/${encodeURIComponent(name)}`, { waitUntil: "load" });
        await tab.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r))));
        const { metrics } = await cdp.send("Performance.getMetrics");
        const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
        const timing = await tab.evaluate(() => {
          const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
          const paint = performance.getEntriesByName("first-contentful-paint")[0];
          return {
            interactive: nav.domInteractive,
            firstPaint: paint?.startTime ?? 0,
            load: nav.loadEventEnd,
          };
        });
        await context.close();
        if (r === 0) continue; // the first round warms Chromium and the server
        rows.get(name)!.push({
          bytes: bodies[name].length,
          nodes: m.Nodes,
          taskMs: m.TaskDuration * 1000,
          styleMs: m.RecalcStyleDuration * 1000,
          layoutMs: m.LayoutDuration * 1000,
          ...timing,
        });
      }
    }
  } finally {
    await browser.close();
    await server.shutdown();
  }
  const keys = Object.keys(rows.get(names[0])![0]);
  console.log(["", ...names].join("\t"));
  for (const k of keys) {
    console.log(
      [k, ...names.map((n) => median(rows.get(n)!.map((x) => x[k])).toFixed(0))].join("\t"),
    );
  }
  const load = await Deno.readTextFile("/proc/loadavg").catch(() => "");
  console.log(`load average: ${load.split(" ").slice(0, 3).join(" ")}`);
}

if (import.meta.main) await main();
