/** Starts the test push service (push_receiver.ts) as a process and talks to it. */
import { freePort } from "./process.ts";

const SCRIPT = new URL("./push_receiver.ts", import.meta.url).pathname;

export type PushReceived = {
  sub: string;
  payload: { title: string; body: string; url: string; tag: string };
  ttl: string | null;
  urgency: string | null;
  claims: { aud: string; exp: number; sub: string };
};

export type PushReceiver = {
  base: string;
  port: number;
  /** A new subscription, as `PushSubscription.toJSON()` gives it. */
  subscribe(): Promise<{ endpoint: string; keys: { p256dh: string; auth: string } }>;
  /** The site's VAPID public key the receiver checks JWTs against. */
  expectKey(publicKey: string): Promise<void>;
  /** Answers every push with this status (and Retry-After) from now on (null: 201 again). */
  answer(status: number | null, retryAfter?: string): Promise<void>;
  received(): Promise<{ pushes: PushReceived[]; attempts: number; failures: string[] }>;
  /** Waits until `n` pushes have arrived (and checked out), or throws after `ms`. */
  waitFor(n: number, ms?: number): Promise<PushReceived[]>;
  stop(): Promise<void>;
};

/** A receiver process on `port` (a free one by default) keeping its keys in `stateFile`. */
export async function startPushReceiver(
  options: { port?: number; stateFile?: string } = {},
): Promise<PushReceiver> {
  const port = options.port ?? freePort();
  const stateFile = options.stateFile ?? await Deno.makeTempFile({ suffix: ".json" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, String(port), stateFile],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the push receiver ended before listening");
    line += value;
  }
  // Keep draining so the child never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done) { /* drop */ }
  })().catch(() => {});
  const base = `http://127.0.0.1:${port}`;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(base + path, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.status === 204 ? (await res.body?.cancel(), null) : await res.json();
  };
  const received = async () => await (await fetch(`${base}/received`)).json();
  return {
    base,
    port,
    subscribe: () => post("/subscriptions", {}),
    expectKey: async (publicKey) => void await post("/vapid", { publicKey }),
    answer: async (status, retryAfter) => void await post("/mode", { status, retryAfter }),
    received,
    waitFor: async (n, ms = 15_000) => {
      const until = Date.now() + ms;
      for (;;) {
        const got = await received();
        if (got.failures.length) throw new Error(`pushes failed: ${got.failures.join("; ")}`);
        if (got.pushes.length >= n) return got.pushes;
        if (Date.now() > until) {
          throw new Error(`waited for ${n} pushes, got ${got.pushes.length}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    },
  };
}
