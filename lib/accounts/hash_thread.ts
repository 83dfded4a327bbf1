import { Worker } from "node:worker_threads";
import type { Argon2Params } from "./argon2.ts";
import type { HashReply, HashRequest } from "./hash_worker.ts";
import { log } from "../ops/mod.ts";

/**
 * The nice value of the hashing thread: 19, the lowest priority Linux offers. When the cores
 * are busy the kernel then runs everything else first and a login waits; when they are not,
 * hashing takes a free core at full speed.
 */
export const HASH_NICE = 19;

/**
 * How long a starting hashing thread may take to say it is ready: ~30 ms on a free core, but
 * where the worker's module is type-checked as it starts (`deno test`, `deno run --check`) a
 * busy machine took over 5 s. A thread that never answers is given up on after this.
 */
const READY_MS = 20_000;

type Job = { resolve: (bits: Uint8Array) => void; reject: (err: Error) => void };

/**
 * One worker thread (hash_worker.ts) that derives password keys at low CPU priority, off the
 * main thread. It does not keep the process alive while idle, so scripts that hash a
 * password still exit.
 */
export class HashThread {
  /** The nice value the thread runs at, as it read it back; null where it could not lower it. */
  readonly priority: number | null;
  /** The kernel's id of the thread (Linux, where /proc is readable); null elsewhere. */
  readonly tid: number | null;
  #worker: Worker;
  #pending = new Map<number, Job>();
  #nextId = 0;
  #alive = true;

  private constructor(worker: Worker, priority: number | null, tid: number | null) {
    this.#worker = worker;
    this.priority = priority;
    this.tid = tid;
    worker.unref();
    worker.on("message", (reply: HashReply) => this.#settle(reply));
    worker.on("error", (err: Error) => this.#fail(err));
    worker.on("exit", () => this.#fail(new Error("the hashing thread exited")));
  }

  /** Starts the thread; undefined when it cannot start (the caller then hashes itself). */
  static async start(
    options: { nice?: number; script?: URL; readyMs?: number } = {},
  ): Promise<HashThread | undefined> {
    const script = options.script ?? new URL("./hash_worker.ts", import.meta.url);
    let worker: Worker;
    try {
      worker = new Worker(script, { workerData: { nice: options.nice ?? HASH_NICE } });
    } catch (err) {
      log("warn", "password hashing on the main thread", { reason: String(err) });
      return undefined;
    }
    // The first login waits for this: a worker that ends without a word, or never answers,
    // must not hold every derivation back for good (they run on the main thread instead).
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
    if (first instanceof Error || !("ready" in first)) {
      log("warn", "password hashing on the main thread", { reason: String(first) });
      await worker.terminate();
      return undefined;
    }
    if (first.reason && /NotCapable|PermissionDenied/.test(first.reason)) {
      // Least-privilege flags (README) without --allow-sys: expected, so said quietly, and
      // without the permission error (the production test forbids one in the output).
      log("info", "password hashing at normal priority (lowering it needs --allow-sys)");
    } else if (first.reason) {
      log("warn", "password hashing at normal priority", { reason: first.reason });
    }
    return new HashThread(worker, first.priority, first.tid);
  }

  /** False once the worker has failed or been stopped; the caller then hashes itself. */
  get alive(): boolean {
    return this.#alive;
  }

  /** Argon2id of `password` on the thread. Rejects when the thread is gone. */
  derive(password: string, salt: Uint8Array, params: Argon2Params): Promise<Uint8Array> {
    if (!this.#alive) return Promise.reject(new Error("the hashing thread is not running"));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      // Held open while a derivation is awaited, so a script's last await is not cut short.
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, password, salt, params } satisfies HashRequest);
    });
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
