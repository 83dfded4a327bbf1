/**
 * Before/after pairs for one fix: the conversation page and the REST message page of the
 * small store (1,000 messages), measured on two trees' apps interleaved, with the bare
 * ceiling between them, so a shared machine's noise falls on both alike.
 *
 *   deno run -A bench/pair.ts <before-tree> [after-tree (default: this one)] [rounds=3]
 *
 * Make the before tree with `git worktree add $(mktemp -d) <commit>`. Both apps run on
 * copies of the same seeded store (seeded by this tree's code). BENCH_CPU_PROF works as in
 * bench/all.ts. Prints each round and the medians, with the server's CPU time per answer
 * (from /proc: steadier than the rate when others load the machine); a failed answer ends
 * the run.
 */
import {
  benchCeiling,
  lastMessageText,
  signIn,
  snapshotApp,
  startApp,
  type Timing,
} from "./http.ts";
import { assertClean, loadInProcess, type LoadResult } from "./load.ts";
import { cpuSeconds, ROOT, type Server } from "./process.ts";
import { seededStore } from "./seed.ts";

type Target = { name: string; server: Server; cookie: string; last: string };
/** A load result and the server's CPU milliseconds per answer over it. */
type Figure = LoadResult & { cpuMs: number };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (r: Figure) =>
  `${Math.round(r.perSec)}/s p50 ${r.p50Ms.toFixed(1)} p99 ${r.p99Ms.toFixed(1)} ms, ` +
  `${r.cpuMs.toFixed(2)} ms CPU/answer`;

async function start(tmp: string, name: string, root: string): Promise<Target> {
  const dir = await Deno.makeTempDir({ dir: tmp, prefix: `${name}-` });
  const app = await snapshotApp(dir, root);
  const store = await seededStore(ROOT, { history: 1000, conversations: 0 }, dir);
  const server = await startApp(app, store.path);
  const cookie = await signIn(server.base, store.reader, store.password);
  const last = await lastMessageText(server.base, cookie, store);
  return { name, server, cookie, last: `${store.conversationId}\0${last}` };
}

async function measure(t: Target, what: "page" | "rest", timing: Timing): Promise<Figure> {
  const [id, last] = t.last.split("\0");
  const path = what === "page"
    ? `/conversations/${id}`
    : `/api/conversations/${id}/messages?limit=50`;
  const expect = what === "page" ? last : JSON.stringify(last);
  const cpu = cpuSeconds(t.server.pid);
  const result = await loadInProcess({
    ...timing,
    url: t.server.base + path,
    headers: { cookie: t.cookie },
    expect,
  });
  const cpuMs = (cpuSeconds(t.server.pid) - cpu) * 1000 / result.answered;
  return { ...assertClean(`${t.name} ${what}`, result), cpuMs };
}

async function main() {
  const [before, after = ROOT, roundsArg = "3"] = Deno.args;
  if (!before) throw new Error("usage: bench/pair.ts <before-tree> [after-tree] [rounds]");
  const timing: Timing = { connections: 32, seconds: 3, warmupSeconds: 1 };
  const tmp = await Deno.makeTempDir({ prefix: "bench-pair-" });
  const targets: Target[] = [];
  try {
    targets.push(await start(tmp, "before", before), await start(tmp, "after", after));
    const figures = new Map<string, Figure[]>();
    const note = (key: string, r: Figure) => {
      figures.set(key, [...(figures.get(key) ?? []), r]);
      console.log(`${key.padEnd(12)} ${fmt(r)}`);
    };
    for (let round = 0; round < Number(roundsArg); round++) {
      note("ceiling", { ...await benchCeiling(timing), cpuMs: NaN });
      // Alternate which goes first, so neither always follows the ceiling.
      const order = round % 2 ? [...targets].reverse() : targets;
      for (const what of ["page", "rest"] as const) {
        for (const t of order) note(`${t.name} ${what}`, await measure(t, what, timing));
      }
    }
    console.log("\nmedians:");
    for (const [key, rs] of figures) {
      console.log(
        `${key.padEnd(12)} ${Math.round(median(rs.map((r) => r.perSec)))}/s ` +
          `p50 ${median(rs.map((r) => r.p50Ms)).toFixed(1)} ` +
          `p99 ${median(rs.map((r) => r.p99Ms)).toFixed(1)} ms, ` +
          `${median(rs.map((r) => r.cpuMs)).toFixed(2)} ms CPU/answer ` +
          `(${Math.round(median(rs.map((r) => r.bodyBytes)))} bytes)`,
      );
    }
  } finally {
    for (const t of targets) await t.server.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
