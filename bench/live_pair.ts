/**
 * Before/after pairs for the "ChatRoom live" figure: two trees' apps on copies of the same
 * small store (1,000 messages), visited in turn by one Chromium (a new context per visit, as
 * bench/browser.ts does), so a shared machine's noise falls on both alike. Prints each
 * tree's median timeline (bench/browser.ts's Timeline) and, with BENCH_TRACE=1, where the
 * renderer's main thread spent the time to live (a Chromium trace, summed by event name).
 *
 *   deno run -A bench/live_pair.ts <before-tree> [after-tree (default: this one)] [rounds=5]
 *
 * Make the before tree with `git worktree add $(mktemp -d) <commit>`.
 */
import type { Page } from "playwright-core";
import { type Timeline, visitLive } from "./browser.ts";
import { lastMessageText, signIn, snapshotApp, startApp } from "./http.ts";
import { ROOT, type Server } from "./process.ts";
import { seededStore } from "./seed.ts";
import { launchChromium } from "../tests/support/browser.ts";

type Target = { name: string; server: Server; cookie: string; url: string; last: string };

async function start(tmp: string, name: string, root: string): Promise<Target> {
  const dir = await Deno.makeTempDir({ dir: tmp, prefix: `${name}-` });
  const app = await snapshotApp(dir, root);
  const store = await seededStore(ROOT, { history: 1000, conversations: 0 }, dir);
  const server = await startApp(app, store.path);
  const cookie = await signIn(server.base, store.reader, store.password);
  const last = await lastMessageText(server.base, cookie, store);
  const url = `${server.base}/conversations/${store.conversationId}`;
  return { name, server, cookie, url, last };
}

type TraceEvent = { name: string; ph: string; dur?: number; ts: number; tid: number; pid: number };

/**
 * The main thread's time by event name (ms) in a trace of one visit, up to `untilMs` after
 * the navigation started. Nested events count in each of their names (ParseHTML includes
 * the scripts it ran); `RunTask` is the thread's busy time.
 */
function summarise(events: TraceEvent[], untilMs: number): Record<string, number> {
  // The page's renderer: of the renderers' main threads, the busiest (about:blank's is not).
  const busy = new Map<string, number>();
  for (const e of events) {
    if (e.ph === "X" && e.name === "ParseHTML") {
      busy.set(`${e.pid}/${e.tid}`, (busy.get(`${e.pid}/${e.tid}`) ?? 0) + (e.dur ?? 0));
    }
  }
  const top = [...busy].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!top) return {};
  const [pid, tid] = top.split("/").map(Number);
  const main = { pid, tid };
  const nav = events.filter((e) => e.name === "navigationStart" && e.pid === pid).at(-1);
  if (!nav) return {};
  const end = nav.ts + untilMs * 1000;
  const names = [
    "RunTask",
    "ParseHTML",
    "EvaluateScript",
    "v8.compileModule",
    "v8.evaluateModule",
    "FunctionCall",
    "UpdateLayoutTree",
    "Layout",
    "PrePaint",
    "Paint",
    "Layerize",
    "ParseAuthorStyleSheet",
    "HitTest",
    "MajorGC",
    "MinorGC",
  ];
  const out: Record<string, number> = {};
  for (const e of events) {
    if (e.pid !== main.pid || e.tid !== main.tid || e.ph !== "X" || !e.dur) continue;
    if (e.ts < nav.ts || e.ts > end || !names.includes(e.name)) continue;
    out[e.name] = (out[e.name] ?? 0) + Math.min(e.dur, end - e.ts) / 1000;
  }
  return out;
}

async function traced(page: Page, sink: TraceEvent[][]): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  sink.push(events);
  cdp.on("Tracing.dataCollected", (m) => events.push(...(m.value as unknown as TraceEvent[])));
  await cdp.send("Tracing.start", {
    categories: "toplevel,devtools.timeline,blink.user_timing,v8.execute,__metadata,loading,blink",
    transferMode: "ReportEvents",
  });
  (page as unknown as { __stopTrace: () => Promise<void> }).__stopTrace = async () => {
    const done = new Promise((resolve) => cdp.once("Tracing.tracingComplete", resolve));
    await cdp.send("Tracing.end");
    await done;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const [before, after = ROOT, roundsArg = "5"] = Deno.args;
  if (!before) throw new Error("usage: bench/live_pair.ts <before-tree> [after-tree] [rounds]");
  const rounds = Number(roundsArg);
  const trace = Deno.env.get("BENCH_TRACE") === "1";
  const tmp = await Deno.makeTempDir({ prefix: "live-pair-" });
  const targets = [await start(tmp, "before", before), await start(tmp, "after", after)];
  const browser = await launchChromium();
  const timelines = new Map<string, Timeline[]>(targets.map((t) => [t.name, []]));
  const traces = new Map<string, Record<string, number>[]>(targets.map((t) => [t.name, []]));
  try {
    // One visit each first: the servers' first answers (and Chromium's) are not counted.
    for (const t of targets) await visitLive(browser, t.server.base, t.cookie, t.url, t.last);
    for (let r = 0; r < rounds; r++) {
      for (const t of r % 2 ? [...targets].reverse() : targets) {
        const sink: TraceEvent[][] = [];
        let stop: (() => Promise<void>) | undefined;
        const visit = await visitLive(
          browser,
          t.server.base,
          t.cookie,
          t.url,
          t.last,
          trace
            ? async (page) => {
              await traced(page, sink);
              stop = (page as unknown as { __stopTrace: () => Promise<void> }).__stopTrace;
            }
            : undefined,
          trace ? () => stop!() : undefined,
        );
        timelines.get(t.name)!.push(visit.timeline);
        if (trace) traces.get(t.name)!.push(summarise(sink[0], visit.timeline.shown));
        console.log(
          `${t.name} round ${r + 1}: live ${visit.timeline.shown.toFixed(0)} ms ` +
            JSON.stringify(visit.timeline, (_, v) => typeof v === "number" ? Math.round(v) : v),
        );
      }
    }
  } finally {
    await browser.close();
    for (const t of targets) await t.server.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  console.log(`\nmedians over ${rounds} visits each (ms after navigation start):`);
  const keys = Object.keys(timelines.get("before")![0]) as (keyof Timeline)[];
  console.log(["", ...targets.map((t) => t.name)].join("\t"));
  for (const k of keys) {
    console.log(
      [k, ...targets.map((t) => median(timelines.get(t.name)!.map((x) => x[k])))]
        .map((v) => typeof v === "number" ? v.toFixed(0) : v).join("\t"),
    );
  }
  if (trace) {
    console.log("\nrenderer main thread until live, median ms by event:");
    const names = [...new Set(targets.flatMap((t) => traces.get(t.name)!.flatMap(Object.keys)))];
    for (const n of names) {
      console.log(
        [n, ...targets.map((t) => median(traces.get(t.name)!.map((x) => x[n] ?? 0)))]
          .map((v) => typeof v === "number" ? v.toFixed(1) : v).join("\t"),
      );
    }
  }
  const uptime = await Deno.readTextFile("/proc/loadavg").catch(() => "");
  console.log(`\nload average: ${uptime.split(" ").slice(0, 3).join(" ")}`);
}

if (import.meta.main) await main();
