/**
 * `deno task bench`: every benchmark in one run, one table (figure, value, ceiling, ratio,
 * target, met?). See docs/benchmarks.md for what each figure means.
 *
 *   deno task bench             pages, REST, lists, login, start-up, browser, then
 *                               bench:realtime for (a), (b) and Socket.IO (c), bench:files at
 *                               20 MB, and the remote KV simulated (three processes)
 *   deno task bench --full      bench:files at 100 MB
 *   deno task bench --quick     100,000 messages instead of 1,000,000, shorter windows, and
 *                               no realtime/files (for iterating on one fix)
 *   deno task bench --only=http,search,browser,login,startup,realtime,files,remote
 *   deno task bench --json=out.json   also writes every raw figure
 *
 * Servers are child processes on 127.0.0.1; the load generator is its own process (see
 * load.ts). A request answered with an error, a page without its content, or a bench that
 * cannot run ends the run with a non-zero exit and the reason; a missed target does not
 * (it shows as ✗ in the table).
 */
import { benchBrowser, type BrowserFigures } from "./browser.ts";
import {
  benchCeiling,
  benchLogin,
  benchStartup,
  benchStore,
  type LoginFigures,
  snapshotApp,
  type StoreFigures,
  type Timing,
} from "./http.ts";
import type { LoadResult } from "./load.ts";
import { ROOT } from "./process.ts";
import { benchBytes, type BytesFigures, bytesRows } from "./bytes.ts";
import { benchKvCeiling, type KvCeilingFigures, kvCeilingRows } from "./kv_ceiling.ts";
import { benchRemote, type RemoteFigures, remoteRows } from "./remote.ts";
import { benchSearch, type SearchFigures } from "./search.ts";
import { seededStore } from "./seed.ts";

type Flags = { full: boolean; quick: boolean; only: Set<string>; json: string | null };

function parseFlags(args: string[]): Flags {
  const all = ["http", "search", "browser", "login", "startup", "realtime", "files", "remote"];
  const flags: Flags = { full: false, quick: false, only: new Set(all), json: null };
  for (const arg of args) {
    if (arg === "--full") flags.full = true;
    else if (arg === "--quick") flags.quick = true;
    else if (arg.startsWith("--only=")) flags.only = new Set(arg.slice(7).split(","));
    else if (arg.startsWith("--json=")) flags.json = arg.slice(7);
    else throw new Error(`unknown argument ${arg} (see bench/all.ts)`);
  }
  if (flags.quick && !args.some((a) => a.startsWith("--only="))) {
    flags.only.delete("realtime");
    flags.only.delete("files");
    flags.only.delete("remote");
  }
  for (const name of flags.only) {
    if (!all.includes(name)) throw new Error(`--only: no bench named ${name}`);
  }
  return flags;
}

export type Row = {
  figure: string;
  value: string;
  ceiling: string;
  ratio: string;
  target: string;
  met: boolean | null;
};

const f0 = (n: number) => Math.round(n).toLocaleString("en-US");
const f1 = (n: number) => n.toFixed(n < 10 ? 2 : 1);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** The table's rows from whatever ran (a bench that did not run has no rows). */
export function rowsOf(r: Results): Row[] {
  const rows: Row[] = [];
  const ceil = r.ceiling;
  const rate = (label: string, x: LoadResult, target?: number) =>
    rows.push({
      figure: label,
      value: `${f0(x.perSec)}/s`,
      ceiling: ceil ? `${f0(ceil.perSec)}/s` : "—",
      ratio: ceil ? (x.perSec / ceil.perSec).toFixed(2) : "—",
      target: target ? `≥ ${f0(target)}/s` : "",
      met: target ? x.perSec >= target : null,
    });
  // At 32 connections a saturated closed loop waits ~32 / rate for its answer whatever the
  // server does (the queue), so that row has no target; the target is on the page alone (one
  // connection: its own time), against the bare render measured the same way.
  const latency = (label: string, x: LoadResult, bare?: LoadResult, p99Target?: number) =>
    rows.push({
      figure: label,
      value: `p50 ${f1(x.p50Ms)} / p99 ${f1(x.p99Ms)} ms`,
      ceiling: bare ? `p50 ${f1(bare.p50Ms)} / p99 ${f1(bare.p99Ms)} ms (bare Preact)` : "",
      ratio: bare ? `p99 ×${(x.p99Ms / bare.p99Ms).toFixed(1)}` : "",
      target: p99Target ? `p99 ≤ ${p99Target} ms` : "",
      met: p99Target ? x.p99Ms <= p99Target : null,
    });
  const alone = (label: string, figures: typeof r.small) => {
    if (figures?.pageAlone) {
      latency(label, figures.pageAlone, figures.barePageAlone, 50);
    }
  };
  const growth = (label: string, big: LoadResult, small: LoadResult, limit: number) =>
    rows.push({
      figure: label,
      value: `${f0(big.perSec)}/s vs ${f0(small.perSec)}/s`,
      ceiling: "",
      ratio: `×${(small.perSec / big.perSec).toFixed(2)} cost`,
      target: `≤ ×${limit}`,
      met: small.perSec / big.perSec <= limit,
    });
  // The targets: the page against a bare Preact render of the same 50 messages, the
  // REST page against bare JSON of them, both measured on the same store in the same run.
  const against = (label: string, x: LoadResult, bare: LoadResult | undefined, what: string) =>
    rows.push({
      figure: label,
      value: `${f0(x.perSec)}/s`,
      ceiling: bare ? `${f0(bare.perSec)}/s (${what})` : "—",
      ratio: bare ? (x.perSec / bare.perSec).toFixed(2) : "—",
      target: "≥ 0.5",
      met: bare ? x.perSec / bare.perSec >= 0.5 : null,
    });
  const { small, large } = r;
  if (small) {
    against("page, 50 of 1,000 messages (32 conns)", small.page, small.barePage, "bare Preact");
    latency("page latency, 1,000 messages (32 conns: the queue)", small.page, small.barePage);
    alone("page latency, 1,000 messages, one request at a time", small);
    against("REST limit=50, 1,000 messages", small.rest, small.restCeiling, "bare JSON");
  }
  const n = f0(r.history ?? 0);
  if (large) {
    against(`page, 50 of ${n} messages + 10,000 conv.`, large.page, large.barePage, "bare Preact");
    latency(`page latency, ${n} messages (32 conns: the queue)`, large.page, large.barePage);
    alone(`page latency, ${n} messages, one request at a time`, large);
    against(`REST limit=50, ${n} messages`, large.rest, large.restCeiling, "bare JSON");
  }
  const par = r.parallel;
  if (par) {
    // Beside the single process, without a target: the targets are judged on one process.
    rate("page, 50 of 1,000 messages, --parallel (2 workers)", par.page);
    latency("page latency, 1,000 messages, --parallel (32 conns)", par.page);
    rate("REST limit=50, 1,000 messages, --parallel", par.rest);
  }
  if (small && large) {
    growth(`page: ${n} vs 1,000 messages`, large.page, small.page, 1.2);
    growth(`REST: ${n} vs 1,000 messages`, large.rest, small.rest, 1.2);
  }
  rows.push(...searchRows(r.search));
  if (small?.lists) {
    const l = small.lists;
    rate("GET /api/conversations, 5 conversations", l.few);
    rate("GET /api/conversations, 500 conversations", l.many);
    growth("list: 500 vs 5 conversations", l.many, l.few, 2);
    rate("home page (sidebar), 5 conversations", l.homeFew);
    rate("home page (sidebar), 500 conversations", l.homeMany);
    growth("home page: 500 vs 5 conversations", l.homeMany, l.homeFew, 2);
  }
  const b = r.browser;
  if (b) {
    rows.push({
      figure: "JavaScript on the chat page (gzip)",
      value: kb(b.jsGzipBytes),
      ceiling: "",
      ratio: "",
      target: "≤ 30 KB",
      met: b.jsGzipBytes <= 30 * 1024,
    }, {
      figure: "CSS on the chat page (gzip)",
      value: kb(b.cssGzipBytes),
      ceiling: "",
      ratio: "",
      target: "≤ 15 KB",
      met: b.cssGzipBytes <= 15 * 1024,
    }, {
      figure: "ChatRoom live (joined, history shown)",
      value: `${f0(b.liveMs)} ms (load ${f0(b.loadMs)} ms)`,
      ceiling: `bare page load ${f1(b.ceilingLoadMs)} ms`,
      ratio: `×${(b.liveMs / b.ceilingLoadMs).toFixed(1)}`,
      target: "≤ 300 ms",
      met: b.liveMs <= 300,
    });
  }
  if (r.bytes) rows.push(...bytesRows(r.bytes));
  const s = r.startup;
  if (s) {
    rows.push({
      figure: "start-up to first 200 (prebuilt islands)",
      value: `${f0(s.appMs)} ms`,
      ceiling: `${f0(s.ceilingMs)} ms`,
      ratio: `×${(s.appMs / s.ceilingMs).toFixed(1)}`,
      target: "≤ 1,000 ms",
      met: s.appMs <= 1000,
    });
  }
  const l = r.login;
  if (l) {
    rows.push({
      figure: "password hash (Argon2id, 19 MiB, t=2, p=1)",
      value: `${f1(l.hashMs)} ms`,
      ceiling: "",
      ratio: "",
      target: "",
      met: null,
    }, {
      figure: "logins/s (4 conns)",
      value: `${f1(l.loginsPerSec)}/s (p99 ${f0(l.loginP99Ms)} ms)`,
      ceiling: "",
      ratio: "",
      target: "",
      met: null,
    }, {
      figure: `p99 of ${l.cheapRoute} during logins`,
      value: `${f1(l.cheapLoadedP99Ms)} ms (idle ${f1(l.cheapIdleP99Ms)} ms)`,
      ceiling: "",
      ratio: `×${(l.cheapLoadedP99Ms / l.cheapIdleP99Ms).toFixed(1)}`,
      target: "≤ ×2 idle",
      met: l.cheapLoadedP99Ms <= 2 * l.cheapIdleP99Ms,
    });
  }
  rows.push(...realtimeRows(r.realtime));
  if (r.kv) rows.push(...kvCeilingRows(r.kv, r.realtime?.extra.durable1?.acksPerSec));
  rows.push(...filesRows(r.files));
  if (r.remote) rows.push(...remoteRows(r.remote));
  return rows;
}

/** A query's time in this process answering from KV; reads are KV entries and keys read. */
const SEARCH_P50_MS = 50;
/** The narrow query on the large store against the 1,000-message one: 2 log₂ n more reads. */
const SEARCH_GROWTH = 3;

function searchRows(s?: { small: SearchFigures; large: SearchFigures }): Row[] {
  if (!s) return [];
  const n = f0(s.large.history);
  const rows: Row[] = s.large.figures.map((x) => ({
    figure: `search ${x.label}, ${n} messages`,
    value: `p50 ${f1(x.p50Ms)} ms, ${f0(x.reads)} reads${x.partial ? ", partial" : ""}`,
    ceiling: `p50 ${f1(x.ceilingP50Ms)} ms, ${f0(x.ceilingReads)} reads`,
    ratio: `×${(x.p50Ms / x.ceilingP50Ms).toFixed(1)}`,
    target: `p50 ≤ ${SEARCH_P50_MS} ms`,
    met: x.p50Ms <= SEARCH_P50_MS && !x.partial,
  }));
  const narrow = (f: SearchFigures) => f.figures.find((x) => x.label.startsWith("from:"));
  const big = narrow(s.large), small = narrow(s.small);
  if (big && small) {
    rows.push({
      figure: `search from: + 8 days: ${n} vs ${f0(s.small.history)} messages`,
      value: `${f0(big.reads)} vs ${f0(small.reads)} reads (p50 ${f1(big.p50Ms)} vs ${
        f1(small.p50Ms)
      } ms)`,
      ceiling: "",
      ratio: `×${(big.reads / small.reads).toFixed(2)} reads`,
      target: `≤ ×${SEARCH_GROWTH}`,
      met: big.reads / small.reads <= SEARCH_GROWTH,
    });
  }
  return rows;
}

type RealtimeJson = {
  rows: {
    label: string;
    saturated?: { deliveriesPerSec: number };
    paced?: { lat: { p99: number } };
  }[];
  extra: {
    durable1?: { acksPerSec: number };
    durableN?: { acksPerSec: number };
    idle?: { perSocket: number };
  };
};

function realtimeRows(rt?: RealtimeJson): Row[] {
  if (!rt) return [];
  const find = (p: string) => rt.rows.find((r) => r.label.startsWith(p));
  const a = find("(a)"), bare = find("(b)"), sio = find("(c)");
  const sat = (x?: { saturated?: { deliveriesPerSec: number } }) => x?.saturated?.deliveriesPerSec;
  const rows: Row[] = [];
  const aSat = sat(a), bSat = sat(bare), cSat = sat(sio);
  if (aSat !== undefined) {
    rows.push({
      figure: "WebSocket deliveries/s, fan-out 100 (saturated)",
      value: `${f0(aSat)}/s`,
      ceiling: bSat ? `${f0(bSat)}/s (bare Deno)` : "—",
      ratio: bSat ? (aSat / bSat).toFixed(2) : "—",
      target: "≥ 0.80 of bare",
      met: bSat ? aSat / bSat >= 0.8 : null,
    });
    if (cSat) {
      rows.push({
        figure: "WebSocket deliveries/s vs Socket.IO",
        value: `${f0(aSat)}/s`,
        ceiling: `${f0(cSat)}/s (Socket.IO)`,
        ratio: (aSat / cSat).toFixed(2),
        target: "≥ 1.5",
        met: aSat / cSat >= 1.5,
      });
    }
  }
  const p99 = a?.paced?.lat.p99;
  if (p99 !== undefined) {
    const bp99 = bare?.paced?.lat.p99;
    rows.push({
      figure: "WebSocket p99 at 30,000 deliveries/s",
      value: `${f1(p99)} ms`,
      ceiling: bp99 ? `${f1(bp99)} ms` : "—",
      ratio: bp99 ? `×${(p99 / bp99).toFixed(1)}` : "—",
      target: "≤ 25 ms",
      met: p99 <= 25,
    });
  }
  const d1 = rt.extra.durable1, dn = rt.extra.durableN, idle = rt.extra.idle;
  for (const [label, d] of [["one process", d1], ["--parallel", dn]] as const) {
    if (!d) continue;
    rows.push({
      figure: `durable acked messages/s, ${label}`,
      value: `${f0(d.acksPerSec)}/s`,
      ceiling: "",
      ratio: "",
      target: "≥ 10,000/s",
      met: d.acksPerSec >= 10_000,
    });
  }
  if (idle) {
    rows.push({
      figure: "RSS per idle WebSocket",
      value: kb(idle.perSocket),
      ceiling: "",
      ratio: "",
      target: "≤ 30 KB",
      met: idle.perSocket <= 30 * 1024,
    });
  }
  return rows;
}

type FilesJson = {
  sizeMB: number;
  runs: { uploadMBs: number; downloadMBs: number; growthMB: number }[];
};

function filesRows(files?: FilesJson): Row[] {
  if (!files) return [];
  const second = files.runs[1];
  return [{
    figure: `file upload / download, ${files.sizeMB} MB (2nd transfer)`,
    value: `${f1(second.uploadMBs)} / ${f1(second.downloadMBs)} MB/s`,
    ceiling: "",
    ratio: "",
    target: "",
    met: null,
  }, {
    figure: "server RSS growth for one more file",
    value: `${f1(second.growthMB)} MB`,
    ceiling: "",
    ratio: "",
    target: "≤ 64 MB",
    met: second.growthMB <= 64,
  }];
}

export function formatTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    r.figure,
    r.value,
    r.ceiling,
    r.ratio,
    r.target,
    r.met === null ? "" : r.met ? "✓" : "✗",
  ]);
  const head = ["figure", "value", "ceiling", "ratio", "target", "met?"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...cells.map(line)]
    .join("\n");
}

type Results = {
  /** Messages in the large store's conversation. */
  history?: number;
  ceiling?: LoadResult;
  ceilings?: LoadResult[];
  small?: StoreFigures;
  large?: StoreFigures;
  /** The small store's page and REST on `deno serve --parallel` (one worker per core). */
  parallel?: StoreFigures;
  browser?: BrowserFigures;
  /** Bytes on the wire for the chat page, cold and warm, with and without compression. */
  bytes?: BytesFigures;
  startup?: { appMs: number; ceilingMs: number; all: number[] };
  login?: LoginFigures;
  realtime?: RealtimeJson;
  files?: FilesJson;
  search?: { small: SearchFigures; large: SearchFigures };
  /** The KV's own ceiling for durable writes and the in-process writer (bench/kv_ceiling.ts). */
  kv?: KvCeilingFigures;
  /** Three app processes on a KV with an added round trip (bench/remote.ts). */
  remote?: RemoteFigures[];
};

async function runChild(args: string[], env: Record<string, string>): Promise<void> {
  const status = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (!status.success) throw new Error(`deno ${args.join(" ")} exited with ${status.code}`);
}

async function main() {
  const flags = parseFlags(Deno.args);
  const started = performance.now();
  const say = (s: string) =>
    console.error(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${s}`);
  const timing: Timing = flags.quick
    ? { connections: 32, seconds: 2, warmupSeconds: 1 }
    : { connections: 32, seconds: 4, warmupSeconds: 1 };
  const history = flags.quick ? 100_000 : 1_000_000;
  const tmp = await Deno.makeTempDir({ prefix: "bench-all-" });
  const results: Results = { history };
  say(`deno task bench: Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores`);
  try {
    const needsApp = ["http", "search", "browser", "login", "startup"].some((n) =>
      flags.only.has(n)
    );
    if (needsApp) {
      say("snapshot of the app and its prebuilt islands");
      const app = await snapshotApp(tmp);
      const small = await seededStore(ROOT, { history: 1000, conversations: 0 }, tmp, say);
      if (flags.only.has("http")) {
        const large = await seededStore(
          ROOT,
          { history, conversations: 10_000 },
          tmp,
          say,
        );
        const ceilings = [await benchCeiling(timing)];
        results.small = await benchStore(app, small, timing, true, say);
        results.large = await benchStore(app, large, timing, false, say);
        results.parallel = await benchStore(app, small, timing, false, say, true);
        ceilings.push(await benchCeiling(timing));
        // The ceiling measured before and after the app: their mean stands for the run.
        results.ceilings = ceilings;
        results.ceiling = {
          ...ceilings[0],
          perSec: (ceilings[0].perSec + ceilings[1].perSec) / 2,
          p50Ms: (ceilings[0].p50Ms + ceilings[1].p50Ms) / 2,
          p99Ms: (ceilings[0].p99Ms + ceilings[1].p99Ms) / 2,
        };
        await Deno.remove(large.path);
      }
      if (flags.only.has("search")) {
        // In this process, one store at a time (each a copy of the cached one).
        const runs = flags.quick ? 8 : 20;
        say("search");
        const large = await seededStore(ROOT, { history, conversations: 10_000 }, tmp, say);
        const largeFigures = await benchSearch(large, runs);
        await Deno.remove(large.path);
        results.search = { small: await benchSearch(small, runs), large: largeFigures };
      }
      if (flags.only.has("login")) {
        results.login = await benchLogin(app, small, flags.quick ? 2 : 4, say);
      }
      if (flags.only.has("startup")) {
        say("start-up");
        results.startup = await benchStartup(app, small.path, flags.quick ? 3 : 5);
      }
      if (flags.only.has("browser")) {
        say("browser");
        results.browser = await benchBrowser(app, small, flags.quick ? 3 : 9);
        say("bytes on the wire");
        results.bytes = await benchBytes(app, small);
      }
    }
    if (flags.only.has("realtime")) {
      // Socket.IO (c) too: the fan-out row is judged against it in the same run.
      say("bench:realtime a b c");
      const json = `${tmp}/realtime.json`;
      await runChild(
        ["run", "-A", "bench/realtime.ts", "a", "b", "c"],
        { BENCH_JSON: json },
      );
      results.realtime = JSON.parse(await Deno.readTextFile(json));
      say("the KV's ceiling for durable writes, and the writer in process");
      results.kv = await benchKvCeiling({ rounds: flags.quick ? 1 : 3, progress: say });
    }
    if (flags.only.has("files")) {
      const size = flags.full ? 100 : 20;
      say(`bench:files ${size} MB`);
      const json = `${tmp}/files.json`;
      await runChild(["run", "-A", "bench/files.ts", String(size)], { BENCH_JSON: json });
      results.files = JSON.parse(await Deno.readTextFile(json));
    }
    if (flags.only.has("remote")) {
      say("remote KV, simulated: three app processes at 0, 5, 20 and 60 ms a round trip");
      results.remote = await benchRemote({ log: say });
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  if (flags.json) await Deno.writeTextFile(flags.json, JSON.stringify(results, null, 2));
  console.log(`\n${formatTable(rowsOf(results))}\n`);
  const c = results.ceilings;
  if (c) {
    console.log(
      `ceiling (bare Hono "ok", same load generator) before / after the app: ` +
        `${f0(c[0].perSec)} / ${f0(c[1].perSec)} req/s`,
    );
  }
  for (const [store, f] of Object.entries(results.search ?? {})) {
    for (const x of f.figures) {
      console.log(
        `  search, ${store} store (${f0(f.history)} messages): ${x.query}: ` +
          `${x.results} results, ${f0(x.reads)} reads, slowest ${f1(x.maxMs)} ms`,
      );
    }
  }
  if (results.browser) {
    for (const f of results.browser.files) {
      console.log(
        `  ${f.type} ${new URL(f.url).pathname}: ${kb(f.bytes)}, ${kb(f.gzipBytes)} gzip`,
      );
    }
  }
  say(`done; history of ${f0(history)} messages in the large store`);
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    console.error(`\ndeno task bench FAILED: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
  Deno.exit(0);
}
