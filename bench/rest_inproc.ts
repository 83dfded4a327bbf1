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
 * Run it in a `git worktree` of another commit (copy the file there) to compare trees.
 */
import { parseConfig } from "../config.ts";
import { createApp, createContext } from "../main.ts";
import { seededStore } from "./seed.ts";
import { cpuSeconds, ROOT } from "./process.ts";

const dir = await Deno.makeTempDir({ prefix: "bench-rest-inproc-" });
const store = await seededStore(ROOT, { history: 1000, conversations: 0 }, dir);
const config = parseConfig({
  KV_PATH: store.path,
  DENO_ENV: "test",
  LOG_LEVEL: "warn",
  REGISTRATION: "open",
  RATE_LIMIT_SCALE: "0",
});
const ctx = await createContext(config, { channelName: `rest-inproc-${Deno.pid}` });
const app = createApp(ctx);
const base = "http://localhost";
const login = await app.fetch(
  new Request(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ username: store.reader, password: store.password }),
  }),
);
const cookie = login.headers.getSetCookie()[0].split(";")[0];
const all: Record<string, string> = {
  healthz: "/healthz",
  check: "/api/auth/check",
  rest: `/api/conversations/${store.conversationId}/messages?limit=50`,
};
const only = Deno.args[0];
const paths = only ? { [only]: all[only] } : all;
const answer = async (path: string) => {
  const res = await app.fetch(new Request(base + path, { headers: { cookie } }));
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  await res.text();
};
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
  await ctx.hub.indexed();
  ctx.hub.close();
  ctx.kv.close();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
