/**
 * Durable acked messages/s of two trees' write paths, interleaved: each tree's MessageWriter
 * (with its search indexer, as main.ts builds it, or without: `noindex`) in a child process
 * of its own, on a copy of a store that tree filled with `preload` messages first (a server
 * that has run a while: its clientId entries where that tree files them). The senders model
 * the durable phase of bench/realtime.ts: 100 authors in 10 conversations, 20 sends in flight
 * each, every send with a fresh newClientId() (a UUIDv7, as the islands send). Each child
 * sends 2,000 messages to warm up, then `count` measured ones (fixed work: CPU per message is
 * steadier than a rate on a shared machine). Rounds alternate the order (ABBA); each line is
 * one pair with its ratios; CPU is the whole process's (JS thread and the rest, mostly KV's
 * SQLite thread) from /proc, per message, the indexer's catching up included.
 *
 * `history`: the clientIds of the preloaded messages: `uuid` (random, as browsers sent them
 * before newClientId: a store being upgraded) or `v7`.
 *
 *   deno run -A bench/durable_clientids.ts <before-tree> [after-tree=.] [rounds=4]
 *     [count=20000] [preload=100000] [index|noindex] [uuid|v7]
 */
import { newClientId } from "../lib/shared/client_id.ts";
import { cpu } from "./kv_timing.ts";

const CONVERSATIONS = 10;
const AUTHORS = 100;
const WINDOW = 20;
/** Messages each measuring child sends before it counts. */
const WARM_UP = 2000;

type Figures = { perSec: number; cpuUs: number; jsUs: number; p50Ms: number };

type Lib = {
  // deno-lint-ignore no-explicit-any
  MessageWriter: new (kv: Deno.Kv, indexer: any) => any;
  // deno-lint-ignore no-explicit-any
  SearchIndexer: new (kv: Deno.Kv) => any;
  // deno-lint-ignore no-explicit-any
  createUserWithoutPassword: (kv: Deno.Kv, input: any) => Promise<any>;
  // deno-lint-ignore no-explicit-any
  createConversation: (kv: Deno.Kv, user: any, input: any) => Promise<any>;
};

/** The tree's own modules (its writer, indexer, accounts, conversations). */
async function libOf(tree: string): Promise<Lib> {
  const at = (path: string) => import(new URL(`file://${tree}/${path}`).href);
  const [messages, search, accounts, conversations] = await Promise.all([
    at("lib/messages/mod.ts"),
    at("lib/search/mod.ts"),
    at("lib/accounts/mod.ts"),
    at("lib/conversations/mod.ts"),
  ]);
  return { ...messages, ...search, ...accounts, ...conversations };
}

/** Sends `count` messages from every author's window; the writer's commits, indexed or not. */
async function load(
  lib: Lib,
  kv: Deno.Kv,
  people: { users: unknown[]; rooms: string[] },
  count: number,
  indexed: boolean,
  ids: () => string = newClientId,
): Promise<number[]> {
  const writer = new lib.MessageWriter(kv, indexed ? new lib.SearchIndexer(kv) : null);
  let sent = 0;
  const latencies: number[] = [];
  const text = "~P4~T12345.678~ the quick brown fox jumps over the lazy dog";
  await Promise.all(
    people.users.flatMap((author, i) =>
      Array.from({ length: WINDOW }, async () => {
        while (sent < count) {
          sent++;
          const t = performance.now();
          await writer.send({
            author,
            conversationId: people.rooms[i % CONVERSATIONS],
            content: text,
            clientId: ids(),
          });
          latencies.push(performance.now() - t);
        }
      })
    ),
  );
  await writer.indexed();
  writer.close();
  return latencies.sort((a, b) => a - b);
}

async function child(args: string[]) {
  const [mode, tree, store, count, indexed, peopleFile, history] = args;
  const lib = await libOf(tree);
  const kv = await Deno.openKv(store);
  if (mode === "preload") {
    const users = [];
    for (let i = 0; i < AUTHORS; i++) {
      users.push(
        await lib.createUserWithoutPassword(kv, { username: `b${i}`, displayName: `B ${i}` }),
      );
    }
    const rooms: string[] = [];
    for (let r = 0; r < CONVERSATIONS; r++) {
      const { conversation } = await lib.createConversation(kv, users[r], {
        others: users.filter((_, i) => i !== r),
        title: `bench room ${r}`,
      });
      rooms.push(conversation.id);
    }
    const ids = history === "uuid" ? () => crypto.randomUUID() : newClientId;
    await load(lib, kv, { users, rooms }, Number(count), indexed === "index", ids);
    await Deno.writeTextFile(`${store}.people.json`, JSON.stringify({ users, rooms }));
    // Where this tree filed the clientIds (a check that the tree is the one meant).
    const keys = async (prefix: string) => {
      let n = 0;
      for await (const _ of kv.list({ prefix: [prefix] })) n++;
      return n;
    };
    console.error(
      `  … ${tree}: msg_client ${await keys("msg_client")}, msg_client_t ${await keys(
        "msg_client_t",
      )}`,
    );
  } else {
    const people = JSON.parse(await Deno.readTextFile(peopleFile));
    await load(lib, kv, people, WARM_UP, indexed === "index");
    const c0 = cpu(), t0 = performance.now();
    const latencies = await load(lib, kv, people, Number(count), indexed === "index");
    const c1 = cpu(), seconds = (performance.now() - t0) / 1000;
    const n = Number(count);
    console.log(JSON.stringify(
      {
        perSec: n / seconds,
        cpuUs: (c1.total - c0.total) * 1e6 / n,
        jsUs: (c1.js - c0.js) * 1e6 / n,
        p50Ms: latencies[Math.floor(latencies.length / 2)],
      } satisfies Figures,
    ));
  }
  kv.close();
}

async function run(tree: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `--config=${tree}/deno.json`, new URL(import.meta.url).pathname, ...args],
    cwd: tree,
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`child failed: ${args.join(" ")}`);
  return new TextDecoder().decode(out.stdout).trim();
}

async function main() {
  const [before, after] = [Deno.args[0], Deno.args[1] ?? "."].map((a) => Deno.realPathSync(a));
  const [rounds = 4, count = 20_000, preload = 100_000] = Deno.args.slice(2, 5).map(Number);
  const indexed = Deno.args[5] ?? "index";
  const history = Deno.args[6] ?? "uuid";
  const dir = await Deno.makeTempDir({ prefix: "bench-durable-clientids-" });
  const trees = { before, after };
  try {
    for (const [name, tree] of Object.entries(trees)) {
      const t = performance.now();
      const store = `${dir}/${name}.kv`;
      await run(tree, ["--child", "preload", tree, store, String(preload), "index", "", history]);
      const s = ((performance.now() - t) / 1000).toFixed(0);
      console.error(`  … ${name}: ${preload} messages stored in ${s} s`);
    }
    const pairs: Record<string, Figures>[] = [];
    const show = (f: Figures) =>
      `${f.perSec.toFixed(0)}/s ${f.cpuUs.toFixed(0)} µs (JS ${f.jsUs.toFixed(0)}, p50 ${
        f.p50Ms.toFixed(0)
      } ms)`;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ["before", "after"] : ["after", "before"];
      const pair: Record<string, Figures> = {};
      for (const name of order) {
        const tree = trees[name as keyof typeof trees];
        const store = `${dir}/run.kv`;
        await Deno.copyFile(`${dir}/${name}.kv`, store);
        const people = `${dir}/${name}.kv.people.json`;
        pair[name] = JSON.parse(
          await run(tree, ["--child", "measure", tree, store, String(count), indexed, people]),
        );
        for (const suffix of ["", "-shm", "-wal"]) {
          await Deno.remove(`${store}${suffix}`).catch(() => {});
        }
      }
      pairs.push(pair);
      const { before: b, after: a } = pair;
      console.log(
        `round ${r + 1}: before ${show(b)} | after ${show(a)} | after/before: rate ×${
          (a.perSec / b.perSec).toFixed(2)
        }, CPU ×${(a.cpuUs / b.cpuUs).toFixed(2)}, JS ×${(a.jsUs / b.jsUs).toFixed(2)}`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ratio = (k: keyof Figures) => median(pairs.map((p) => p.after[k] / p.before[k]));
    console.log(
      `median of ${rounds} pairs (${indexed}, ${count} sends on ${preload} stored with ${history} clientIds): rate ×${
        ratio("perSec").toFixed(2)
      }, CPU per message ×${ratio("cpuUs").toFixed(2)}, JS ×${ratio("jsUs").toFixed(2)}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") await child(Deno.args.slice(1));
  else await main();
}
