/**
 * Where a signed-in REST answer's CPU goes, without sockets or a load generator: the app of
 * this tree (createApp on the small seeded store, in this process) answers `app.fetch` in a
 * loop, and this process's CPU time per answer is printed (from /proc: steady when others load
 * the machine) for `/healthz` (the middleware every request passes, no session),
 * `/api/auth/check` (that, plus the session's read) and the REST message page (that, plus the
 * page's reads and the cached JSON). Differences between rows name each layer's cost.
 *
 *   deno run -A bench/rest_inproc.ts [healthz|check|rest]
 *
 * Run it in a `git worktree` of another commit (copy it and bench/inproc_app.ts there) to
 * compare trees.
 */
import { cpuSeconds } from "./process.ts";
import { inProcessApp } from "./inproc_app.ts";

const app = await inProcessApp("rest-inproc");
const all: Record<string, string> = {
  healthz: "/healthz",
  check: "/api/auth/check",
  rest: `/api/conversations/${app.conversationId}/messages?limit=50`,
};
const only = Deno.args[0];
const paths = only ? { [only]: all[only] } : all;
const answer = async (path: string) => await (await app.get(path)).text();
try {
  for (let round = 0; round < 3; round++) {
    for (const [name, path] of Object.entries(paths)) {
      for (let i = 0; i < 1000; i++) await answer(path);
      const n = 10_000;
      const started = cpuSeconds("self");
      for (let i = 0; i < n; i++) await answer(path);
      const us = (cpuSeconds("self") - started) / n * 1e6;
      console.log(`${name.padEnd(8)} ${us.toFixed(0)} µs CPU per answer`);
    }
  }
} finally {
  await app.close();
}
