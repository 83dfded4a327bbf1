/**
 * The HTTP figures of `deno task bench`: pages, the REST message page and the conversation
 * list on small and large stores, login, and start-up, each beside the ceiling (a bare Hono
 * route on the same Deno, same load generator, same run). The app is the real `main.ts` in
 * production mode (prebuilt islands, RATE_LIMIT_SCALE=0, LOG_LEVEL=warn) as its own process,
 * run from a snapshot of the working tree so edits made during a run cannot change it.
 */
import { assertClean, loadInProcess, type LoadOptions, type LoadResult } from "./load.ts";
import { freePort, HOST, ROOT, type Server, sleep, startServer } from "./process.ts";
import type { SeededStore } from "./seed.ts";
import { BARE_JSON_PATH, startBareJson } from "./bare_json.ts";

/** What the snapshot copies: everything main.ts, build.ts and serve.ts read. */
const APP_FILES = [
  "main.ts",
  "serve.ts",
  "build.ts",
  "config.ts",
  "deno.json",
  "deno.lock",
  "lib",
  "routes",
  "islands",
  "components",
  "static",
];
/**
 * This tree reads no SECRET_KEY, but the trees from before issue 14's redesign refuse to start
 * in production without one, and bench/pair.ts runs such a tree as its "before".
 */
const SECRET_KEY = "bench-secret-key-that-is-long-enough-000";

/**
 * Copies the app (of the tree at `root`, default this one) into `dir` and builds its islands
 * there (production start-up needs them).
 */
export async function snapshotApp(dir: string, root = ROOT): Promise<string> {
  const app = `${dir}/app`;
  await Deno.mkdir(app, { recursive: true });
  for (const name of APP_FILES) {
    const cp = await new Deno.Command("cp", {
      args: ["-r", `${root.replace(/\/?$/, "/")}${name}`, `${app}/`],
      stderr: "piped",
    }).output();
    if (!cp.success) throw new Error(`copying ${name}: ${new TextDecoder().decode(cp.stderr)}`);
  }
  await Deno.remove(`${app}/static/build`, { recursive: true }).catch(() => {});
  const build = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "build.ts"],
    cwd: app,
    env: { LOG_LEVEL: "warn" },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!build.success) {
    throw new Error(`deno task build failed: ${new TextDecoder().decode(build.stderr)}`);
  }
  return app;
}

/** The app's environment for a bench: production, its own KV file, no rate limits. */
export function appEnv(kvPath: string, port: number): Record<string, string> {
  return {
    DENO_ENV: "production",
    SECRET_KEY,
    KV_PATH: kvPath,
    RATE_LIMIT_SCALE: "0",
    REGISTRATION: "open",
    LOG_LEVEL: "warn",
    HOSTNAME: HOST,
    PORT: String(port),
  };
}

/** `main.ts` from the snapshot on `kvPath` (with a CPU profile when BENCH_CPU_PROF is a dir). */
export function startApp(app: string, kvPath: string): Promise<Server> {
  const prof = Deno.env.get("BENCH_CPU_PROF");
  return startServer(
    "app",
    Deno.execPath(),
    () => ["run", "-A", ...(prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : []), "main.ts"],
    (port) => appEnv(kvPath, port),
    "/healthz",
    (res) => res.ok,
    app,
  );
}

/**
 * `deno serve --parallel serve.ts` (`deno task start:parallel`: one worker per core, all on
 * the one KV file) from the snapshot on `kvPath`.
 */
export function startAppParallel(app: string, kvPath: string): Promise<Server> {
  return startServer(
    "app --parallel",
    Deno.execPath(),
    (port) => ["serve", "--parallel", "-A", `--host=${HOST}`, `--port=${port}`, "serve.ts"],
    (port) => appEnv(kvPath, port),
    "/healthz",
    (res) => res.ok,
    app,
  );
}

/** The ceiling: a bare Hono route returning "ok" (bench/bare_hono.ts). */
export function startCeiling(): Promise<Server> {
  return startServer(
    "bare hono",
    Deno.execPath(),
    (port) => ["run", "-A", "bench/bare_hono.ts", String(port)],
    () => ({}),
    "/",
    (res) => res.ok,
  );
}

/**
 * The page's ceiling (bench/bare_page.ts): a bare server rendering the same 50 messages with
 * the same components per request, read from `store` once at its start (no KV after that).
 */
export function startBarePage(store: SeededStore): Promise<Server> {
  return startServer(
    "bare page",
    Deno.execPath(),
    (port) => [
      "run",
      "-A",
      "bench/bare_page.ts",
      String(port),
      store.path,
      store.conversationId,
      store.reader,
    ],
    () => ({}),
    "/",
    (res) => res.ok,
  );
}

/** Signs in by the JSON API; returns the session cookie ("name=value"). */
export async function signIn(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ username, password }),
  });
  await res.body?.cancel();
  if (res.status !== 200) throw new Error(`sign-in as ${username} answered ${res.status}`);
  const cookie = res.headers.getSetCookie().find((c) => /^(__Host-)?sid=/.test(c));
  if (!cookie) throw new Error("sign-in set no session cookie");
  return cookie.split(";")[0];
}

export type Timing = { seconds: number; warmupSeconds: number; connections: number };

async function measure(name: string, options: LoadOptions): Promise<LoadResult> {
  return assertClean(name, await loadInProcess(options));
}

/** The text of the newest message of the seeded conversation, as the page shows it. */
export async function lastMessageText(base: string, cookie: string, store: SeededStore) {
  const res = await fetch(`${base}/api/conversations/${store.conversationId}/messages?limit=1`, {
    headers: { cookie },
  });
  if (res.status !== 200) throw new Error(`the message page answered ${res.status}`);
  const { messages } = await res.json();
  if (messages.length !== 1) throw new Error("the seeded conversation has no messages");
  return messages[0].content as string;
}

export type StoreFigures = {
  page: LoadResult;
  /**
   * The page's ceiling in the same run (bench/bare_page.ts: the same 50 messages rendered by
   * the same components, nothing else); absent on `--parallel`.
   */
  barePage?: LoadResult;
  /**
   * The page one request at a time (1 connection, no queue: what one person waits for on an
   * idle server), and its bare render the same way; absent on `--parallel`.
   */
  pageAlone?: LoadResult;
  barePageAlone?: LoadResult;
  rest: LoadResult;
  /**
   * REST's ceiling in the same run (bench/bare_json.ts: `JSON.stringify` of the same 50
   * messages, read once); absent on `--parallel`.
   */
  restCeiling?: LoadResult;
  lists?: { few: LoadResult; many: LoadResult; homeFew: LoadResult; homeMany: LoadResult };
};

/**
 * The page and the REST page of the seeded conversation (and the lists, when asked), on the
 * app as one process or, with `parallel`, as `deno serve --parallel` (its figures are
 * labelled so; the targets are judged on one process).
 */
export async function benchStore(
  app: string,
  store: SeededStore,
  timing: Timing,
  withLists: boolean,
  progress: (s: string) => void,
  parallel = false,
): Promise<StoreFigures> {
  const server = await (parallel ? startAppParallel : startApp)(app, store.path);
  let last = "";
  let figures: StoreFigures;
  try {
    const base = server.base;
    const cookie = await signIn(base, store.reader, store.password);
    last = await lastMessageText(base, cookie, store);
    const headers = { cookie };
    const run = (name: string, path: string, expect: string, h = headers, connections = 0) => {
      progress(`${name} (${store.shape.history} messages${parallel ? ", --parallel" : ""})`);
      const t = connections ? { ...timing, connections } : timing;
      return measure(name, { ...t, url: base + path, headers: h, expect });
    };
    const pagePath = `/conversations/${store.conversationId}`;
    const page = await run("page", pagePath, last);
    const rest = await run(
      "REST page",
      `/api/conversations/${store.conversationId}/messages?limit=50`,
      JSON.stringify(last),
    );
    figures = { page, rest };
    if (!parallel) figures.pageAlone = await run("page, 1 connection", pagePath, last, headers, 1);
    if (withLists) {
      const few = { cookie: await signIn(base, store.fewLists, store.password) };
      const many = { cookie: await signIn(base, store.manyLists, store.password) };
      // Names of the oldest group each has: a list that drops conversations fails.
      figures.lists = {
        // What the sidebar asks for: the first page (the bare path answers every conversation).
        few: await run("list of 5", "/api/conversations?limit=50", '"title":"Group 4"', few),
        many: await run("list of 500", "/api/conversations?limit=50", '"title":"Group 499"', many),
        homeFew: await run("home page, 5", "/", "Group 4", few),
        homeMany: await run("home page, 500", "/", "Group 499", many),
      };
    }
  } finally {
    await server.stop();
    if (server.logs.lines) progress(`app logged: ${server.logs.first.join(" | ")}`);
  }
  if (!parallel) {
    const bare = await benchBarePage(store, timing, last, progress);
    figures.barePage = bare.queued;
    figures.barePageAlone = bare.alone;
    figures.restCeiling = await benchBareJson(store, timing, last, progress);
  }
  return figures;
}

/**
 * The page's ceiling on `store` (after the app has stopped: it reads the same KV file), at
 * `timing`'s connections and one request at a time, on one start of the bare server.
 */
export async function benchBarePage(
  store: SeededStore,
  timing: Timing,
  last: string,
  progress: (s: string) => void = () => {},
): Promise<{ queued: LoadResult; alone: LoadResult }> {
  progress(`bare page (${store.shape.history} messages)`);
  const bare = await startBarePage(store);
  try {
    const options = { ...timing, url: `${bare.base}/`, expect: last };
    const queued = await measure("bare page", options);
    return {
      queued,
      alone: await measure("bare page, 1 connection", { ...options, connections: 1 }),
    };
  } finally {
    await bare.stop();
  }
}

/** REST's ceiling on `store` (bench/bare_json.ts), measured like the app's REST page. */
export async function benchBareJson(
  store: SeededStore,
  timing: Timing,
  last: string,
  progress: (s: string) => void = () => {},
): Promise<LoadResult> {
  progress(`bare JSON (${store.shape.history} messages)`);
  const bare = await startBareJson(store.path, store.conversationId);
  try {
    return await measure("bare JSON", {
      ...timing,
      url: bare.base + BARE_JSON_PATH,
      expect: JSON.stringify(last),
    });
  } finally {
    await bare.stop();
  }
}

/** The ceiling's figures at the same load as the app's. */
export async function benchCeiling(timing: Timing): Promise<LoadResult> {
  const server = await startCeiling();
  try {
    return await measure("ceiling", { ...timing, url: `${server.base}/`, expect: "ok" });
  } finally {
    await server.stop();
  }
}

export type LoginFigures = {
  hashMs: number;
  loginsPerSec: number;
  loginP99Ms: number;
  cheapIdleP99Ms: number;
  cheapLoadedP99Ms: number;
  cheapRoute: string;
};

/**
 * Login: the hash's cost (median of 5 in this process), logins/s at 4 connections, and the
 * p99 of a cheap signed-in route (GET /api/auth/check, 1 connection) idle and while logins run.
 */
export async function benchLogin(
  app: string,
  store: SeededStore,
  seconds: number,
  progress: (s: string) => void,
): Promise<LoginFigures> {
  const { hashPassword } = await import("../lib/accounts/mod.ts");
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await hashPassword("benchmark password");
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const server = await startApp(app, store.path);
  try {
    const base = server.base;
    const cookie = await signIn(base, store.reader, store.password);
    const cheapRoute = "/api/auth/check";
    const cheap: LoadOptions = {
      url: base + cheapRoute,
      connections: 1,
      seconds,
      warmupSeconds: 1,
      headers: { cookie },
      expect: store.reader,
    };
    const login: LoadOptions = {
      url: `${base}/api/auth/login`,
      method: "POST",
      connections: 4,
      seconds,
      warmupSeconds: 1,
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ username: store.fewLists, password: store.password }),
      expect: '"user"',
    };
    progress("login: cheap route idle");
    const idle = await measure("cheap route, idle", cheap);
    progress("login: logins with the cheap route beside them");
    const [logins, loaded] = await Promise.all([
      measure("logins", login),
      measure("cheap route during logins", cheap),
    ]);
    return {
      hashMs: times[2],
      loginsPerSec: logins.perSec,
      loginP99Ms: logins.p99Ms,
      cheapIdleP99Ms: idle.p99Ms,
      cheapLoadedP99Ms: loaded.p99Ms,
      cheapRoute,
    };
  } finally {
    await server.stop();
  }
}

/**
 * Start-up: from spawning `main.ts` (prebuilt islands, the small store) to the first 200 of
 * GET /login (a rendered page); the median of `runs`. The ceiling: the bare Hono server's
 * time to its first 200 the same way.
 */
export async function benchStartup(
  app: string,
  kvPath: string,
  runs: number,
): Promise<{ appMs: number; ceilingMs: number; all: number[] }> {
  const timeToFirst200 = async (
    args: (port: number) => string[],
    cwd: string,
    env: (port: number) => Record<string, string>,
    path: string,
  ) => {
    const port = freePort();
    const started = performance.now();
    const proc = new Deno.Command(Deno.execPath(), {
      args: args(port),
      cwd,
      env: env(port),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      while (performance.now() - started < 30_000) {
        try {
          const res = await fetch(`http://${HOST}:${port}${path}`);
          await res.body?.cancel();
          if (res.status === 200) return performance.now() - started;
        } catch { /* not listening yet */ }
        await sleep(2);
      }
      throw new Error(`${args(port).join(" ")} did not answer 200 within 30 s`);
    } finally {
      proc.kill("SIGKILL");
      await proc.status;
    }
  };
  const all: number[] = [];
  const ceilings: number[] = [];
  for (let i = 0; i < runs; i++) {
    all.push(
      await timeToFirst200(() => ["run", "-A", "main.ts"], app, (p) => appEnv(kvPath, p), "/login"),
    );
    ceilings.push(
      await timeToFirst200(
        (p) => ["run", "-A", "bench/bare_hono.ts", String(p)],
        ROOT,
        () => ({}),
        "/",
      ),
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { appMs: median(all), ceilingMs: median(ceilings), all };
}
