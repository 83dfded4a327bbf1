/**
 * Where a cold visit's main thread goes until the chat room is live: one tree's app on the
 * small store (1,000 messages), a few visits by Chromium (a new context each, as
 * bench/browser.ts does), each recorded with a Chromium trace (CDP Tracing, the DevTools
 * timeline's categories). Prints, per visit, the page's timeline (bench/browser.ts) and the
 * renderer main thread's self time by event, cut at the timeline's milestones (0 → htmlDone →
 * interactive → hydrated → joined), and the median of each over the visits.
 *
 *   deno run -A bench/live_trace.ts [tree (default: this one)] [visits=3] [--save=trace.json]
 */
import type { CDPSession, Page } from "playwright-core";
import { type Timeline, visitLive } from "./browser.ts";
import { lastMessageText, signIn, snapshotApp, startApp } from "./http.ts";
import { ROOT } from "./process.ts";
import { seededStore } from "./seed.ts";
import { launchChromium } from "../tests/support/browser.ts";

type TraceEvent = {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown> & { name?: string; data?: Record<string, unknown> };
};

const CATEGORIES = [
  "devtools.timeline",
  "disabled-by-default-devtools.timeline",
  "blink",
  "v8.execute",
  "blink.user_timing",
  "loading",
  "toplevel",
  "v8",
];

/** Names grouped as DevTools' summary does (the rest keep their own name). */
const GROUP: Record<string, string> = {
  ParseHTML: "parse HTML",
  ParseAuthorStyleSheet: "parse CSS",
  UpdateLayoutTree: "style",
  "Document::updateStyle": "style",
  Layout: "layout",
  PrePaint: "paint",
  Paint: "paint",
  "LocalFrameView::RunPrePaintLifecycle": "paint",
  Layerize: "paint",
  UpdateLayer: "paint",
  "Commit": "paint",
  EvaluateScript: "script",
  FunctionCall: "script",
  "v8.run": "script",
  "V8.Execute": "script",
  "v8.evaluateModule": "script",
  EventDispatch: "script",
  TimerFire: "script",
  FireAnimationFrame: "script",
  "v8.compile": "compile",
  "v8.compileModule": "compile",
  "V8.CompileCode": "compile",
  "v8.parseOnBackground": "compile",
  "V8.GCScavenger": "gc",
  MinorGC: "gc",
  MajorGC: "gc",
  "V8.GC_SCAVENGER": "gc",
  RunMicrotasks: "script",
  BlinkScheduler_PerformMicrotaskCheckpoint: "script",
  "V8.BytecodeBudgetInterrupt": "script",
  "v8.callFunction": "script",
  "LocalWindowProxy::Initialize": "context",
  "DocumentLoader::CommitNavigation": "navigation commit",
  "DocumentLoader::StartLoadingResponse": "navigation commit",
  "DocumentLoader::CreateParserPostCommit": "navigation commit",
  "Receive mojo message": "IPC (loading, sockets)",
  "SimpleWatcher::OnHandleReady": "IPC (loading, sockets)",
  RunTask: "other (task)",
  "ThreadControllerImpl::RunTask": "other (task)",
};

async function traced(page: Page): Promise<() => Promise<TraceEvent[]>> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on("Tracing.dataCollected", (e) => {
    events.push(...(e.value as unknown as TraceEvent[]));
  });
  await cdp.send("Tracing.start", {
    traceConfig: { includedCategories: CATEGORIES, recordMode: "recordAsMuchAsPossible" },
    transferMode: "ReportEvents",
  });
  return async () => {
    const done = new Promise<void>((r) => cdp.once("Tracing.tracingComplete", () => r()));
    await cdp.send("Tracing.end");
    await done;
    return events;
  };
}

/** The renderer main thread's self time by group, in windows [from, to) (ms after nav start). */
export function summarize(
  events: TraceEvent[],
  cuts: [string, number][],
): { windows: Record<string, Record<string, number>>; navStart: number } {
  const mains = new Set(
    events.filter((e) =>
      e.ph === "M" && e.name === "thread_name" &&
      e.args?.name === "CrRendererMain"
    ).map((e) => `${e.pid}:${e.tid}`),
  );
  // The renderer that parsed the page (the one with the navigationStart mark of its frame).
  const nav = events.filter((e) =>
    e.name === "navigationStart" && mains.has(`${e.pid}:${e.tid}`) &&
    String((e.args?.data as { documentLoaderURL?: string })?.documentLoaderURL ?? "")
      .includes("/conversations/")
  ).at(-1) ?? events.find((e) => e.name === "navigationStart");
  if (!nav) throw new Error("no navigationStart in the trace");
  const key = `${nav.pid}:${nav.tid}`;
  const xs = events.filter((e) => `${e.pid}:${e.tid}` === key && e.ph === "X" && e.dur)
    .sort((a, b) => a.ts - b.ts || (b.dur! - a.dur!));
  // Self time: each event's duration minus its children's, attributed at its own start.
  const windows: Record<string, Record<string, number>> = {};
  const windowOf = (ms: number) => {
    let name = cuts[cuts.length - 1][0];
    for (let i = 0; i < cuts.length; i++) {
      if (ms < cuts[i][1]) {
        name = cuts[i][0];
        break;
      }
    }
    return name;
  };
  type Open = { e: TraceEvent; end: number; child: number; group: string };
  const stack: Open[] = [];
  const close = (o: Open) => {
    const self = Math.max(0, o.e.dur! - o.child) / 1000;
    const w = windowOf((o.e.ts - nav.ts) / 1000);
    const into = windows[w] ??= {};
    into[o.group] = (into[o.group] ?? 0) + self;
  };
  for (const e of xs) {
    while (stack.length && stack.at(-1)!.end <= e.ts) close(stack.pop()!);
    const parent = stack.at(-1);
    if (parent) parent.child += e.dur!;
    const group = GROUP[e.name] ??
      (parent && !GROUP[e.name] && parent.group !== "other (task)" ? parent.group : e.name);
    stack.push({ e, end: e.ts + e.dur!, child: 0, group });
  }
  while (stack.length) close(stack.pop()!);
  return { windows, navStart: nav.ts };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const args = Deno.args.filter((a) => !a.startsWith("--"));
  const save = Deno.args.find((a) => a.startsWith("--save="))?.slice(7);
  const [tree = ROOT, visitsArg = "3"] = args;
  const tmp = await Deno.makeTempDir({ prefix: "live-trace-" });
  const seeded = await seededStore(ROOT, { history: 1000, conversations: 0 }, tmp);
  const app = await snapshotApp(tmp, tree);
  const store = { ...seeded, path: `${tmp}/store.kv` };
  await Deno.copyFile(seeded.path, store.path);
  const server = await startApp(app, store.path);
  const browser = await launchChromium();
  const rows: { timeline: Timeline; windows: Record<string, Record<string, number>> }[] = [];
  try {
    const cookie = await signIn(server.base, store.reader, store.password);
    const last = await lastMessageText(server.base, cookie, store);
    const url = `${server.base}/conversations/${store.conversationId}`;
    await visitLive(browser, server.base, cookie, url, last); // warm the server
    for (let i = 0; i < Number(visitsArg); i++) {
      let stop: (() => Promise<TraceEvent[]>) | undefined;
      let events: TraceEvent[] = [];
      const visit = await visitLive(
        browser,
        server.base,
        cookie,
        url,
        last,
        async (page) => (stop = await traced(page)),
        async () => (events = await stop!()),
      );
      const t = visit.timeline;
      const cuts: [string, number][] = [
        ["0→htmlDone", t.htmlDone],
        ["htmlDone→interactive", t.interactive],
        ["interactive→hydrated", t.hydrated],
        ["hydrated→joined", t.joined],
        ["after joined", Infinity],
      ];
      const { windows } = summarize(events, cuts);
      if (save && i === 0) await Deno.writeTextFile(save, JSON.stringify({ traceEvents: events }));
      rows.push({ timeline: t, windows });
      console.log(
        `visit ${i + 1}: ` +
          JSON.stringify(t, (_, v) => typeof v === "number" ? Math.round(v) : v),
      );
      for (const [w, groups] of Object.entries(windows)) {
        const total = Object.values(groups).reduce((a, b) => a + b, 0);
        const top = Object.entries(groups).sort((a, b) => b[1] - a[1]).slice(0, 8)
          .map(([g, ms]) => `${g} ${ms.toFixed(0)}`).join(", ");
        console.log(`  ${w}: ${total.toFixed(0)} ms busy: ${top}`);
      }
    }
  } finally {
    await browser.close();
    await server.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  console.log("\nmedians (ms):");
  const ws = [...new Set(rows.flatMap((r) => Object.keys(r.windows)))];
  for (const w of ws) {
    const groups = [...new Set(rows.flatMap((r) => Object.keys(r.windows[w] ?? {})))];
    const meds = groups.map((g) => [g, median(rows.map((r) => r.windows[w]?.[g] ?? 0))] as const)
      .filter(([, ms]) => ms >= 1).sort((a, b) => b[1] - a[1]);
    console.log(`  ${w}: ${meds.map(([g, ms]) => `${g} ${ms.toFixed(0)}`).join(", ")}`);
  }
  const keys = Object.keys(rows[0].timeline) as (keyof Timeline)[];
  console.log(
    "  timeline: " + keys.map((k) => `${k} ${median(rows.map((r) => r.timeline[k])).toFixed(0)}`)
      .join(", "),
  );
  const load = await Deno.readTextFile("/proc/loadavg").catch(() => "");
  console.log(`load average: ${load.split(" ").slice(0, 3).join(" ")}`);
}

if (import.meta.main) await main();
