/**
 * `deno task bench:realtime`: WebSocket fan-out through three servers, each a child process
 * on 127.0.0.1, driven by this one process (the only load generator):
 *
 *   (a) this app (`main.ts`, its own KV file, RATE_LIMIT_SCALE=0),
 *   (b) a bare Deno broadcast server (bench/bare_server.ts: no auth, no storage; the ceiling),
 *   (c) Socket.IO 4.8 on Node (bench/socketio/server.mjs, websocket transport only).
 *
 * Fan-out 100: 1,000 sockets in 10 rooms, one sender per room. Per server: latency at 30,000
 * deliveries/s (300 messages/s), and deliveries/s when the senders push as fast as a bounded
 * window lets them. For (a) also: durable acked messages/s on one process and on all cores
 * (`deno serve --parallel`), and server RSS per idle socket at 10,000 sockets.
 * All three speak through the same client code; only the frame text differs.
 * Usage: `deno task bench:realtime [a|b|c ...]` (default: all three), `durable` for (a)'s
 * durable-ack rows alone, `fan [a|b|c ...]` for the fan-out phases alone (default a and b), or
 * `cpu [a|b|c ...]` for the server's CPU per delivery over a fixed number of messages.
 * BENCH_APP_ROOT runs (a) from another tree (a `git worktree` of an earlier commit), to pair
 * before and after in one run. See docs/benchmarks.md.
 */
import { zipfWords } from "./kv_timing.ts";
import { newClientId } from "../lib/shared/client_id.ts";
import { cpuSeconds, HOST, readStatus, ROOT, type Server, sleep, startServer } from "./process.ts";

const ROOMS = 10;
const PER_ROOM = 100;
const USERS = 100;
const PASSWORD = "benchmark password";
/** Messages per second per sender in the latency phase: 10 × 30 × 100 = 30,000 deliveries/s. */
const PACED_RATE = 30;
const WARMUP_MS = 1000;
const MEASURE_MS = 4000;
const DRAIN_MS = 3000;
/**
 * Messages per sender not yet seen back (saturation) or not yet acked (durable). The fan-out
 * window is small: 10 senders × 5 messages × 100 sockets is already 5,000 deliveries in
 * flight, enough to keep the server busy; more only adds queueing latency (measured: 20 gave
 * the same deliveries/s with p50 4–5× higher).
 */
const FAN_WINDOW = 5;
const DURABLE_WINDOW = 20;
const DURABLE_SENDERS = 100;
const SATURATED_RUNS = 3;
const IDLE_SOCKETS = 10_000;
/**
 * Each message's text after its stamp: 7 words drawn from a 5,000-word vocabulary with
 * Zipf's law (s = 1), as word frequencies in real chat go, so the search index sees a
 * realistic mix of common and rare words (a fixed sentence would flatter its postings).
 */
const filler = () => zipfWords(7);

type WsCtor = new (url: string, options?: { headers?: Record<string, string> }) => WebSocket;
/** Deno's WebSocket takes headers (cookie, origin); the "dom" types do not know it. */
const WS = WebSocket as unknown as WsCtor;

// ---------------------------------------------------------------------------------------
// Server processes (see process.ts)

/** (a): `main.ts` on one process, or `deno serve --parallel serve.ts` on every core. */
function startApp(kvPath: string, parallel = false): Promise<Server> {
  return startServer(
    parallel ? "app --parallel" : "app",
    Deno.execPath(),
    (port) =>
      parallel ? ["serve", "--parallel", "-A", `--port=${port}`, `--host=${HOST}`, "serve.ts"] : [
        "run",
        "-A",
        ...(Deno.env.get("BENCH_CPU_PROF")
          ? ["--cpu-prof", `--cpu-prof-dir=${Deno.env.get("BENCH_CPU_PROF")}`]
          : []),
        // e.g. --perf-basic-prof, for `perf record -p <pid>` with the JavaScript frames named.
        ...(Deno.env.get("BENCH_V8_FLAGS") ? [`--v8-flags=${Deno.env.get("BENCH_V8_FLAGS")}`] : []),
        "main.ts",
      ],
    (port) => ({
      KV_PATH: kvPath,
      RATE_LIMIT_SCALE: "0",
      REGISTRATION: "open",
      LOG_LEVEL: "warn",
      HOSTNAME: HOST,
      PORT: String(port),
    }),
    "/api/auth/check",
    (res) => res.status === 200,
    Deno.env.get("BENCH_APP_ROOT") ?? ROOT,
  );
}

// ---------------------------------------------------------------------------------------
// Protocols: the only difference between the three servers, as far as the client goes

type Protocol = {
  kind: "app" | "bare" | "sio";
  url: string;
  /** The prefix of a delivered chat message frame. */
  messagePrefix: string;
  join(room: string): string;
  send(room: string, content: string, clientId: string): string;
};

function appProtocol(base: string): Protocol {
  return {
    kind: "app",
    url: base.replace("http", "ws") + "/api/ws",
    messagePrefix: '{"type":"message"',
    join: (room) => JSON.stringify({ type: "join", conversationId: room }),
    send: (room, content, clientId) =>
      JSON.stringify({ type: "send_message", conversationId: room, content, clientId }),
  };
}

function bareProtocol(base: string): Protocol {
  return {
    kind: "bare",
    url: base.replace("http", "ws") + "/",
    messagePrefix: '{"type":"message"',
    join: (room) => JSON.stringify({ type: "join", room }),
    send: (room, content) => JSON.stringify({ type: "send", room, content }),
  };
}

function sioProtocol(base: string): Protocol {
  return {
    kind: "sio",
    url: base.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
    messagePrefix: '42["message"',
    join: (room) => `42${JSON.stringify(["join", room])}`,
    send: (room, content) => `42${JSON.stringify(["send", { room, content }])}`,
  };
}

// ---------------------------------------------------------------------------------------
// Client sockets and the measurement state they report into

type Sock = {
  ws: WebSocket;
  proto: Protocol;
  /** Room index, or -1. */
  room: number;
  roomId: string;
  sender: boolean;
  inflight: number;
  sent: number;
  closing: boolean;
  /** Frames that are neither deliveries nor acks (join answers, status, errors). */
  onOther?: (data: string) => void;
};

/** One phase at a time; frames of an earlier phase (its digit in the content) are ignored. */
const m = {
  phase: 0,
  winStart: 0,
  winEnd: 0,
  received: 0,
  inWindow: 0,
  /** Length of a delivered frame (its size on the wire, in ASCII). */
  frameChars: 0,
  stale: 0,
  lat: new Float64Array(4_000_000),
  n: 0,
  acks: 0,
  acksInWindow: 0,
  errors: 0,
  firstError: "",
  closed: 0,
  closeReasons: new Map<string, number>(),
  pump: null as ((s: Sock) => void) | null,
};

const COUNTERS = [
  "received",
  "inWindow",
  "stale",
  "n",
  "acks",
  "acksInWindow",
  "frameChars",
] as const;

function newPhase(): number {
  m.phase = (m.phase % 9) + 1;
  m.winStart = Infinity;
  m.winEnd = -Infinity;
  for (const key of COUNTERS) m[key] = 0;
  m.pump = null;
  return m.phase;
}

function content(): string {
  return `~P${m.phase}~T${performance.now().toFixed(3)}~ ${filler()}`;
}

function sendOne(s: Sock): void {
  // A UUIDv7, as the browser sends (the server files those time first).
  s.ws.send(s.proto.send(s.roomId, content(), newClientId()));
  s.sent++;
  s.inflight++;
}

/** The send time and phase carried in a frame's content (no JSON.parse on the hot path). */
function stamp(data: string): number {
  const i = data.indexOf("~P");
  if (i < 0 || data.charCodeAt(i + 2) - 48 !== m.phase) return NaN;
  return parseFloat(data.slice(i + 5, i + 24));
}

function onDelivery(s: Sock, data: string): void {
  const sent = stamp(data);
  if (Number.isNaN(sent)) return void m.stale++;
  const now = performance.now();
  m.received++;
  m.frameChars ||= data.length;
  if (now >= m.winStart && now < m.winEnd) m.inWindow++;
  if (sent >= m.winStart && sent < m.winEnd && m.n < m.lat.length) m.lat[m.n++] = now - sent;
  if (s.sender && s.inflight > 0) {
    // A room's sender is in its room (joined last): its own message coming back, after the
    // server has handed it to the whole room, frees a slot of its window. Same for all three.
    s.inflight--;
    m.pump?.(s);
  }
}

function onAck(s: Sock, data: string): void {
  if (s.room >= 0) return; // room senders count their own deliveries instead
  const sent = stamp(data);
  if (Number.isNaN(sent)) return;
  const now = performance.now();
  m.acks++;
  if (now >= m.winStart && now < m.winEnd) m.acksInWindow++;
  if (sent >= m.winStart && sent < m.winEnd && m.n < m.lat.length) m.lat[m.n++] = now - sent;
  s.inflight--;
  m.pump?.(s);
}

function attach(s: Sock): void {
  const { proto } = s;
  s.ws.onmessage = (e: MessageEvent) => {
    const data = e.data;
    if (typeof data !== "string") return;
    if (data.startsWith(proto.messagePrefix)) return onDelivery(s, data);
    if (proto.kind === "sio" && data === "2") return s.ws.send("3");
    if (proto.kind === "app") {
      if (data.startsWith('{"type":"ack"')) return onAck(s, data);
      if (data.startsWith('{"type":"error"')) {
        m.errors++;
        m.firstError ||= data.slice(0, 200);
        if (s.inflight > 0 && m.pump) {
          s.inflight--;
          m.pump(s);
        }
      }
    }
    s.onOther?.(data);
  };
  s.ws.onclose = (e: CloseEvent) => {
    if (s.closing) return;
    m.closed++;
    const key = `${e.code} ${e.reason}`.trim();
    m.closeReasons.set(key, (m.closeReasons.get(key) ?? 0) + 1);
  };
  s.ws.onerror = () => {};
}

/** Opens one socket (and does Socket.IO's handshake); rejects after `timeoutMs`. */
function openSock(
  proto: Protocol,
  headers: Record<string, string> | undefined,
  timeoutMs = 15_000,
): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const ws = new WS(proto.url, headers ? { headers } : undefined);
    const s: Sock = {
      ws,
      proto,
      room: -1,
      roomId: "",
      sender: false,
      inflight: 0,
      sent: 0,
      closing: false,
    };
    const timer = setTimeout(() => fail(new Error("open timed out")), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      s.closing = true;
      try {
        ws.close();
      } catch { /* never opened */ }
      reject(err);
    };
    const done = () => {
      clearTimeout(timer);
      attach(s);
      resolve(s);
    };
    ws.onerror = (e) => fail(new Error((e as ErrorEvent).message || "socket error"));
    ws.onclose = (e) => fail(new Error(`closed while opening: ${e.code} ${e.reason}`));
    if (proto.kind !== "sio") {
      ws.onopen = done;
      return;
    }
    // Engine.IO 4: "0{...}" open, then "40" connects the main namespace, answered "40{...}".
    ws.onmessage = (e) => {
      const data = String(e.data);
      if (data.startsWith("0")) ws.send("40");
      else if (data.startsWith("40")) done();
      else if (data.startsWith("44")) fail(new Error(`namespace refused: ${data}`));
    };
  });
}

function closeAll(socks: Sock[]): void {
  for (const s of socks) {
    s.closing = true;
    try {
      s.ws.close();
    } catch { /* already */ }
  }
}

async function pool<T>(
  count: number,
  limit: number,
  fn: (i: number) => Promise<T>,
): Promise<(T | Error)[]> {
  const out: (T | Error)[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        out[i] = await fn(i);
      } catch (err) {
        out[i] = err instanceof Error ? err : new Error(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return out;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

function firstError<T>(results: (T | Error)[]): string {
  const errors = results.filter((r) => r instanceof Error) as Error[];
  return errors.length ? `${errors.length} failed, e.g. ${errors[0].message}` : "";
}

// ---------------------------------------------------------------------------------------
// The fan-out set: 1,000 sockets in 10 rooms, the sender of each room joined last

type FanOut = { socks: Sock[]; senders: Sock[]; members: number[]; setupNote: string };

async function openFanOut(
  proto: Protocol,
  roomIds: string[],
  headersOf: (user: number) => Record<string, string> | undefined,
): Promise<FanOut> {
  const opened = await pool(ROOMS * PER_ROOM, 50, async (k) => {
    const s = await openSock(proto, headersOf(k % PER_ROOM));
    s.room = Math.floor(k / PER_ROOM);
    s.roomId = roomIds[s.room];
    s.sender = k % PER_ROOM === s.room; // user r sends in room r
    return s;
  });
  const socks = opened.filter((s): s is Sock => !(s instanceof Error));
  const notes = [firstError(opened)].filter(Boolean);
  const join = (s: Sock) => {
    if (proto.kind !== "app") return Promise.resolve(void s.ws.send(proto.join(s.roomId)));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("join timed out")), 30_000);
      s.onOther = (data) => {
        if (data.startsWith('{"type":"recent_messages"')) {
          clearTimeout(timer);
          s.onOther = undefined;
          resolve();
        } else if (data.startsWith('{"type":"error"')) {
          clearTimeout(timer);
          s.onOther = undefined;
          reject(new Error(data.slice(0, 200)));
        }
      };
      s.ws.send(proto.join(s.roomId));
    });
  };
  const order = [...socks.filter((s) => !s.sender), ...socks.filter((s) => s.sender)];
  const t = performance.now();
  const joinedAll = await pool(order.length - ROOMS, 50, (i) => join(order[i]));
  const joinedSenders = await pool(ROOMS, ROOMS, (i) => join(order[order.length - ROOMS + i]));
  const joinMs = performance.now() - t;
  const joined = [...joinedAll, ...joinedSenders];
  if (firstError(joined)) notes.push(`join: ${firstError(joined)}`);
  const ok = order.filter((_, i) => !(joined[i] instanceof Error));
  const senders = ok.filter((s) => s.sender).sort((a, b) => a.room - b.room);
  const members = Array.from({ length: ROOMS }, (_, r) => ok.filter((s) => s.room === r).length);
  if (proto.kind === "app") notes.push(`1,000 joins took ${(joinMs / 1000).toFixed(1)} s`);
  // Joins of (b) and (c) have no answer: wait until one message per room reaches everyone.
  let complete = false;
  for (let attempt = 0; attempt < 5 && !complete; attempt++) {
    newPhase();
    for (const s of senders) sendOne(s);
    const expected = members.reduce((a, b) => a + b, 0);
    complete = await waitFor(() => m.received >= expected, 2000);
    for (const s of senders) s.inflight = 0;
  }
  if (!complete) notes.push(`probe incomplete: ${m.received} deliveries`);
  return { socks, senders, members, setupNote: notes.join("; ") };
}

// ---------------------------------------------------------------------------------------
// Phases

type Latency = { p50: number; p99: number; max: number; samples: number };

function latency(): Latency {
  const lat = m.lat.subarray(0, m.n).sort();
  const at = (q: number) =>
    lat.length ? lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] : NaN;
  return { p50: at(0.5), p99: at(0.99), max: lat.length ? lat[lat.length - 1] : NaN, samples: m.n };
}

type FanResult = {
  deliveriesPerSec: number;
  lat: Latency;
  sent: number;
  expected: number;
  received: number;
  serverCpuPerDelivery: number;
  frameChars: number;
  clientCpuShare: number;
  serverCpuShare: number;
};

/** Sends for warm-up + measure, then waits (bounded) for the last deliveries. */
async function runFanPhase(
  server: Server,
  fan: FanOut,
  mode: "paced" | "saturated",
  warmupMs: number,
): Promise<FanResult> {
  newPhase();
  for (const s of fan.senders) s.inflight = 0;
  const t0 = performance.now() + 20;
  m.winStart = t0 + warmupMs;
  m.winEnd = m.winStart + MEASURE_MS;
  const end = m.winEnd;
  const interval = 1000 / PACED_RATE;
  let cpu0 = { server: NaN, client: NaN };
  let tick: ReturnType<typeof setInterval> | undefined;
  if (mode === "saturated") {
    m.pump = (s) => {
      while (s.inflight < FAN_WINDOW && performance.now() < end) sendOne(s);
    };
    // Bursts every millisecond as well: the window refills from deliveries, this restarts it.
    tick = setInterval(() => fan.senders.forEach((s) => m.pump?.(s)), 1);
  }
  await new Promise<void>((done) => {
    const step = () => {
      const now = performance.now();
      if (Number.isNaN(cpu0.server) && now >= m.winStart) {
        cpu0 = { server: cpuSeconds(server.pid), client: cpuSeconds("self") };
      }
      if (mode === "paced") {
        fan.senders.forEach((s, r) => {
          // Rooms are staggered so the 300 messages/s are spread evenly.
          const start = t0 + (r * interval) / fan.senders.length;
          const due = Math.floor((Math.min(now, end) - start) / interval) + 1;
          while (s.sent < due) sendOne(s);
        });
      }
      if (now >= end) done();
      else setTimeout(step, 1);
    };
    for (const s of fan.senders) s.sent = 0;
    step();
  });
  const cpu1 = { server: cpuSeconds(server.pid), client: cpuSeconds("self") };
  clearInterval(tick);
  m.pump = null;
  const seconds = MEASURE_MS / 1000;
  const sent = fan.senders.reduce((a, s) => a + s.sent, 0);
  const expected = fan.senders.reduce((a, s) => a + s.sent * fan.members[s.room], 0);
  await waitFor(() => m.received >= expected, DRAIN_MS);
  const deliveriesPerSec = m.inWindow / seconds;
  return {
    deliveriesPerSec,
    lat: latency(),
    sent,
    expected,
    received: m.received,
    serverCpuPerDelivery: (cpu1.server - cpu0.server) / m.inWindow,
    frameChars: m.frameChars,
    serverCpuShare: (cpu1.server - cpu0.server) / seconds,
    clientCpuShare: (cpu1.client - cpu0.client) / seconds,
  };
}

type FixedResult = { cpuPerDelivery: number; deliveries: number; seconds: number };

/** Each sender sends `perSender` messages (FAN_WINDOW in flight); CPU over every delivery. */
async function runFixed(server: Server, fan: FanOut, perSender: number): Promise<FixedResult> {
  newPhase();
  for (const s of fan.senders) {
    s.inflight = 0;
    s.sent = 0;
  }
  m.winStart = -Infinity;
  m.winEnd = Infinity;
  const expected = fan.senders.reduce((a, s) => a + perSender * fan.members[s.room], 0);
  const cpu0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  m.pump = (s) => {
    while (s.inflight < FAN_WINDOW && s.sent < perSender) sendOne(s);
  };
  fan.senders.forEach((s) => m.pump!(s));
  await waitFor(() => m.received >= expected, 180_000);
  const cpu = cpuSeconds(server.pid) - cpu0;
  m.pump = null;
  return {
    cpuPerDelivery: cpu / m.received,
    deliveries: m.received,
    seconds: (performance.now() - t0) / 1000,
  };
}

type DurableResult = {
  acksPerSec: number;
  lat: Latency;
  sockets: number;
  errors: number;
  firstError: string;
  serverCpuShare: number;
};

/** Senders not in any room (no fan-out): the write path alone, a window of 20 acks each. */
async function runDurable(
  server: Server,
  proto: Protocol,
  headersOf: (user: number) => Record<string, string>,
  roomIds: string[],
): Promise<DurableResult> {
  const opened = await pool(DURABLE_SENDERS, 20, async (i) => {
    const s = await openSock(proto, headersOf(i % USERS));
    s.roomId = roomIds[i % ROOMS];
    return s;
  });
  const socks = opened.filter((s): s is Sock => !(s instanceof Error));
  if (socks.length === 0) throw new Error(`no durable sender connected: ${firstError(opened)}`);
  const errorsBefore = m.errors;
  m.firstError = "";
  newPhase();
  const t0 = performance.now();
  m.winStart = t0 + WARMUP_MS;
  m.winEnd = m.winStart + MEASURE_MS;
  const end = m.winEnd;
  m.pump = (s) => {
    while (s.inflight < DURABLE_WINDOW && performance.now() < end) sendOne(s);
  };
  socks.forEach((s) => m.pump!(s));
  await sleep(m.winStart - performance.now());
  const cpu0 = cpuSeconds(server.pid);
  await sleep(end - performance.now());
  const cpu1 = cpuSeconds(server.pid);
  m.pump = null;
  const expected = socks.reduce((a, s) => a + s.sent, 0);
  await waitFor(() => m.acks >= expected, DRAIN_MS);
  const result = {
    acksPerSec: m.acksInWindow / (MEASURE_MS / 1000),
    lat: latency(),
    sockets: socks.length,
    errors: m.errors - errorsBefore,
    firstError: m.firstError,
    serverCpuShare: (cpu1 - cpu0) / (MEASURE_MS / 1000),
  };
  closeAll(socks);
  await sleep(300);
  return result;
}

type IdleResult = {
  perSocket: number;
  opened: number;
  before: number;
  after: number;
  note: string;
};

async function runIdle(server: Server, headersOf: (user: number) => Record<string, string>) {
  const proto = appProtocol(server.base);
  // Warm the upgrade path first, so the baseline has the code paths' memory in it.
  const warm = await pool(100, 20, (i) => openSock(proto, headersOf(i % USERS)));
  closeAll(warm.filter((s): s is Sock => !(s instanceof Error)));
  await sleep(1500);
  const before = readStatus(server.pid, "VmRSS");
  const t = performance.now();
  const opened = await pool(IDLE_SOCKETS, 200, (i) => openSock(proto, headersOf(i % USERS)));
  const openSeconds = (performance.now() - t) / 1000;
  const socks = opened.filter((s): s is Sock => !(s instanceof Error));
  await sleep(2000);
  const after = readStatus(server.pid, "VmRSS");
  const open = socks.filter((s) => s.ws.readyState === WebSocket.OPEN).length;
  const notes = [`${open} open after ${openSeconds.toFixed(1)} s`, firstError(opened)];
  closeAll(socks);
  await sleep(500);
  return {
    perSocket: (after - before) / Math.max(1, open),
    opened: open,
    before,
    after,
    note: notes.filter(Boolean).join("; "),
  } satisfies IdleResult;
}

// ---------------------------------------------------------------------------------------
// The app's setup over HTTP

type AppSetup = { cookies: string[]; roomIds: string[]; seconds: number };

async function setUpApp(base: string): Promise<AppSetup> {
  const t = performance.now();
  const json = { "content-type": "application/json", origin: base };
  const users = await pool(USERS, 4, async (i) => {
    const res = await fetch(`${base}/api/auth/register`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ username: `bench${i}`, password: PASSWORD }),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    const { user } = await res.json();
    return { id: user.id as string, cookie: res.headers.getSetCookie()[0].split(";")[0] };
  });
  const err = firstError(users);
  if (err) throw new Error(`registering users: ${err}`);
  const ok = users as { id: string; cookie: string }[];
  const roomIds: string[] = [];
  for (let r = 0; r < ROOMS; r++) {
    const res = await fetch(`${base}/api/conversations`, {
      method: "POST",
      headers: { ...json, cookie: ok[r].cookie },
      body: JSON.stringify({
        title: `bench room ${r}`,
        participantIds: ok.filter((_, i) => i !== r).map((u) => u.id),
      }),
    });
    if (res.status !== 201) throw new Error(`conversation: ${res.status} ${await res.text()}`);
    roomIds.push((await res.json()).conversation.id);
  }
  return { cookies: ok.map((u) => u.cookie), roomIds, seconds: (performance.now() - t) / 1000 };
}

// ---------------------------------------------------------------------------------------
// Running it all

type Row = {
  label: string;
  paced?: FanResult;
  /** The median of the saturated runs, and every run's deliveries/s. */
  saturated?: FanResult;
  saturatedRuns?: number[];
  /** `cpu` mode's runs. */
  fixed?: FixedResult[];
  notes: string[];
};

const fmtK = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? "—" : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);
const fmtMs = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? "—" : n < 10 ? n.toFixed(2) : n.toFixed(1);
const fmtUs = (s: number | undefined) =>
  s === undefined || !Number.isFinite(s) ? "—" : `${(s * 1e6).toFixed(1)}`;

let onlyDurable = false;
/** `fan`: the fan-out phases alone (no durable acks, no idle sockets), for quick iterations. */
let onlyFan = false;
/**
 * `cpu`: in place of the timed phases, each sender sends CPU_MESSAGES messages (a window of
 * FAN_WINDOW), four times: the server's CPU µs per delivery over all of them. Fixed work, so
 * it holds on a loaded machine where rates do not (wall time then adds only the timers').
 */
let cpuOnly = false;
const CPU_MESSAGES = 200;

async function benchFanOut(
  label: string,
  start: () => Promise<Server>,
  protoOf: (server: Server) => Protocol,
  prepare: (server: Server) => Promise<{ roomIds: string[]; headersOf: FanHeaders; note?: string }>,
  after?: (server: Server, ctx: { roomIds: string[]; headersOf: FanHeaders }) => Promise<void>,
): Promise<Row> {
  const row: Row = { label, notes: [] };
  let server: Server | undefined;
  m.closed = 0;
  m.closeReasons.clear();
  m.errors = 0;
  m.firstError = "";
  try {
    server = await start();
    const ctx = await prepare(server);
    if (ctx.note) row.notes.push(ctx.note);
    if (onlyDurable) {
      if (after) await after(server, ctx);
      return row;
    }
    const proto = protoOf(server);
    const fan = await openFanOut(proto, ctx.roomIds, ctx.headersOf);
    if (fan.setupNote) row.notes.push(fan.setupNote);
    progress(
      `${label}: ${fan.socks.length} sockets, rooms of ${
        fan.members.join("/")
      } (pid ${server.pid})`,
    );
    if (cpuOnly) {
      const runs: FixedResult[] = [];
      for (let i = 0; i < 4; i++) {
        runs.push(await runFixed(server, fan, CPU_MESSAGES));
        progress(`${label}: ${fmtUs(runs[i].cpuPerDelivery)} µs CPU a delivery`);
      }
      row.fixed = runs;
      closeAll(fan.socks);
      await sleep(500);
      return row;
    }
    row.paced = await runFanPhase(server, fan, "paced", WARMUP_MS);
    progress(
      `${label}: paced ${fmtK(row.paced.deliveriesPerSec)}/s p99 ${fmtMs(row.paced.lat.p99)} ms`,
    );
    // The machine varies run to run: saturate SATURATED_RUNS times, keep the median.
    const runs: FanResult[] = [];
    for (let i = 0; i < SATURATED_RUNS; i++) {
      runs.push(await runFanPhase(server, fan, "saturated", 500));
      progress(`${label}: saturated ${fmtK(runs[i].deliveriesPerSec)}/s`);
    }
    runs.sort((x, y) => x.deliveriesPerSec - y.deliveriesPerSec);
    row.saturated = runs[Math.floor(runs.length / 2)];
    row.saturatedRuns = runs.map((r) => r.deliveriesPerSec);
    closeAll(fan.socks);
    await sleep(500);
    if (after && !onlyFan) await after(server, ctx);
  } catch (err) {
    row.notes.push(`failed: ${err instanceof Error ? err.message : err}`);
  } finally {
    if (m.closed) {
      row.notes.push(
        `server closed ${m.closed} sockets: ${[...m.closeReasons].map(([k, v]) => `${v}× ${k}`)}`,
      );
    }
    if (m.errors) row.notes.push(`${m.errors} error frames, e.g. ${m.firstError}`);
    if (server?.logs.lines) {
      row.notes.push(
        `server logged ${server.logs.lines} lines, e.g. ${server.logs.first[0]?.slice(0, 260)}`,
      );
    }
    await server?.stop();
  }
  return row;
}

type FanHeaders = (user: number) => Record<string, string> | undefined;

function progress(text: string): void {
  console.error(`  … ${text}`);
}

async function ensureSocketIo(): Promise<string | null> {
  const dir = `${ROOT}bench/socketio`;
  try {
    await Deno.stat(`${dir}/node_modules/socket.io`);
    return null;
  } catch { /* install */ }
  progress("installing socket.io (npm ci)");
  const out = await new Deno.Command("npm", {
    args: ["ci", "--prefix", dir, "--no-audit", "--no-fund"],
    stdout: "piped",
    stderr: "piped",
  }).output().catch((err) => ({ success: false, stderr: new TextEncoder().encode(String(err)) }));
  return out.success ? null : `npm ci failed: ${new TextDecoder().decode(out.stderr).slice(-300)}`;
}

async function main() {
  const which = new Set(Deno.args.length ? Deno.args : ["a", "b", "c"]);
  // `durable`: only (a)'s durable-ack rows (the write path), for quick iterations.
  if (which.has("durable")) {
    onlyDurable = true;
    which.add("a");
    which.delete("b");
    which.delete("c");
  }
  if (which.has("cpu")) {
    cpuOnly = true;
    which.delete("cpu");
    which.add("fan");
  }
  if (which.has("fan")) {
    onlyFan = true;
    which.delete("fan");
    if (![...which].some((w) => ["a", "b", "c"].includes(w))) {
      ["a", "b"].forEach((w) => which.add(w));
    }
  }
  const started = performance.now();
  const tmp = await Deno.makeTempDir({ prefix: "bench-realtime-" });
  const kvPath = `${tmp}/bench.kv`;
  const rows: Row[] = [];
  const extra: { durable1?: DurableResult; durableN?: DurableResult; idle?: IdleResult } = {};
  const extraNotes: string[] = [];
  console.error(
    `bench:realtime — fan-out ${PER_ROOM}: ${ROOMS * PER_ROOM} sockets in ${ROOMS} rooms; ` +
      `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores`,
  );
  try {
    if (which.has("a")) {
      let cookies: string[] = [];
      let roomIds: string[] = [];
      rows.push(
        await benchFanOut(
          "(a) app",
          () => startApp(kvPath),
          (s) => appProtocol(s.base),
          async (server) => {
            const setup = await setUpApp(server.base);
            cookies = setup.cookies;
            roomIds = setup.roomIds;
            return {
              roomIds: setup.roomIds,
              headersOf: (u) => ({ cookie: setup.cookies[u], origin: server.base }),
              note: `setup (100 users, 10 rooms) ${setup.seconds.toFixed(1)} s`,
            };
          },
          async (server, ctx) => {
            progress("(a) app: durable acks, one process");
            extra.durable1 = await runDurable(
              server,
              appProtocol(server.base),
              ctx.headersOf as (u: number) => Record<string, string>,
              ctx.roomIds,
            );
            progress(`(a) app: durable ${fmtK(extra.durable1.acksPerSec)}/s`);
          },
        ),
      );
      if (cookies.length && !onlyFan) {
        for (const step of onlyDurable ? ["parallel"] as const : ["parallel", "idle"] as const) {
          let server: Server | undefined;
          try {
            server = step === "parallel" ? await startApp(kvPath, true) : await startApp(kvPath);
            const base = server.base;
            const headersOf = (u: number) => ({ cookie: cookies[u], origin: base });
            if (step === "parallel") {
              progress("(a) app: durable acks, deno serve --parallel");
              extra.durableN = await runDurable(server, appProtocol(base), headersOf, roomIds);
              progress(`(a) app --parallel: durable ${fmtK(extra.durableN.acksPerSec)}/s`);
            } else {
              progress(`(a) app: RSS of ${IDLE_SOCKETS} idle sockets`);
              extra.idle = await runIdle(server, headersOf);
            }
          } catch (err) {
            extraNotes.push(`${step}: ${err instanceof Error ? err.message : err}`);
          } finally {
            if (server?.logs.lines) {
              extraNotes.push(
                `${server.name} logged ${server.logs.lines} lines, e.g. ${
                  server.logs.first[0]?.slice(0, 260)
                }`,
              );
            }
            await server?.stop();
          }
        }
      }
    }
    if (which.has("b")) {
      rows.push(
        await benchFanOut(
          "(b) bare Deno",
          () =>
            startServer(
              "bare",
              Deno.execPath(),
              (port) => [
                "run",
                "-A",
                ...(Deno.env.get("BENCH_V8_FLAGS")
                  ? [`--v8-flags=${Deno.env.get("BENCH_V8_FLAGS")}`]
                  : []),
                "bench/bare_server.ts",
                String(port),
              ],
              () => ({}),
              "/",
              (res) => res.ok,
            ),
          (s) => bareProtocol(s.base),
          () =>
            Promise.resolve({
              roomIds: Array.from({ length: ROOMS }, (_, r) => `r${r}`),
              headersOf: () => undefined,
            }),
        ),
      );
    }
    if (which.has("c")) {
      const installError = await ensureSocketIo();
      if (installError) rows.push({ label: "(c) Socket.IO", notes: [installError] });
      else {
        rows.push(
          await benchFanOut(
            "(c) Socket.IO",
            () =>
              startServer(
                "socket.io",
                "node",
                (port) => ["bench/socketio/server.mjs", String(port)],
                () => ({}),
                "/socket.io/?EIO=4&transport=polling",
                () => true,
              ),
            (s) => sioProtocol(s.base),
            () =>
              Promise.resolve({
                roomIds: Array.from({ length: ROOMS }, (_, r) => `r${r}`),
                headersOf: () => undefined,
              }),
          ),
        );
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  report(rows, extra, extraNotes, (performance.now() - started) / 1000);
  // For `deno task bench` (bench/all.ts), which prints every bench in one table.
  const json = Deno.env.get("BENCH_JSON");
  if (json) await Deno.writeTextFile(json, JSON.stringify({ rows, extra }));
}

function report(
  rows: Row[],
  extra: { durable1?: DurableResult; durableN?: DurableResult; idle?: IdleResult },
  extraNotes: string[],
  seconds: number,
): void {
  const lines: string[] = [];
  lines.push(
    "| server | saturated deliveries/s | p99 saturated (ms) | server CPU µs/delivery (sat.) " +
      "| deliveries/s at 30k target | p50 at 30k (ms) | p99 at 30k (ms) | delivered at 30k |",
  );
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const s = r.saturated, p = r.paced;
    lines.push(
      `| ${r.label} | ${fmtK(s?.deliveriesPerSec)} | ${fmtMs(s?.lat.p99)} | ` +
        `${fmtUs(s?.serverCpuPerDelivery)} | ${fmtK(p?.deliveriesPerSec)} | ${
          fmtMs(p?.lat.p50)
        } | ` +
        `${fmtMs(p?.lat.p99)} | ${p ? `${((p.received / p.expected) * 100).toFixed(1)}%` : "—"} |`,
    );
  }
  const a = rows.find((r) => r.label.startsWith("(a)"))?.saturated?.deliveriesPerSec;
  const b = rows.find((r) => r.label.startsWith("(b)"))?.saturated?.deliveriesPerSec;
  const c = rows.find((r) => r.label.startsWith("(c)"))?.saturated?.deliveriesPerSec;
  const ratio = (x?: number, y?: number) => x && y ? (x / y).toFixed(2) : "—";
  const pct = (x?: number, y?: number) => x && y ? `${((x / y) * 100).toFixed(0)}%` : "—";
  const d1 = extra.durable1, dn = extra.durableN, idle = extra.idle;
  const aPaced = rows.find((r) => r.label.startsWith("(a)"))?.paced;
  const tick = (ok: boolean | undefined) => ok === undefined ? "" : ok ? " ✓" : " ✗";
  const out = [
    "",
    ...lines,
    "",
    "| (a) only | measured | target |",
    "| --- | ---: | --- |",
    `| deliveries/s a/b | ${ratio(a, b)} (${pct(a, b)})${
      tick(a && b ? a / b >= 0.8 : undefined)
    } | ≥ 0.80 |`,
    `| deliveries/s a/c | ${ratio(a, c)}${tick(a && c ? a / c >= 1.5 : undefined)} | ≥ 1.5 |`,
    `| p99 at 30,000 deliveries/s | ${fmtMs(aPaced?.lat.p99)} ms${
      tick(aPaced ? aPaced.lat.p99 <= 25 : undefined)
    } | ≤ 25 ms |`,
    `| durable acked messages/s, one process (${
      d1?.sockets ?? "—"
    } sockets × ${DURABLE_WINDOW}) | ${fmtK(d1?.acksPerSec)} (ack p50 ${fmtMs(d1?.lat.p50)} / p99 ${
      fmtMs(d1?.lat.p99)
    } ms)${tick(d1 ? d1.acksPerSec >= 10_000 : undefined)} | ≥ 10,000 |`,
    `| durable acked messages/s, deno serve --parallel (${navigator.hardwareConcurrency} workers) | ${
      fmtK(dn?.acksPerSec)
    } (ack p50 ${fmtMs(dn?.lat.p50)} / p99 ${fmtMs(dn?.lat.p99)} ms)${
      tick(dn ? dn.acksPerSec >= 10_000 : undefined)
    } | ≥ 10,000 |`,
    `| server RSS per idle socket (${idle?.opened ?? "—"} sockets) | ${
      idle ? `${(idle.perSocket / 1024).toFixed(1)} KB` : "—"
    } (${
      idle ? `${(idle.before / 2 ** 20).toFixed(0)} → ${(idle.after / 2 ** 20).toFixed(0)} MB` : ""
    })${tick(idle ? idle.perSocket <= 30 * 1024 : undefined)} | ≤ 30 KB |`,
    "",
    "details:",
  ];
  for (const r of rows) {
    for (const [name, f] of [["30k/s", r.paced], ["saturated (median)", r.saturated]] as const) {
      if (!f) continue;
      out.push(
        `  ${r.label} ${name}: sent ${f.sent} messages, ${f.received}/${f.expected} deliveries ` +
          `(incl. drain) of ${f.frameChars} B, p50 ${fmtMs(f.lat.p50)} p99 ${
            fmtMs(f.lat.p99)
          } max ${fmtMs(f.lat.max)} ms; ` +
          `CPU: server ${(f.serverCpuShare * 100).toFixed(0)}%, load generator ${
            (f.clientCpuShare * 100).toFixed(0)
          }% of a core`,
      );
    }
    if (r.saturatedRuns) {
      out.push(`  ${r.label} saturated runs: ${r.saturatedRuns.map(fmtK).join(", ")} deliveries/s`);
    }
    if (r.fixed) {
      out.push(
        `  ${r.label} CPU µs a delivery, ${CPU_MESSAGES} messages a sender, 4 runs: ${
          r.fixed.map((f) => `${fmtUs(f.cpuPerDelivery)} (${f.seconds.toFixed(1)} s)`).join(", ")
        }`,
      );
    }
    for (const n of r.notes) out.push(`  ${r.label}: ${n}`);
  }
  for (const [name, d] of [["one process", d1], ["--parallel", dn]] as const) {
    if (!d) continue;
    out.push(
      `  durable ${name}: ${d.sockets} sockets, server CPU ${
        (d.serverCpuShare * 100).toFixed(0)
      }%` +
        (d.errors ? `; ${d.errors} error frames, e.g. ${d.firstError}` : ""),
    );
  }
  if (idle?.note) out.push(`  idle sockets: ${idle.note}`);
  for (const n of extraNotes) out.push(`  ${n}`);
  out.push(`  whole run ${seconds.toFixed(0)} s`);
  console.log(out.join("\n"));
}

if (import.meta.main) {
  await main();
  Deno.exit(0);
}
