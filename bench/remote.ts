/**
 * Many app instances on a remote KV, simulated (issue 21, item 6). Deno Deploy's KV and a
 * self-hosted denokv cannot run here, so three app processes (bench/remote_main.ts: main.ts
 * whose store is wrapped by bench/remote_kv.ts) share one KV file, and every KV call waits
 * an added round trip (5, 20 and 60 ms by default) under the remote's limits. Per round trip:
 *
 * - joins: 30 users, one socket each spread over the processes, each joining 20 group
 *   conversations of all 30;
 * - paced: 50 messages/s in all (sent from every process): ack latency, and the latency of
 *   deliveries to sockets on the sender's process and on the other two (there a message
 *   travels by the KV: the hub's kv.watch of the room's head);
 * - saturated: the joined sockets closed, one unjoined socket per user keeping 20 sends
 *   unacked: acked messages/s across the three processes and ack latency (the write path);
 * - page: `GET /conversations/:id` on each process, one at a time, with the KV calls and
 *   round trips a page makes (the wrappers' counters);
 * - breaches: every limit a code path broke, by limit and stack, from all three processes.
 *
 * Usage: deno run -A bench/remote.ts [rtt ms ...] [--count] [--trace] [--app=dir] [--json=out.json]
 * (--count: breaches are counted but not refused, to see what the rest would do; --trace:
 * KV calls per page and per message by code path; --app: a tree snapshotted already, with
 * `deno task build` run in it after any edit: the asset hash covers the sources).
 * Exports benchRemote and remoteRows for bench/all.ts.
 */
import type { Row } from "./all.ts";
import { appEnv, snapshotApp } from "./http.ts";
import { cpuSeconds, freePort, ROOT, type Server, sleep, startServer } from "./process.ts";
import type { Breach, RemoteKvStats } from "./remote_kv.ts";

const PROCESSES = 3;
const USERS = 30;
const CONVERSATIONS = 20;
const PASSWORD = "benchmark password";
const PACED_PER_SEC = 50;
const WINDOW = 20;
const WARMUP_MS = 1000;
const MEASURE_MS = 4000;
const PAGES = 10;
const IDLE_MS = 3000;

export type Latency = { p50: number; p99: number; n: number };
export type RemoteFigures = {
  rttMs: number;
  joinSeconds: number;
  /** KV calls per second of one process with no one connected (its pollers). */
  idleCallsPerSec: number;
  paced: { sent: number; acked: number; ack: Latency; same: Latency; cross: Latency };
  saturated: {
    acksPerSec: number;
    ack: Latency;
    errors: number;
    firstError: string;
    /** Commits tried during the phase (every process, every writer) and those that lost a check. */
    commits?: number;
    conflicts?: number;
  };
  page: { p50: number; p99: number; kvCalls: number; roundTrips: number };
  calls: Record<string, number>;
  breaches: Breach[];
  /** With trace: KV calls per page and per paced message, by kind and code path. */
  perPage?: Record<string, number>;
  perMessage?: Record<string, number>;
  /** With trace: the same during the saturated phase, per acked message (≈ 5 s of acks). */
  perSaturatedMessage?: Record<string, number>;
  notes: string[];
};

function lat(values: number[]): Latency {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
  return { p50: at(0.5), p99: at(0.99), n: s.length };
}

async function pool<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return out;
}

type App = Server & { proc: Deno.ChildProcess; statsPort: number; index: number };

type Mode = { count: boolean; trace: boolean };

function startRemoteApp(app: string, kvPath: string, rttMs: number, index: number, mode: Mode) {
  const statsPort = freePort();
  return startServer(
    `app ${index} (remote KV ${rttMs} ms)`,
    Deno.execPath(),
    () => ["run", "-A", "bench/remote_main.ts"],
    (port) => ({
      ...appEnv(kvPath, port),
      REMOTE_KV_RTT_MS: String(rttMs),
      REMOTE_KV_STATS_PORT: String(statsPort),
      REMOTE_KV_ENFORCE: mode.count ? "count" : "throw",
      REMOTE_KV_TRACE: mode.trace ? "1" : "0",
    }),
    "/healthz",
    (res) => res.ok,
    app,
  ).then((s) => Object.assign(s, { statsPort, index }) as App);
}

async function statsOf(app: App): Promise<RemoteKvStats> {
  return await (await fetch(`http://127.0.0.1:${app.statsPort}/`)).json();
}

/** Every app's calls by code path, summed. */
async function sitesOf(apps: App[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const st of await Promise.all(apps.map(statsOf))) {
    for (const [k, v] of Object.entries(st.sites ?? {})) out[k] = (out[k] ?? 0) + v;
  }
  return out;
}

/** (after − before) / n, the 15 largest. */
function perOne(before: Record<string, number>, after: Record<string, number>, n: number) {
  const rows = Object.entries(after).map(([k, v]) => [k, (v - (before[k] ?? 0)) / n] as const)
    .filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).slice(0, 15);
  return Object.fromEntries(rows.map(([k, v]) => [k, Math.round(v * 100) / 100]));
}

type Setup = { cookies: string[]; conversationIds: string[] };

async function setUp(apps: App[]): Promise<Setup> {
  const users = await pool(USERS, PROCESSES, async (i) => {
    const base = apps[i % PROCESSES].base;
    const res = await fetch(`${base}/api/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ username: `remote${i}`, password: PASSWORD }),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    const { user } = await res.json();
    return { id: user.id as string, cookie: res.headers.getSetCookie()[0].split(";")[0] };
  });
  const conversationIds = await pool(CONVERSATIONS, PROCESSES, async (c) => {
    const base = apps[c % PROCESSES].base;
    const owner = c % USERS;
    const res = await fetch(`${base}/api/conversations`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base, cookie: users[owner].cookie },
      body: JSON.stringify({
        title: `remote room ${c}`,
        participantIds: users.filter((_, i) => i !== owner).map((u) => u.id),
      }),
    });
    if (res.status !== 201) throw new Error(`conversation: ${res.status} ${await res.text()}`);
    return (await res.json()).conversation.id as string;
  });
  return { cookies: users.map((u) => u.cookie), conversationIds };
}

type Sock = {
  ws: WebSocket;
  user: number;
  proc: number;
  inflight: number;
  onOther?: (data: string) => void;
};
type WsCtor = new (url: string, options?: { headers?: Record<string, string> }) => WebSocket;
const WS = WebSocket as unknown as WsCtor;

/** What the client side records; reset per phase. */
const m = {
  phase: 0,
  winStart: 0,
  winEnd: 0,
  ack: [] as number[],
  same: [] as number[],
  cross: [] as number[],
  acks: 0,
  acksInWindow: 0,
  errors: 0,
  firstError: "",
  pump: null as ((s: Sock) => void) | null,
};

function newPhase() {
  Object.assign(m, { ack: [], same: [], cross: [], acks: 0, acksInWindow: 0, errors: 0 });
  Object.assign(m, { firstError: "", pump: null, winStart: Infinity, winEnd: -Infinity });
  m.phase = (m.phase % 9) + 1;
}

/** `~P<phase>~S<process>~U<user>~T<ms>~`: who sent it, from where, when. */
function stampOf(data: string) {
  const i = data.indexOf("~P");
  if (i < 0 || data.charCodeAt(i + 2) - 48 !== m.phase) return null;
  const [, proc, user, t] = /~P\d~S(\d+)~U(\d+)~T([\d.]+)~/.exec(data.slice(i, i + 60)) ?? [];
  return proc === undefined ? null : { proc: +proc, user: +user, t: +t };
}

function onFrame(s: Sock, data: string) {
  if (data.startsWith('{"type":"message"')) {
    const st = stampOf(data);
    if (!st || st.user === s.user || st.t < m.winStart || st.t >= m.winEnd) return;
    (st.proc === s.proc ? m.same : m.cross).push(performance.now() - st.t);
  } else if (data.startsWith('{"type":"ack"')) {
    const st = stampOf(data);
    if (!st) return;
    const now = performance.now();
    m.acks++;
    if (now >= m.winStart && now < m.winEnd) m.acksInWindow++;
    if (st.t >= m.winStart && st.t < m.winEnd) m.ack.push(now - st.t);
    s.inflight--;
    m.pump?.(s);
  } else if (data.startsWith('{"type":"error"')) {
    m.errors++;
    m.firstError ||= data.slice(0, 200);
    if (s.inflight > 0) s.inflight--, m.pump?.(s);
  }
  s.onOther?.(data);
}

let clientIds = 0;
function send(s: Sock, conversationId: string) {
  const content = `~P${m.phase}~S${s.proc}~U${s.user}~T${performance.now().toFixed(3)}~ remote`;
  s.ws.send(JSON.stringify({
    type: "send_message",
    conversationId,
    content,
    clientId: `r${m.phase}-${++clientIds}`,
  }));
  s.inflight++;
}

function openSock(app: App, user: number, cookie: string): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const ws = new WS(app.base.replace("http", "ws") + "/api/ws", {
      headers: { cookie, origin: app.base },
    });
    const s: Sock = { ws, user, proc: app.index, inflight: 0 };
    const timer = setTimeout(() => reject(new Error("open timed out")), 30_000);
    ws.onopen = () => {
      clearTimeout(timer);
      ws.onmessage = (e) => typeof e.data === "string" && onFrame(s, e.data);
      resolve(s);
    };
    ws.onerror = (e) => reject(new Error((e as ErrorEvent).message || "socket error"));
  });
}

function join(s: Sock, conversationId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("join timed out")), 60_000);
    s.onOther = (data) => {
      if (!data.startsWith('{"type":"recent_messages"') && !data.startsWith('{"type":"error"')) {
        return;
      }
      clearTimeout(timer);
      s.onOther = undefined;
      if (data.startsWith('{"type":"error"')) reject(new Error(data.slice(0, 200)));
      else resolve();
    };
    s.ws.send(JSON.stringify({ type: "join", conversationId }));
  });
}

const closeAll = (socks: Sock[]) => socks.forEach((s) => s.ws.close());

async function paced(socks: Sock[], ids: string[]) {
  newPhase();
  const t0 = performance.now();
  m.winStart = t0 + WARMUP_MS;
  m.winEnd = m.winStart + MEASURE_MS;
  let sent = 0;
  while (performance.now() < m.winEnd) {
    const s = socks[sent % socks.length];
    send(s, ids[sent % ids.length]);
    sent++;
    await sleep(Math.max(0, t0 + (sent * 1000) / PACED_PER_SEC - performance.now()));
  }
  await sleep(3000);
  return { sent, acked: m.acks, ack: lat(m.ack), same: lat(m.same), cross: lat(m.cross) };
}

async function saturated(socks: Sock[], ids: string[]) {
  newPhase();
  m.winStart = performance.now() + WARMUP_MS;
  m.winEnd = m.winStart + MEASURE_MS;
  let k = 0;
  m.pump = (s) => {
    while (s.inflight < WINDOW && performance.now() < m.winEnd) send(s, ids[k++ % ids.length]);
  };
  socks.forEach((s) => m.pump!(s));
  await sleep(m.winEnd - performance.now());
  m.pump = null;
  const deadline = performance.now() + 10_000;
  while (socks.some((s) => s.inflight > 0) && performance.now() < deadline) await sleep(50);
  const acksPerSec = m.acksInWindow / (MEASURE_MS / 1000);
  return { acksPerSec, ack: lat(m.ack), errors: m.errors, firstError: m.firstError };
}

/** Waits (≤ 15 s) until the apps use < 5 % of a core together: their backlog worked off. */
async function quiet(apps: App[]): Promise<string> {
  const t = performance.now();
  const cpu = () => apps.reduce((a, x) => a + cpuSeconds(x.pid), 0);
  let last = cpu();
  while (performance.now() - t < 15_000) {
    await sleep(500);
    const now = cpu();
    if (now - last < 0.025) break;
    last = now;
  }
  return ((performance.now() - t) / 1000).toFixed(1);
}

async function pages(apps: App[], setup: Setup) {
  const times: number[] = [];
  let kvCalls = 0, roundTrips = 0;
  for (const app of apps) {
    const cookie = setup.cookies[app.index];
    const url = `${app.base}/conversations/${setup.conversationIds[app.index]}`;
    const get = async () => {
      const res = await fetch(url, { headers: { cookie } });
      const body = await res.text();
      if (res.status !== 200 || !body.includes("remote")) {
        throw new Error(`page on app ${app.index}: ${res.status}`);
      }
    };
    await get(), await get();
    const before = await statsOf(app);
    for (let i = 0; i < PAGES; i++) {
      const t = performance.now();
      await get();
      times.push(performance.now() - t);
    }
    const after = await statsOf(app);
    const sum = (s: RemoteKvStats) =>
      ["get", "getMany", "listPage", "commit", "set", "delete"].reduce(
        (a, k) => a + (s.calls[k] ?? 0),
        0,
      );
    kvCalls += sum(after) - sum(before);
    roundTrips += after.roundTrips - before.roundTrips;
  }
  const l = lat(times);
  const n = PAGES * apps.length;
  return { p50: l.p50, p99: l.p99, kvCalls: kvCalls / n, roundTrips: roundTrips / n };
}

/** One round trip's run on the store at `kvPath` (set up on the first run, kept after). */
async function runAt(
  app: string,
  kvPath: string,
  rttMs: number,
  mode: Mode,
  setup: Setup | null,
  log: (s: string) => void,
): Promise<{ figures: RemoteFigures; setup: Setup }> {
  // One after another: processes opening a new SQLite file at once lock each other out.
  const apps: App[] = [];
  for (let i = 0; i < PROCESSES; i++) apps.push(await startRemoteApp(app, kvPath, rttMs, i, mode));
  const notes: string[] = [];
  try {
    if (!setup) {
      const t = performance.now();
      setup = await setUp(apps);
      notes.push(`setup ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const s = setup;
    const ids = s.conversationIds;
    const t = performance.now();
    const socks = await pool(USERS, USERS, (u) => openSock(apps[u % PROCESSES], u, s.cookies[u]));
    await pool(USERS, USERS, async (u) => {
      for (const id of ids) await join(socks[u], id);
    });
    const joinSeconds = (performance.now() - t) / 1000;
    log(`remote ${rttMs} ms: ${USERS * ids.length} joins in ${joinSeconds.toFixed(1)} s`);
    const sites0 = mode.trace ? await sitesOf(apps) : {};
    const p = await paced(socks, ids);
    await quiet(apps);
    const sites1 = mode.trace ? await sitesOf(apps) : {};
    log(
      `remote ${rttMs} ms: paced ack p50 ${p.ack.p50.toFixed(1)}, cross ${p.cross.p50.toFixed(1)}`,
    );
    closeAll(socks);
    notes.push(`idle after paced in ${await quiet(apps)} s`);
    const page = await pages(apps, s);
    const sites2 = mode.trace ? await sitesOf(apps) : {};
    log(`remote ${rttMs} ms: page p50 ${page.p50.toFixed(1)} ms, ${page.kvCalls} KV calls`);
    const senders = await pool(USERS, USERS, (u) => openSock(apps[u % PROCESSES], u, s.cookies[u]));
    const calls0 = await Promise.all(apps.map(statsOf));
    const sites3 = mode.trace ? await sitesOf(apps) : {};
    const sat = await saturated(senders, ids);
    const sites4 = mode.trace ? await sitesOf(apps) : {};
    log(`remote ${rttMs} ms: saturated ${sat.acksPerSec.toFixed(0)} acks/s, ${sat.errors} errors`);
    const calls1 = await Promise.all(apps.map(statsOf));
    const delta = (k: string) =>
      calls1.reduce((a, st, i) => a + (st.calls[k] ?? 0) - (calls0[i].calls[k] ?? 0), 0);
    Object.assign(sat, { commits: delta("commit"), conflicts: delta("commitConflict") });
    closeAll(senders);
    await quiet(apps);
    // At rest: what the pollers (outbox workers, notifier, signals, heads) ask of the KV.
    const rest0 = await Promise.all(apps.map(statsOf));
    await sleep(IDLE_MS);
    const rest1 = await Promise.all(apps.map(statsOf));
    const idleCallsPerSec = rest1.reduce((a, st, i) => a + st.roundTrips - rest0[i].roundTrips, 0) /
      PROCESSES / (IDLE_MS / 1000);
    const stats = await Promise.all(apps.map(statsOf));
    const calls: Record<string, number> = {};
    const breaches = new Map<string, Breach>();
    for (const st of stats) {
      for (const [k, v] of Object.entries(st.calls)) calls[k] = (calls[k] ?? 0) + v;
      for (const b of st.breaches) {
        const key = `${b.limit} @ ${b.site}`;
        const had = breaches.get(key);
        if (had) had.count += b.count;
        else breaches.set(key, { ...b });
      }
    }
    for (const a of apps) if (a.logs.lines) notes.push(`app ${a.index}: ${a.logs.first[0]}`);
    return {
      setup: s,
      figures: {
        rttMs,
        joinSeconds,
        idleCallsPerSec,
        paced: p,
        saturated: sat,
        page,
        calls,
        breaches: [...breaches.values()].sort((a, b) => b.count - a.count),
        ...(mode.trace
          ? {
            perMessage: perOne(sites0, sites1, Math.max(1, p.acked)),
            perPage: perOne(sites1, sites2, (PAGES + 2) * PROCESSES),
            perSaturatedMessage: perOne(sites3, sites4, Math.max(1, sat.acksPerSec * 5)),
          }
          : {}),
        notes,
      },
    };
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
  }
}

export async function benchRemote(
  options: {
    rtts?: number[];
    count?: boolean;
    trace?: boolean;
    /** A tree snapshotted already (bench/http.ts snapshotApp), e.g. one with a fix tried in it. */
    app?: string;
    log?: (s: string) => void;
  } = {},
): Promise<RemoteFigures[]> {
  const log = options.log ?? ((s: string) => console.error(s));
  const tmp = await Deno.makeTempDir({ prefix: "bench-remote-" });
  try {
    const app = options.app ?? await snapshotApp(`${tmp}/app`);
    await Deno.mkdir(`${app}/bench`, { recursive: true });
    for (const f of ["remote_kv.ts", "remote_main.ts"]) {
      await Deno.copyFile(`${ROOT}bench/${f}`, `${app}/bench/${f}`);
    }
    const out: RemoteFigures[] = [];
    let setup: Setup | null = null;
    for (const rtt of options.rtts ?? [0, 5, 20, 60]) {
      const mode = { count: options.count ?? false, trace: options.trace ?? false };
      const r = await runAt(app, `${tmp}/remote.kv`, rtt, mode, setup, log);
      setup = r.setup;
      out.push(r.figures);
    }
    return out;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

const ms = (n: number) => Number.isNaN(n) ? "—" : n < 10 ? n.toFixed(2) : n.toFixed(1);

/**
 * The table's rows (one per figure, the round trips side by side): acked messages/s, ack and
 * cross-process delivery latency, page time with its round trips in series, limits broken.
 * The ceiling is the run at 0 ms (the same three processes on the file, nothing added).
 */
export function remoteRows(figs: RemoteFigures[]): Row[] {
  const base = figs.find((f) => f.rttMs === 0);
  const runs = figs.filter((f) => f.rttMs > 0);
  if (runs.length === 0) return [];
  const at = `${runs.map((f) => f.rttMs).join(" / ")} ms`;
  const each = (fn: (f: RemoteFigures) => string) => runs.map(fn).join(" / ");
  const row = (figure: string, value: string, ceiling: string, ratio = ""): Row => ({
    figure: `remote KV, ${PROCESSES} processes: ${figure} at ${at}`,
    value,
    ceiling: base ? `0 ms: ${ceiling}` : "",
    ratio,
    target: "",
    met: null,
  });
  const broken = runs.flatMap((f) => f.breaches);
  const count = broken.reduce((a, b) => a + b.count, 0);
  return [
    row(
      "acked messages/s",
      each((f) => f0(f.saturated.acksPerSec)),
      base ? f0(base.saturated.acksPerSec) : "",
    ),
    row(
      "ack p50",
      `${each((f) => ms(f.paced.ack.p50))} ms`,
      base ? `${ms(base.paced.ack.p50)} ms` : "",
    ),
    row(
      "delivery to another process p50",
      `${each((f) => ms(f.paced.cross.p50))} ms`,
      base ? `${ms(base.paced.cross.p50)} ms` : "",
      base ? `+${each((f) => ms(f.paced.cross.p50 - f.paced.ack.p50))} ms after the ack` : "",
    ),
    row(
      "chat page p50",
      `${each((f) => ms(f.page.p50))} ms`,
      base ? `${ms(base.page.p50)} ms` : "",
      base
        ? `${
          each((f) => ((f.page.p50 - base.page.p50) / f.rttMs).toFixed(0))
        } round trips in series`
        : "",
    ),
    {
      ...row(
        "KV limits broken",
        count
          ? `${count}× ${
            [...new Set(broken.map((b) => `${b.limit} (${b.site.split(" ")[0]})`))].join(", ")
          }`
          : "none",
        "",
      ),
      ceiling: "",
      target: "none",
      met: count === 0,
    },
  ];
}

const f0 = (n: number) => Math.round(n).toLocaleString("en-US");

if (import.meta.main) {
  const rtts = Deno.args.filter((a) => /^\d+$/.test(a)).map(Number);
  const json = Deno.args.find((a) => a.startsWith("--json="))?.slice(7);
  const figs = await benchRemote({
    rtts: rtts.length ? rtts : undefined,
    count: Deno.args.includes("--count"),
    trace: Deno.args.includes("--trace"),
    app: Deno.args.find((a) => a.startsWith("--app="))?.slice(6),
  });
  if (json) await Deno.writeTextFile(json, JSON.stringify(figs, null, 2));
  for (const f of figs) {
    const { breaches: _b, calls: _c, perPage, perMessage, perSaturatedMessage, ...rest } = f;
    console.log(JSON.stringify(rest));
    for (
      const [what, per] of [
        ["page", perPage],
        ["paced message", perMessage],
        ["saturated message", perSaturatedMessage],
      ] as const
    ) {
      if (!per) continue;
      console.log(`  KV calls per ${what}:`);
      for (const [k, v] of Object.entries(per)) console.log(`    ${v} ${k}`);
    }
    for (const b of f.breaches) {
      console.log(`  ${b.count}× ${b.limit}: ${b.detail}\n     at ${b.site}`);
    }
  }
  for (const r of remoteRows(figs)) console.log(`${r.figure} | ${r.value} | ${r.ratio}`);
}
