/**
 * The REST message page against its ceiling, before and after a fix: bare JSON of the same
 * 50 messages (bench/bare_json.ts) and `GET /api/conversations/:id/messages?limit=50` on one
 * or two trees' apps, interleaved round by round on copies of the same small store (1,000
 * messages), each with the server's CPU milliseconds per answer (from /proc: steadier than
 * the rate when others load the machine).
 *
 *   deno run -A bench/rest_pair.ts [before-tree] [after-tree (default: this one)] [rounds=3]
 *
 * With no before tree, only this tree against the ceiling. `--floor` adds, for each app, two
 * answers that show where its cost goes: `/healthz` (the middleware every request passes, no
 * session) and `/api/auth/check` (that plus the session's read). `BENCH_CPU_PROF` works as in
 * bench/all.ts (for the apps). Make a before tree with `git worktree add $(mktemp -d) <rev>`.
 */
import { lastMessageText, signIn, snapshotApp, startApp, type Timing } from "./http.ts";
import { assertClean, loadInProcess, type LoadResult } from "./load.ts";
import { cpuSeconds, ROOT, type Server } from "./process.ts";
import { seededStore } from "./seed.ts";
import { BARE_JSON_PATH, startBareJson } from "./bare_json.ts";

type Target = { name: string; server: Server; url: string; cookie?: string; expect: string };
type Figure = LoadResult & { cpuMs: number };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(t: Target, timing: Timing): Promise<Figure> {
  const cpu = cpuSeconds(t.server.pid);
  const result = await loadInProcess({
    ...timing,
    url: t.url,
    headers: t.cookie ? { cookie: t.cookie } : {},
    expect: t.expect,
  });
  const cpuMs = (cpuSeconds(t.server.pid) - cpu) * 1000 / result.answered;
  return { ...assertClean(t.name, result), cpuMs };
}

async function main() {
  const floor = Deno.args.includes("--floor");
  const [before, afterArg, roundsArg = "3"] = Deno.args.filter((a) => a !== "--floor");
  const after = afterArg || ROOT;
  const timing: Timing = { connections: 32, seconds: 3, warmupSeconds: 1 };
  const tmp = await Deno.makeTempDir({ prefix: "bench-rest-" });
  const targets: Target[] = [];
  try {
    const trees = before ? [["before", before], ["after", after]] : [["app", after]];
    for (const [name, root] of trees) {
      const dir = await Deno.makeTempDir({ dir: tmp, prefix: `${name}-` });
      const app = await snapshotApp(dir, root);
      const store = await seededStore(ROOT, { history: 1000, conversations: 0 }, dir);
      const server = await startApp(app, store.path);
      const cookie = await signIn(server.base, store.reader, store.password);
      const last = JSON.stringify(await lastMessageText(server.base, cookie, store));
      if (!targets.length) {
        const bare = await startBareJson(store.path, store.conversationId);
        targets.push({
          name: "bare json",
          server: bare,
          url: bare.base + BARE_JSON_PATH,
          expect: last,
        });
      }
      const url = `${server.base}/api/conversations/${store.conversationId}/messages?limit=50`;
      targets.push({ name, server, url, cookie, expect: last });
      if (floor) {
        const healthz = `${server.base}/healthz`;
        targets.push({ name: `${name} healthz`, server, url: healthz, expect: "ok" });
        const check = `${server.base}/api/auth/check`;
        targets.push({ name: `${name} check`, server, url: check, cookie, expect: store.reader });
      }
    }
    const figures = new Map<string, Figure[]>();
    for (let round = 0; round < Number(roundsArg); round++) {
      const order = round % 2 ? [...targets].reverse() : targets;
      for (const t of order) {
        const r = await measure(t, timing);
        figures.set(t.name, [...(figures.get(t.name) ?? []), r]);
        console.log(
          `${t.name.padEnd(14)} ${Math.round(r.perSec)}/s p50 ${r.p50Ms.toFixed(1)} ` +
            `p99 ${r.p99Ms.toFixed(1)} ms, ${r.cpuMs.toFixed(3)} ms CPU/answer`,
        );
      }
    }
    console.log("\nmedians:");
    const bare = figures.get("bare json")!;
    for (const [name, rs] of figures) {
      const rate = median(rs.map((r) => r.perSec));
      const cpu = median(rs.map((r) => r.cpuMs));
      console.log(
        `${name.padEnd(14)} ${Math.round(rate)}/s, ${cpu.toFixed(3)} ms CPU/answer ` +
          `(${Math.round(median(rs.map((r) => r.bodyBytes)))} bytes); vs bare: rate ` +
          `${(rate / median(bare.map((r) => r.perSec))).toFixed(2)}, CPU ` +
          `${(median(bare.map((r) => r.cpuMs)) / cpu).toFixed(2)}`,
      );
    }
  } finally {
    for (const t of targets) await t.server.stop();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();
