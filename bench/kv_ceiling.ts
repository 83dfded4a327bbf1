/**
 * The KV's own ceiling for durable message writes, measured in the same run as the app's
 * durable-ack figure (bench/realtime.ts, `durable`), and the app's write path without the
 * WebSocket, so a distance to the target can be split into what the store costs and what
 * Hearth adds.
 *
 * - **ceiling**: a loop of atomic commits, one in flight at a time (as the group-commit
 *   writer does), of `BATCH` message records of the size the durable phase stores, at their
 *   own keys (`["msg", conv, seq]`, ascending in 10 conversations): records/s, and the
 *   process's CPU per record (all threads: the JS thread that serialises and the KV's SQLite
 *   thread that writes and fsyncs).
 * - **writer**: lib/messages' `MessageWriter` with lib/search's indexer, fed like the durable
 *   phase (100 authors, each in one of 10 conversations, 20 sends in flight each, a clientId
 *   per send, 7 words + a stamp per message): acked messages/s and CPU per message, split into
 *   the JS thread and the rest (SQLite, V8's helpers); also without the indexer, to show
 *   its share.
 *
 * Rounds alternate ceiling and writer on fresh KV files in a temp dir, so a busy machine
 * loads both alike; medians are reported. CPU per message, read from /proc, moves less with
 * other load than the rates.
 *
 *   deno run -A bench/kv_ceiling.ts [rounds=3] [seconds=3]
 */
import { serialize } from "node:v8";
import { createUserWithoutPassword } from "../lib/accounts/mod.ts";
import { createConversation } from "../lib/conversations/mod.ts";
import { MessageWriter } from "../lib/messages/mod.ts";
import type { MessageRecord } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import { SearchIndexer } from "../lib/search/mod.ts";
import { messageKey } from "../lib/storage/mod.ts";
import type { Row } from "./all.ts";

/** Records per ceiling commit: the writer's own largest batch (lib/messages/writer.ts). */
const BATCH = 200;
const CONVERSATIONS = 10;
const AUTHORS = 100;
/** Sends in flight per author, as the durable phase's sockets keep them. */
const WINDOW = 20;
const WARMUP_MS = 500;

export type Rate = {
  perSec: number;
  /** Process CPU (every thread) per record or message, µs. */
  cpuUs: number;
  /** The JS thread's share of it. */
  jsUs: number;
};

export type KvCeilingFigures = {
  ceiling: Rate & { batch: number; recordBytes: number };
  writer: Rate;
  writerNoIndex: Rate;
  rounds: number;
  seconds: number;
};

// ---------------------------------------------------------------------------------------
// Messages like the durable phase's: a stamp, then 7 words from a 5,000-word Zipf vocabulary

const VOCABULARY = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}x`);
const CUMULATIVE = (() => {
  let total = 0;
  const sums = VOCABULARY.map((_, i) => (total += 1 / (i + 1)));
  return sums.map((v) => v / total);
})();

function word(): string {
  const r = Math.random();
  let lo = 0, hi = CUMULATIVE.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (CUMULATIVE[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return VOCABULARY[lo];
}

function content(): string {
  return `~P4~T${performance.now().toFixed(3)}~ ${Array.from({ length: 7 }, word).join(" ")}`;
}

// ---------------------------------------------------------------------------------------
// CPU of this process by thread, from /proc

function cpu(): { total: number; js: number } {
  let total = 0, js = 0;
  for (const t of Deno.readDirSync("/proc/self/task")) {
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/self/task/${t.name}/stat`);
    } catch {
      continue; // a thread that ended meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const seconds = (Number(f[11]) + Number(f[12])) / 100;
    total += seconds;
    if (Number(t.name) === Deno.pid) js += seconds;
  }
  return { total, js };
}

async function inTempKv<T>(fn: (kv: Deno.Kv) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "bench-kv-ceiling-" });
  const kv = await Deno.openKv(`${dir}/bench.kv`);
  try {
    return await fn(kv);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** What a stored message of the durable phase looks like (for its size). */
function record(conversationId: string, seq: number, authorId: string): MessageRecord {
  return {
    id: `01JBENCH${String(seq).padStart(18, "0")}`,
    conversationId,
    seq,
    authorId,
    content: content(),
    clientId: `b4-${seq}`,
    createdAt: new Date().toISOString(),
    editedAt: null,
    deletedAt: null,
    reactions: [],
  };
}

const conversationIdOf = (i: number) => `01JBENCHCONV${String(i).padStart(14, "0")}`;
const userIdOf = (i: number) => `01JBENCHUSER${String(i).padStart(14, "0")}`;

/** The ceiling: commits of BATCH records, one in flight. */
export async function measureCeiling(seconds: number): Promise<KvCeilingFigures["ceiling"]> {
  return await inTempKv(async (kv) => {
    const seqs = new Array(CONVERSATIONS).fill(0);
    let i = 0, stored = 0, bytes = 0;
    let c0 = cpu();
    const t0 = performance.now();
    const start = t0 + WARMUP_MS, end = start + seconds * 1000;
    let started = false;
    while (performance.now() < end) {
      if (!started && performance.now() >= start) {
        started = true;
        stored = 0;
        c0 = cpu();
      }
      const op = kv.atomic();
      for (let n = 0; n < BATCH; n++, i++) {
        const c = i % CONVERSATIONS;
        const r = record(conversationIdOf(c), ++seqs[c], userIdOf(i % AUTHORS));
        if (bytes === 0) bytes = serialize(r).byteLength;
        op.set(messageKey(r.conversationId, r.seq), r);
      }
      if (!(await op.commit()).ok) throw new Error("ceiling commit failed");
      stored += BATCH;
    }
    const c1 = cpu();
    const elapsed = (performance.now() - Math.max(start, t0)) / 1000;
    return {
      perSec: stored / elapsed,
      cpuUs: (c1.total - c0.total) * 1e6 / stored,
      jsUs: (c1.js - c0.js) * 1e6 / stored,
      batch: BATCH,
      recordBytes: bytes,
    };
  });
}

/** The app's write path in process: MessageWriter (+ indexer), fed like the durable phase. */
export async function measureWriter(seconds: number, indexed = true): Promise<Rate> {
  return await inTempKv(async (kv) => {
    const users: User[] = [];
    for (let i = 0; i < AUTHORS; i++) {
      const user = await createUserWithoutPassword(kv, {
        username: `b${i}`,
        displayName: `B ${i}`,
      });
      if (!user) throw new Error("bench user not created");
      users.push(user);
    }
    const rooms: string[] = [];
    for (let r = 0; r < CONVERSATIONS; r++) {
      const { conversation } = await createConversation(kv, users[r], {
        others: users.filter((_, i) => i !== r),
        title: `bench room ${r}`,
      });
      rooms.push(conversation.id);
    }
    const writer = new MessageWriter(kv, indexed ? new SearchIndexer(kv) : null);
    let clientIds = 0, acked = 0;
    const t0 = performance.now();
    const start = t0 + WARMUP_MS, end = start + seconds * 1000;
    let c0 = cpu(), c1 = c0;
    const sampler = (async () => {
      await new Promise((r) => setTimeout(r, start - performance.now()));
      c0 = cpu();
      await new Promise((r) => setTimeout(r, end - performance.now()));
      c1 = cpu();
    })();
    await Promise.all([
      sampler,
      ...users.flatMap((author, i) =>
        Array.from({ length: WINDOW }, async () => {
          while (performance.now() < end) {
            await writer.send({
              author,
              conversationId: rooms[i % CONVERSATIONS],
              content: content(),
              clientId: `b4-${++clientIds}`,
            });
            const now = performance.now();
            if (now >= start && now < end) acked++;
          }
        })
      ),
    ]);
    await writer.indexed();
    writer.close();
    return {
      perSec: acked / seconds,
      cpuUs: (c1.total - c0.total) * 1e6 / acked,
      jsUs: (c1.js - c0.js) * 1e6 / acked,
    };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function medianRate<T extends Rate>(xs: T[]): T {
  const pick = (k: keyof Rate) => median(xs.map((x) => x[k]));
  return { ...xs[0], perSec: pick("perSec"), cpuUs: pick("cpuUs"), jsUs: pick("jsUs") };
}

/** Rounds of ceiling, writer and writer without its indexer, interleaved; medians. */
export async function benchKvCeiling(
  options: { rounds?: number; seconds?: number; progress?: (line: string) => void } = {},
): Promise<KvCeilingFigures> {
  const rounds = options.rounds ?? 3, seconds = options.seconds ?? 3;
  const say = options.progress ?? (() => {});
  const ceilings: KvCeilingFigures["ceiling"][] = [], writers: Rate[] = [], bare: Rate[] = [];
  for (let r = 0; r < rounds; r++) {
    ceilings.push(await measureCeiling(seconds));
    say(`round ${r + 1}: ceiling ${fmtRate(ceilings.at(-1)!)}`);
    writers.push(await measureWriter(seconds));
    say(`round ${r + 1}: writer ${fmtRate(writers.at(-1)!)}`);
    bare.push(await measureWriter(seconds, false));
    say(`round ${r + 1}: writer, no index ${fmtRate(bare.at(-1)!)}`);
  }
  return {
    ceiling: medianRate(ceilings),
    writer: medianRate(writers),
    writerNoIndex: medianRate(bare),
    rounds,
    seconds,
  };
}

const f0 = (n: number) => Math.round(n).toLocaleString("en-US");

function fmtRate(r: Rate): string {
  return `${f0(r.perSec)}/s, ${r.cpuUs.toFixed(0)} µs CPU each (JS ${r.jsUs.toFixed(0)})`;
}

/**
 * The table's rows: the ceiling, the in-process writer against it, and (given the durable
 * phase's acks/s from bench/realtime.ts, the same run) the app's durable acks against it.
 */
export function kvCeilingRows(f: KvCeilingFigures, durableAcksPerSec?: number): Row[] {
  const ceiling = `${f0(f.ceiling.perSec)}/s (KV, ${f.ceiling.batch} records a commit)`;
  const rows: Row[] = [
    {
      figure: `KV ceiling: message records/s, commits of ${f.ceiling.batch}`,
      value: `${f0(f.ceiling.perSec)}/s (${f.ceiling.cpuUs.toFixed(0)} µs CPU a record)`,
      ceiling: "",
      ratio: "",
      target: "",
      met: null,
    },
    {
      figure: "messages/s through MessageWriter + indexer, in process",
      value: `${f0(f.writer.perSec)}/s (${f.writer.cpuUs.toFixed(0)} µs CPU, JS ${
        f.writer.jsUs.toFixed(0)
      }; no index ${f.writerNoIndex.cpuUs.toFixed(0)})`,
      ceiling,
      ratio: (f.writer.perSec / f.ceiling.perSec).toFixed(2),
      target: "",
      met: null,
    },
  ];
  if (durableAcksPerSec !== undefined) {
    const ratio = durableAcksPerSec / f.ceiling.perSec;
    rows.push({
      figure: "durable acked messages/s vs the KV ceiling",
      value: `${f0(durableAcksPerSec)}/s`,
      ceiling,
      ratio: ratio.toFixed(2),
      target: "≥ 0.55 (and ≥ 10,000/s)",
      met: ratio >= 0.55 && durableAcksPerSec >= 10_000,
    });
  }
  return rows;
}

if (import.meta.main) {
  const [rounds, seconds] = Deno.args.map(Number);
  const f = await benchKvCeiling({
    rounds: rounds || 3,
    seconds: seconds || 3,
    progress: (line) => console.error(`  … ${line}`),
  });
  console.log(`ceiling        ${fmtRate(f.ceiling)} (${f.ceiling.recordBytes} B a record)`);
  console.log(`writer         ${fmtRate(f.writer)}`);
  console.log(`writer, no idx ${fmtRate(f.writerNoIndex)}`);
  for (const r of kvCeilingRows(f)) console.log(`| ${Object.values(r).join(" | ")} |`);
}
