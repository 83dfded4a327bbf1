/**
 * The password-hashing thread (started by hash_thread.ts). It lowers its own CPU priority,
 * then derives Argon2id keys on request. Argon2id is WebAssembly run on this very thread, so
 * lowering this one thread covers all the work: when the cores are busy the kernel runs the
 * server's main thread first and a login's ~100 ms of hashing cannot delay other requests.
 *
 * In: `{ nice }` as workerData, then `{ id, password, salt, params }`. Out: `{ ready,
 * priority, reason, tid }` once (priority null when it could not be lowered; tid the kernel's
 * id of this thread where /proc is readable), then `{ id, bits }` or `{ id, error }` for each
 * request.
 */
import { parentPort, workerData } from "node:worker_threads";
import { getPriority, setPriority } from "node:os";
import { argon2idBits, type Argon2Params } from "./argon2.ts";

export type HashRequest = {
  id: number;
  password: string;
  salt: Uint8Array;
  params: Argon2Params;
};

export type HashReply =
  | { ready: true; priority: number | null; reason: string | null; tid: number | null }
  | { id: number; bits: Uint8Array }
  | { id: number; error: string };

/**
 * Linux's setpriority with pid 0 applies to the calling thread alone (the main thread keeps
 * its priority). Needs --allow-sys (setPriority, getPriority): without it the thread hashes at
 * normal priority and says why.
 */
function lowerPriority(nice: number): { priority: number | null; reason: string | null } {
  try {
    setPriority(0, nice);
    return { priority: getPriority(0), reason: null };
  } catch (err) {
    return { priority: null, reason: String(err) };
  }
}

/** This thread's kernel id (proc(5), /proc/thread-self), or null where it cannot be read. */
function threadId(): number | null {
  try {
    const id = Number(Deno.readTextFileSync("/proc/thread-self/stat").split(" ", 1)[0]);
    return Number.isInteger(id) ? id : null;
  } catch {
    return null;
  }
}

async function answer(request: HashRequest): Promise<HashReply> {
  try {
    return {
      id: request.id,
      bits: await argon2idBits(request.password, request.salt, request.params),
    };
  } catch (err) {
    return { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
}

if (parentPort) {
  const port = parentPort;
  port.postMessage(
    { ready: true, ...lowerPriority(workerData.nice), tid: threadId() } satisfies HashReply,
  );
  port.on("message", async (request: HashRequest) => port.postMessage(await answer(request)));
}
