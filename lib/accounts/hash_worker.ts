/**
 * The password-hashing thread (started by lib/hash_thread.ts). It lowers its own CPU priority
 * and that of the threads that run its Web Crypto work, then derives keys on request, so that
 * the kernel always runs the server's main thread first and a login's ~80 ms of hashing
 * cannot delay other requests when the cores are busy.
 *
 * Messages in: `{ id, password, salt, iterations }`; out: `{ ready, tids }` or
 * `{ ready: false, reason }` once, then `{ id, bits }` or `{ id, error }` for each request.
 */
import { parentPort, workerData } from "node:worker_threads";
import { setPriority } from "node:os";
import { pbkdf2Sha256 } from "./pbkdf2.ts";

export type HashRequest = {
  id: number;
  password: string;
  salt: Uint8Array<ArrayBuffer>;
  iterations: number;
};

export type HashReply =
  | { ready: true; tids: number[] }
  | { ready: false; reason: string }
  | { id: number; bits: Uint8Array }
  | { id: number; error: string };

/** "/proc/<pid>/task/<tid>" → tid. */
function threadId(link: string): number {
  const tid = Number(link.slice(link.lastIndexOf("/") + 1));
  if (!Number.isInteger(tid) || tid <= 0) throw new Error(`no thread id in ${link}`);
  return tid;
}

/** The threads lowered so far (this one and its pool's). */
const lowered = new Set<number>();

/**
 * Linux's setpriority on a thread id applies to that one thread. Deno runs deriveBits on this
 * worker's own blocking-thread pool, whose threads inherit the nice value of this thread when
 * they start; some may already have started while this module loaded (its file reads run
 * there), so asynchronous readlinks, which run on that pool and, many at once, take its idle
 * threads, name them, and they are lowered too. Done again before every derivation (~16 cheap
 * ops): a CI run once found the work on a pool thread left at 0 when only 4 probes ran once.
 */
async function lowerPriority(nice: number): Promise<number[]> {
  if (lowered.size === 0) {
    const self = threadId(Deno.readLinkSync("/proc/thread-self"));
    setPriority(self, nice);
    lowered.add(self);
  }
  const probes = Array.from({ length: POOL_PROBES }, () => Deno.readLink("/proc/thread-self"));
  for (const tid of new Set((await Promise.all(probes)).map(threadId))) {
    if (lowered.has(tid)) continue;
    setPriority(tid, nice);
    lowered.add(tid);
  }
  return [...lowered];
}

/** Readlinks in flight at once to find the pool's idle threads. */
const POOL_PROBES = 16;

async function answer(request: HashRequest): Promise<HashReply> {
  try {
    await lowerPriority(workerData.nice);
    const bits = await pbkdf2Sha256(request.password, request.salt, request.iterations);
    return { id: request.id, bits };
  } catch (err) {
    return { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
}

async function serve(): Promise<void> {
  const port = parentPort!;
  try {
    const tids = await lowerPriority(workerData.nice);
    port.postMessage({ ready: true, tids } satisfies HashReply);
  } catch (err) {
    // Not Linux, no /proc, or not permitted: the caller hashes the usual way instead.
    port.postMessage({ ready: false, reason: String(err) } satisfies HashReply);
    return;
  }
  port.on("message", async (request: HashRequest) => port.postMessage(await answer(request)));
}

if (parentPort) await serve();
