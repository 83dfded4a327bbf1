/**
 * Bounded load tests on 127.0.0.1: the server in a process of its own (load_server.ts), its
 * memory read after a full GC, and another person's request latency measured during an attack.
 */
import { ORIGIN } from "../support/helpers.ts";
import { createSession, createUser } from "../../lib/accounts/mod.ts";

const SERVER = new URL("./load_server.ts", import.meta.url).pathname;

export type Memory = { rss: number; heapTotal: number; heapUsed: number; external: number };

export type LoadServer = {
  base: string;
  /** The server's memory after a full garbage collection. */
  memory(): Promise<Memory>;
  /** fetch against the server, with its Origin and the cookie when given. */
  fetch(path: string, init?: RequestInit & { cookie?: string }): Promise<Response>;
  stop(): Promise<void>;
};

/** Starts load_server.ts with `env` (KV_PATH: a file seeded beforehand, or :memory:). */
export async function startLoadServer(env: Record<string, string>): Promise<LoadServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", SERVER, JSON.stringify(env)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const nextLine = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the load server ended");
      buffered += value;
    }
    const nl = buffered.indexOf("\n");
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    return line;
  };
  const { base } = JSON.parse(await nextLine());
  const encoder = new TextEncoder();
  return {
    base,
    memory: async () => {
      await writer.write(encoder.encode("mem\n"));
      return JSON.parse(await nextLine());
    },
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set("origin", base);
      if (init.cookie) headers.set("cookie", init.cookie);
      return fetch(new URL(path, base), { ...init, headers });
    },
    stop: async () => {
      await writer.close().catch(() => {});
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await child.status;
      clearTimeout(timer);
      await reader.cancel().catch(() => {});
    },
  };
}

export { ORIGIN };

/** Milliseconds of each call of `fn`, called one after another until `until` settles. */
export async function latencies(
  fn: () => Promise<void>,
  until: Promise<unknown>,
): Promise<number[]> {
  let done = false;
  until.finally(() => done = true).catch(() => {});
  const times: number[] = [];
  while (!done) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs `count` tasks with at most `width` at a time; the results in order. */
export async function pool<T>(count: number, width: number, task: (i: number) => Promise<T>) {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

export const MB = 1024 * 1024;
/** A byte count in MB, one decimal. */
export const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;

/** A person made straight in the store, with a session cookie. */
export async function seedPerson(kv: Deno.Kv, username: string) {
  const user = await createUser(kv, { username, password: "correct horse battery" });
  const { token } = await createSession(kv, user.id, { ttlMs: 3_600_000 });
  return { user, cookie: `sid=${token}` };
}

/** A KV file in a fresh temporary folder, filled by `seed` (then closed for the server). */
export async function seededStore<T>(seed: (kv: Deno.Kv) => Promise<T>) {
  const dir = await Deno.makeTempDir({ prefix: "hearth-load-" });
  const path = `${dir}/chat.kv`;
  const kv = await Deno.openKv(path);
  try {
    return { path, dir, seeded: await seed(kv) };
  } finally {
    kv.close();
  }
}

/**
 * A store filled by `seed`, a load server on it (RATE_LIMIT_SCALE 1), and `fn` run against
 * both with what `seed` returned; the server stopped and the store removed however it ends.
 */
export async function withSeededServer<T>(
  seed: (kv: Deno.Kv) => Promise<T>,
  fn: (server: LoadServer, seeded: T) => Promise<void>,
): Promise<void> {
  const { path, dir, seeded } = await seededStore(seed);
  const server = await startLoadServer({ KV_PATH: path, RATE_LIMIT_SCALE: "1" });
  try {
    await fn(server, seeded);
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
