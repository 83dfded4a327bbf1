/**
 * Before/after pairs for the "ChatRoom live" figure: two trees' apps on copies of the same
 * small store (1,000 messages), visited in turn by one Chromium (a new context per visit, as
 * bench/browser.ts does), so a shared machine's noise falls on both alike. Prints each
 * tree's median timeline (bench/browser.ts's Timeline) and, with BENCH_TRACE=1, how long
 * the page's main thread worked until live (Chromium's counters: tasks, script, style,
 * layout, and the DOM's node count); always, the CPU time Chromium's processes and the
 * server used per visit (/proc: steadier than wall time on a shared machine).
 *
 *   deno run -A bench/live_pair.ts <before-tree> [after-tree (default: this one)] [rounds=5]
 *
 * Make the before tree with `git worktree add $(mktemp -d) <commit>`.
 */
import type { Page } from "playwright-core";
import { type Timeline, visitLive } from "./browser.ts";
import { lastMessageText, signIn, snapshotApp, startApp } from "./http.ts";
import { cpuSeconds, ROOT, type Server } from "./process.ts";
import { type SeededStore, seededStore } from "./seed.ts";
import { launchChromium } from "../tests/support/browser.ts";

type Target = { name: string; server: Server; cookie: string; url: string; last: string };

async function start(
  tmp: string,
  name: string,
  root: string,
  seeded: SeededStore,
): Promise<Target> {
  const dir = await Deno.makeTempDir({ dir: tmp, prefix: `${name}-` });
  const app = await snapshotApp(dir, root);
  const store = { ...seeded, path: `${dir}/store.kv` };
  await Deno.copyFile(seeded.path, store.path);
  const server = await startApp(app, store.path);
  const cookie = await signIn(server.base, store.reader, store.password);
  const last = await lastMessageText(server.base, cookie, store);
  const url = `${server.base}/conversations/${store.conversationId}`;
  return { name, server, cookie, url, last };
}

/** CPU ms each of this process's descendants that is not a Deno (Chromium's processes) used. */
function browserCpu(): Map<number, number> {
  const parent = new Map<number, number>();
  const cpu = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      const pid = Number(e.name);
      comm.set(pid, stat.slice(stat.indexOf("(") + 1, close));
      parent.set(pid, Number(fields[1]));
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch { /* gone */ }
  }
  const out = new Map<number, number>();
  for (const [pid, ms] of cpu) {
    if (comm.get(pid) === "deno") continue;
    for (let p = parent.get(pid); p && p > 1; p = parent.get(p)) {
      if (p === Deno.pid) {
        out.set(pid, ms);
        break;
      }
    }
  }
  return out;
}

/** A process's CPU ms by thread name (threads of one name summed). */
function threadsOf(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const e of Deno.readDirSync(`/proc/${pid}/task`)) {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${e.name}/stat`);
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close).replace(/\d+$/, "");
      const fields = stat.slice(close + 2).split(" ");
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10);
    }
  } catch { /* gone */ }
  return out;
}

/** The CPU ms Chromium's processes used between two browserCpu() readings. */
function cpuBetween(
  before: Map<number, number>,
  after: Map<number, number>,
): Record<string, number> {
  const out: Record<string, number> = { browserCpuMs: 0 };
  for (const [pid, t] of after) {
    const ms = t - (before.get(pid) ?? 0);
    out.browserCpuMs += ms;
    let type = "browser";
    try {
      const cmd = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
      type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? "browser";
      if (type === "utility") type = /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1] ?? type;
    } catch { /* gone */ }
    out[`cpu ${type}`] = (out[`cpu ${type}`] ?? 0) + ms;
    if (type === "renderer") {
      for (const [thread, tms] of threadsOf(pid)) {
        out[`  ${thread}`] = (out[`  ${thread}`] ?? 0) + tms;
      }
    }
  }
  return out;
}

/** Chromium's own counters of the page's main thread (CDP Performance.getMetrics), in ms. */
const METRICS = ["TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration"];

async function metered(page: Page): Promise<() => Promise<Record<string, number>>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  return async () => {
    const { metrics } = await cdp.send("Performance.getMetrics");
    const out: Record<string, number> = {};
    for (const m of metrics) if (METRICS.includes(m.name)) out[m.name] = m.value * 1000;
    for (const m of metrics) {
      if (m.name === "Nodes" || m.name === "LayoutCount") out[m.name] = m.value;
    }
    return out;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const [before, after = ROOT, roundsArg = "5"] = Deno.args;
  if (!before) throw new Error("usage: bench/live_pair.ts <before-tree> [after-tree] [rounds]");
  const rounds = Number(roundsArg);
  const trace = Deno.env.get("BENCH_TRACE") === "1";
  const tmp = await Deno.makeTempDir({ prefix: "live-pair-" });
  // One store (seeded by this tree's code, or taken from the cache), a copy for each app.
  const seeded = await seededStore(ROOT, { history: 1000, conversations: 0 }, tmp);
  const targets = [
    await start(tmp, "before", before, seeded),
    await start(tmp, "after", after, seeded),
  ];
  const browser = await launchChromium();
  const timelines = new Map<string, Timeline[]>(targets.map((t) => [t.name, []]));
  const traces = new Map<string, Record<string, number>[]>(targets.map((t) => [t.name, []]));
  try {
    // One visit each first: the servers' first answers (and Chromium's) are not counted.
    for (const t of targets) await visitLive(browser, t.server.base, t.cookie, t.url, t.last);
    for (let r = 0; r < rounds; r++) {
      for (const t of r % 2 ? [...targets].reverse() : targets) {
        let read: (() => Promise<Record<string, number>>) | undefined;
        let counters: Record<string, number> = {};
        const cpuBefore = browserCpu();
        const serverBefore = cpuSeconds(t.server.pid);
        const visit = await visitLive(
          browser,
          t.server.base,
          t.cookie,
          t.url,
          t.last,
          trace ? async (page) => (read = await metered(page)) : undefined,
          async () => {
            counters = trace ? await read!() : {};
            Object.assign(counters, cpuBetween(cpuBefore, browserCpu()));
            counters.serverCpuMs = (cpuSeconds(t.server.pid) - serverBefore) * 1000;
          },
        );
        timelines.get(t.name)!.push(visit.timeline);
        traces.get(t.name)!.push(counters);
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
  {
    console.log(
      "\nCPU ms until live (Chromium's processes, the server; /proc) and the page's main thread (BENCH_TRACE=1: Performance.getMetrics), medians:",
    );
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
