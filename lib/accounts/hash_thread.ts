import { Worker } from "node:worker_threads";
import type { HashReply, HashRequest } from "./hash_worker.ts";
import { log } from "../ops/log.ts";

/**
 * The nice value of the hashing threads: 19, the lowest priority Linux offers. When the cores
 * are busy the kernel then runs everything else first and a login waits; when they are not,
 * hashing takes a free core at full speed.
 */
export const HASH_NICE = 19;

/** How long a starting hashing thread may take to say it is ready (~30 ms on a free core). */
const READY_MS = 5000;

type Job = { resolve: (bits: Uint8Array) => void; reject: (err: Error) => void };

/**
 * A worker thread (lib/hash_worker.ts) that derives password keys at low CPU priority. It does
 * not keep the process alive while idle, so scripts that hash a password still exit.
 */
export class HashThread {
  /** The thread ids running at the lowered priority (the worker and its pool's threads). */
  readonly tids: readonly number[];
  #worker: Worker;
  #pending = new Map<number, Job>();
  #nextId = 0;
  #alive = true;

  private constructor(worker: Worker, tids: number[]) {
    this.#worker = worker;
    this.tids = tids;
    worker.unref();
    worker.on("message", (reply: HashReply) => this.#settle(reply));
    worker.on("error", (err: Error) => this.#fail(err));
    worker.on("exit", () => this.#fail(new Error("the hashing thread exited")));
  }

  /**
   * Starts the thread; undefined where it cannot lower its priority (not Linux, no worker
   * threads, no /proc, not permitted): the caller then hashes the usual way.
   */
  static async start(
    nice = HASH_NICE,
    options: { script?: URL; readyMs?: number } = {},
  ): Promise<HashThread | undefined> {
    if (Deno.build.os !== "linux") return undefined;
    const script = options.script ?? new URL("./hash_worker.ts", import.meta.url);
    let worker: Worker;
    try {
      worker = new Worker(script, { workerData: { nice } });
    } catch (err) {
      log("warn", "password hashing stays at normal priority", { reason: String(err) });
      return undefined;
    }
    // The first login waits for this: a worker that ends without a word, or never answers,
    // must not hold every derivation back for good (they run here instead).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const first = await new Promise<HashReply | Error>((resolve) => {
      worker.once("message", resolve);
      worker.once("error", resolve);
      worker.once("exit", (code) => resolve(new Error(`the hashing thread exited (${code})`)));
      timer = setTimeout(
        () => resolve(new Error("the hashing thread did not start in time")),
        options.readyMs ?? READY_MS,
      );
    });
    clearTimeout(timer);
    if ("ready" in first && first.ready) return new HashThread(worker, first.tids);
    const reason = first instanceof Error ? first.message : "reason" in first ? first.reason : "";
    if (/NotCapable|PermissionDenied/.test(reason)) {
      // Least-privilege flags (README): Deno lets only -A read /proc/thread-self. Expected.
      log("info", "password hashing at normal priority (a thread's priority needs -A)");
    } else {
      log("warn", "password hashing stays at normal priority", { reason });
    }
    await worker.terminate();
    return undefined;
  }

  /** False once the worker has failed or been stopped; the caller then hashes itself. */
  get alive(): boolean {
    return this.#alive;
  }

  derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
    if (!this.#alive) return Promise.reject(new Error("the hashing thread is not running"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      // Held open while a derivation is awaited, so a script's last await is not cut short.
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, password, salt, iterations } satisfies HashRequest);
    });
  }

  /** True while a derivation sent to the thread has not answered (it may be starved). */
  get busy(): boolean {
    return this.#pending.size > 0;
  }

  /**
   * The derivation, or undefined when the thread cannot give it within `ms`: already busy
   * (a derivation that was given up on still waits for CPU there), lost, or too slow now. The
   * caller then derives at normal priority; a derivation given up on goes on at nice 19, on
   * CPU time nothing else wanted, and its answer is dropped.
   */
  async tryDerive(
    password: string,
    salt: Uint8Array<ArrayBuffer>,
    iterations: number,
    ms: number,
  ): Promise<Uint8Array | undefined> {
    if (!this.#alive || this.busy) return undefined;
    const derived = this.derive(password, salt, iterations);
    derived.catch(() => {}); // answered below, or dropped when given up on
    let timer: number | undefined;
    const late = new Promise<undefined>((resolve) => timer = setTimeout(resolve, ms));
    try {
      return await Promise.race([derived, late]);
    } catch (err) {
      if (this.#alive) throw err; // the derivation's own error, not a lost thread
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    this.#fail(new Error("the hashing thread was stopped"));
    await this.#worker.terminate();
  }

  #take(id: number): Job | undefined {
    const job = this.#pending.get(id);
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
    return job;
  }

  #settle(reply: HashReply): void {
    if (!("id" in reply)) return;
    const job = this.#take(reply.id);
    if ("bits" in reply) job?.resolve(reply.bits);
    else job?.reject(new Error(reply.error));
  }

  #fail(err: Error): void {
    if (!this.#alive) return;
    this.#alive = false;
    for (const id of [...this.#pending.keys()]) this.#take(id)?.reject(err);
  }
}
