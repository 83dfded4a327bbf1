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
 * - **the app's keys, KV alone**: the same loop committing what the app commits per message
 *   (record, clientId, read marks, heads, notify markers), then also the indexer's postings:
 *   what the key layout costs the store, without the app's JavaScript.
 *
 * Rounds alternate ceiling and writer on fresh KV files in a temp dir, so a busy machine
 * loads both alike; medians are reported. CPU per message, read from /proc, moves less with
 * other load than the rates.
 *
 *   deno run -A bench/kv_ceiling.ts [rounds=3] [seconds=3] [writer [seq,uuid,v7]]
 *   (writer: that alone, with each kind of clientId in turn: see ClientIds)
 *   deno run -A bench/kv_ceiling.ts [rounds] [count] fixed [seq|uuid|v7]   (measureWriterFixed)
 */
import { serialize } from "node:v8";
import { createUserWithoutPassword } from "../lib/accounts/mod.ts";
import { createConversation } from "../lib/conversations/mod.ts";
import { MessageWriter } from "../lib/messages/mod.ts";
import type { MessageRecord } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import { filterToken, SearchIndexer, tokenize } from "../lib/search/mod.ts";
import { newClientId } from "../lib/shared/client_id.ts";
import {
  clientIdByTimeKey,
  headKey,
  messageKey,
  notifyPendingKey,
  readMarkKey,
  searchKey,
  searchPrefix,
} from "../lib/storage/mod.ts";
import type { Row } from "./all.ts";
import {
  content,
  conversationIdOf,
  cpu,
  median,
  type Rate,
  timedCommits,
  userIdOf,
} from "./kv_timing.ts";

export type { Rate };

/** Records per ceiling commit: the writer's own largest batch (lib/messages/writer.ts). */
const BATCH = 200;
const CONVERSATIONS = 10;
const AUTHORS = 100;
/** Sends in flight per author, as the durable phase's sockets keep them. */
const WINDOW = 20;
const WARMUP_MS = 500;

/** The KV alone committing the keys the app writes per message, in the app's commits. */
export type MixRate = Rate & { mutationsPerMessage: number };

/** The writer in process: also the search postings it left per message stored. */
export type WriterRate = Rate & { postingsPerMessage: number };

export type KvCeilingFigures = {
  ceiling: Rate & { batch: number; recordBytes: number };
  /** + each message's clientId key, its author's read mark, the heads and notify markers. */
  messageKeys: MixRate;
  /** + the search postings, in commits of their own per conversation (as the indexer). */
  withPostings: MixRate;
  writer: WriterRate;
  writerNoIndex: WriterRate;
  rounds: number;
  seconds: number;
};

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

/** The ceiling: commits of BATCH records, one in flight. */
export async function measureCeiling(seconds: number): Promise<KvCeilingFigures["ceiling"]> {
  return await inTempKv(async (kv) => {
    const seqs = new Array(CONVERSATIONS).fill(0);
    let i = 0, bytes = 0;
    const rate = await timedCommits(seconds, WARMUP_MS, async () => {
      const op = kv.atomic();
      for (let n = 0; n < BATCH; n++, i++) {
        const c = i % CONVERSATIONS;
        const r = record(conversationIdOf(c), ++seqs[c], userIdOf(i % AUTHORS));
        if (bytes === 0) bytes = serialize(r).byteLength;
        op.set(messageKey(r.conversationId, r.seq), r);
      }
      if (!(await op.commit()).ok) throw new Error("ceiling commit failed");
      return BATCH;
    });
    return { ...rate, batch: BATCH, recordBytes: bytes };
  });
}

/**
 * The KV alone committing what the app commits per message, without the app's JavaScript:
 * the message commit's keys (record, clientId, read marks, heads, notify markers) and, with
 * `postings`, the indexer's commits of each conversation's 200 messages (one key per distinct
 * word and filter token, as lib/search's IndexBatch writes them).
 */
export async function measureMix(seconds: number, postings: boolean): Promise<MixRate> {
  return await inTempKv(async (kv) => {
    const seqs = new Array(CONVERSATIONS).fill(0);
    const pending: MessageRecord[][] = Array.from({ length: CONVERSATIONS }, () => []);
    let i = 0, mutations = 0;
    const commit = async (op: Deno.AtomicOperation) => {
      if (!(await op.commit()).ok) throw new Error("mix commit failed");
    };
    let counted = 0;
    const rate = await timedCommits(seconds, WARMUP_MS, async (counts) => {
      const op = kv.atomic();
      const marks = new Set<string>();
      const last = new Map<number, MessageRecord>();
      for (let n = 0; n < BATCH; n++, i++) {
        const c = i % CONVERSATIONS;
        // Like the durable phase's queue: runs of one author's sends.
        const author = userIdOf((Math.floor(i / WINDOW) * CONVERSATIONS + c) % AUTHORS);
        const r = record(conversationIdOf(c), ++seqs[c], author);
        op.set(messageKey(r.conversationId, r.seq), r);
        // The browser's UUIDv7, filed time first as send.ts files it.
        op.set(clientIdByTimeKey(newClientId(), r.conversationId, author), r.seq);
        marks.add(`${c}\0${author}`);
        last.set(c, r);
        pending[c].push(r);
      }
      for (const mark of marks) {
        const [c, author] = mark.split("\0");
        op.set(readMarkKey(conversationIdOf(Number(c)), author), seqs[Number(c)]);
      }
      for (const r of last.values()) {
        op.set(headKey(r.conversationId), { seq: r.seq, updatedAt: r.createdAt, lastMessage: r });
        op.set(notifyPendingKey(r.conversationId), r.seq);
      }
      let written = 2 * BATCH + marks.size + 2 * last.size;
      await commit(op);
      if (postings) {
        for (const records of pending) {
          if (records.length < 200) continue;
          const index = kv.atomic();
          const byToken = new Map<string, { seqs: number[]; at: number[] }>();
          const batch = records.splice(0);
          for (const r of batch) {
            for (const token of [...tokenize(r.content), filterToken.from(r.authorId)]) {
              const p = byToken.get(token) ?? { seqs: [], at: [] };
              p.seqs.push(r.seq);
              p.at.push(Date.parse(r.createdAt));
              byToken.set(token, p);
            }
          }
          for (const [token, p] of byToken) {
            index.set(searchKey(batch[0].conversationId, token, p.seqs[0]), p);
          }
          written += byToken.size;
          await commit(index);
        }
      }
      // The warm-up's commits do not count.
      if (counts) [mutations, counted] = [mutations + written, counted + BATCH];
      return BATCH;
    });
    return { ...rate, mutationsPerMessage: mutations / counted };
  });
}

/** The durable phase's people and rooms: AUTHORS users, each room holding all of them. */
async function writerSetup(kv: Deno.Kv): Promise<{ users: User[]; rooms: string[] }> {
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
  return { users, rooms };
}

function clientIdOf(kind: ClientIds, n: number): string {
  return kind === "uuid" ? crypto.randomUUID() : kind === "v7" ? newClientId() : `b4-${n}`;
}

/**
 * The writer (with its indexer) doing a fixed amount of work: `count` sends fed like the durable
 * phase, then until everything is indexed. CPU a message over fixed work does not move with the
 * rate a busy machine allows, as a timed window's does: for before/after pairs of the write path.
 */
export async function measureWriterFixed(count: number, kind: ClientIds = "v7"): Promise<Rate> {
  return await inTempKv(async (kv) => {
    const { users, rooms } = await writerSetup(kv);
    const writer = new MessageWriter(kv, new SearchIndexer(kv));
    let sent = 0;
    const c0 = cpu(), t0 = performance.now();
    await Promise.all(users.flatMap((author, i) =>
      Array.from({ length: WINDOW }, async () => {
        while (sent < count) {
          const n = ++sent;
          const conversationId = rooms[i % CONVERSATIONS];
          await writer.send({
            author,
            conversationId,
            content: content(),
            clientId: clientIdOf(kind, n),
          });
        }
      })
    ));
    await writer.indexed();
    const c1 = cpu(), seconds = (performance.now() - t0) / 1000;
    writer.close();
    return {
      perSec: count / seconds,
      cpuUs: (c1.total - c0.total) * 1e6 / count,
      jsUs: (c1.js - c0.js) * 1e6 / count,
    };
  });
}

/** The app's write path in process: MessageWriter (+ indexer), fed like the durable phase. */
/**
 * The clientIds the writer's sends carry: `v7` a UUIDv7 (newClientId: what the browser's
 * islands and bench/realtime.ts send, filed time first), `uuid` random (crypto.randomUUID, as
 * older islands and programs send), `seq` increasing per process.
 */
export type ClientIds = "seq" | "uuid" | "v7";

export async function measureWriter(
  seconds: number,
  indexed = true,
  clientIdKind: ClientIds = "v7",
): Promise<WriterRate> {
  return await inTempKv(async (kv) => {
    const { users, rooms } = await writerSetup(kv);
    const writer = new MessageWriter(kv, indexed ? new SearchIndexer(kv) : null);
    let clientIds = 0, acked = 0, stored = 0;
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
              clientId: clientIdOf(clientIdKind, ++clientIds),
            });
            stored++;
            const now = performance.now();
            if (now >= start && now < end) acked++;
          }
        })
      ),
    ]);
    await writer.indexed();
    writer.close();
    // Every posting key is one set (nothing here edits): the index's mutations per message.
    let postings = 0;
    for (const room of rooms) {
      for await (const _ of kv.list({ prefix: searchPrefix(room) })) postings++;
    }
    return {
      postingsPerMessage: postings / stored,
      perSec: acked / seconds,
      cpuUs: (c1.total - c0.total) * 1e6 / acked,
      jsUs: (c1.js - c0.js) * 1e6 / acked,
    };
  });
}

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
  const ceilings: KvCeilingFigures["ceiling"][] = [];
  const writers: WriterRate[] = [], bare: WriterRate[] = [];
  const keys: MixRate[] = [], indexed: MixRate[] = [];
  for (let r = 0; r < rounds; r++) {
    ceilings.push(await measureCeiling(seconds));
    say(`round ${r + 1}: ceiling ${fmtRate(ceilings.at(-1)!)}`);
    keys.push(await measureMix(seconds, false));
    say(`round ${r + 1}: KV, the message commit's keys ${fmtMix(keys.at(-1)!)}`);
    indexed.push(await measureMix(seconds, true));
    say(`round ${r + 1}: KV, + postings ${fmtMix(indexed.at(-1)!)}`);
    writers.push(await measureWriter(seconds));
    say(`round ${r + 1}: writer ${fmtWriter(writers.at(-1)!)}`);
    bare.push(await measureWriter(seconds, false));
    say(`round ${r + 1}: writer, no index ${fmtRate(bare.at(-1)!)}`);
  }
  return {
    ceiling: medianRate(ceilings),
    messageKeys: medianRate(keys),
    withPostings: medianRate(indexed),
    writer: {
      ...medianRate(writers),
      postingsPerMessage: median(writers.map((w) => w.postingsPerMessage)),
    },
    writerNoIndex: medianRate(bare),
    rounds,
    seconds,
  };
}

const f0 = (n: number) => Math.round(n).toLocaleString("en-US");

function fmtRate(r: Rate): string {
  return `${f0(r.perSec)}/s, ${r.cpuUs.toFixed(0)} µs CPU each (JS ${r.jsUs.toFixed(0)})`;
}

function fmtWriter(r: WriterRate): string {
  return `${fmtRate(r)}, ${r.postingsPerMessage.toFixed(2)} postings a message`;
}

function fmtMix(r: MixRate): string {
  return `${fmtRate(r)}, ${r.mutationsPerMessage.toFixed(2)} mutations a message`;
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
      figure: "KV alone, the app's keys per message (message commit; + postings)",
      value: `${f0(f.messageKeys.perSec)}/s; ${f0(f.withPostings.perSec)}/s (${
        f.messageKeys.mutationsPerMessage.toFixed(1)
      }; ${f.withPostings.mutationsPerMessage.toFixed(1)} mutations a message)`,
      ceiling,
      ratio: (f.withPostings.perSec / f.ceiling.perSec).toFixed(2),
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

if (import.meta.main && Deno.args[2] === "fixed") {
  // Fixed work: `deno run -A bench/kv_ceiling.ts ROUNDS COUNT fixed [seq|uuid|v7]`.
  const [rounds, count] = Deno.args.map(Number);
  const kind = (Deno.args[3] ?? "seq") as ClientIds;
  for (let r = 0; r < rounds; r++) {
    console.log(`writer, ${count} sends: ${fmtRate(await measureWriterFixed(count, kind))}`);
  }
} else if (import.meta.main && Deno.args[2] === "writer") {
  // The writer alone (with its indexer), for quick before/after pairs of the write path.
  const [rounds, seconds] = Deno.args.map(Number);
  const kinds = (Deno.args[3] ?? "seq").split(",") as ClientIds[];
  for (let r = 0; r < rounds; r++) {
    for (const kind of kinds) {
      console.log(
        `writer, ${kind} clientIds: ${fmtWriter(await measureWriter(seconds, true, kind))}`,
      );
    }
  }
} else if (import.meta.main) {
  const [rounds, seconds] = Deno.args.map(Number);
  const f = await benchKvCeiling({
    rounds: rounds || 3,
    seconds: seconds || 3,
    progress: (line) => console.error(`  … ${line}`),
  });
  console.log(`ceiling        ${fmtRate(f.ceiling)} (${f.ceiling.recordBytes} B a record)`);
  console.log(`KV, msg keys   ${fmtMix(f.messageKeys)}`);
  console.log(`KV, +postings  ${fmtMix(f.withPostings)}`);
  console.log(`writer         ${fmtWriter(f.writer)}`);
  console.log(`writer, no idx ${fmtRate(f.writerNoIndex)}`);
  for (const r of kvCeilingRows(f)) console.log(`| ${Object.values(r).join(" | ")} |`);
}
