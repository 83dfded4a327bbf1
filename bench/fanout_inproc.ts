/**
 * Fan-out latency in process, without sockets or a load generator: 10 rooms of 100 fake
 * connections on one Hub (a file KV, the search indexer and the notifier running as in
 * main.ts), one sender per room at 30 messages/s (30,000 deliveries/s), 1 s warm-up, 6 s
 * measured. Latency: from the enqueue of a message to its frame reaching the room's last
 * connection; p50/p99/max, and the process's CPU per delivery. What the timed phase of
 * `bench:realtime` measures minus the network and the client: the group commit's wait, the
 * room's chain and whatever else holds the JavaScript thread (the notifier's and indexer's
 * bursts, GC). Usage: `deno run -A bench/fanout_inproc.ts [root]` (root: another tree).
 */
const root = Deno.args[0]
  ? `file://${Deno.args[0].replace(/\/$/, "")}`
  : new URL("..", import.meta.url).href.replace(/\/$/, "");
const accounts = await import(`${root}/lib/accounts/mod.ts`);
const conversations = await import(`${root}/lib/conversations/mod.ts`);
const notify = await import(`${root}/lib/notify/mod.ts`);
const realtime = await import(`${root}/lib/realtime/mod.ts`);

const ROOMS = 10, PER_ROOM = 100, RATE = 30, WARMUP_MS = 1000, MEASURE_MS = 6000;

function cpuSeconds(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

const dir = await Deno.makeTempDir();
const kv = await Deno.openKv(`${dir}/kv.sqlite`);
const people: { id: string }[] = [];
for (let i = 0; i < PER_ROOM; i++) {
  people.push(
    await accounts.createUserWithoutPassword(kv, { username: `u${i}`, displayName: `User ${i}` }),
  );
}
const roomIds: string[] = [];
for (let r = 0; r < ROOMS; r++) {
  const { conversation } = await conversations.createConversation(kv, people[r], {
    others: people.filter((_: unknown, i: number) => i !== r),
    title: `bench room ${r}`,
  });
  roomIds.push(conversation.id);
}
const hub = new realtime.Hub(kv, { channelName: null, pollMs: 1000 });
const notifier = notify.startNotifier({
  kv,
  config: { push: { subject: "mailto:bench@example.com", allowPrivate: false }, email: null },
});

/** Per room: when each message was enqueued, and how many frames its last connection got. */
const sentAt: number[][] = roomIds.map(() => []);
const lat: { at: number; ms: number }[] = [];
let deliveries = 0;
for (const [r, id] of roomIds.entries()) {
  for (let i = 0; i < PER_ROOM; i++) {
    const last = i === PER_ROOM - 1;
    let got = 0;
    const conn = {
      user: people[i],
      sessionId: `s${r}-${i}`,
      cursors: new Map<string, number>(),
      send(frame: unknown) {
        if (typeof frame !== "string" || !frame.startsWith('{"type":"message"')) return;
        deliveries++;
        if (!last) return;
        const t = sentAt[r][got++];
        if (t !== undefined) lat.push({ at: t, ms: performance.now() - t });
      },
      buffered: () => 0,
      close() {},
    };
    hub.connect(conn);
    await hub.join(conn, id);
  }
}

const t0 = performance.now();
const end = t0 + WARMUP_MS + MEASURE_MS;
let c0 = NaN, d0 = 0;
const senders = roomIds.map(async (id, r) => {
  const author = people[r === 0 ? 1 : 0];
  for (let k = 0;; k++) {
    const due = t0 + (k * 1000) / RATE + (r * 1000) / RATE / ROOMS;
    if (due >= end) return;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
    sentAt[r].push(performance.now());
    void hub.enqueue(author, {
      conversationId: id,
      content: `message ${k} w${k % 50}x w${(k * 7) % 300}x`,
      clientId: crypto.randomUUID(),
    }).then((q: { stored: Promise<unknown> }) => q.stored).catch(() => {});
  }
});
setTimeout(() => {
  c0 = cpuSeconds();
  d0 = deliveries;
}, WARMUP_MS);
await Promise.all(senders);
const c1 = cpuSeconds(), d1 = deliveries;
await new Promise((r) => setTimeout(r, 1500));
const measured = lat.filter((l) => l.at >= t0 + WARMUP_MS && l.at < end).map((l) => l.ms)
  .sort((a, b) => a - b);
const q = (p: number) => measured[Math.min(measured.length - 1, Math.floor(p * measured.length))];
console.log(
  `${measured.length} messages: latency p50 ${q(0.5).toFixed(1)} p99 ${q(0.99).toFixed(1)} max ${
    measured.at(-1)!.toFixed(1)
  } ms; CPU ${(((c1 - c0) / (d1 - d0)) * 1e6).toFixed(1)} µs a delivery (${d1 - d0} deliveries)`,
);
await notifier.stop();
hub.close();
await new Promise((r) => setTimeout(r, 50));
kv.close();
await Deno.remove(dir, { recursive: true });
Deno.exit(0);
