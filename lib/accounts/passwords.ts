import { BusyError } from "../errors.ts";
import { ARGON2_PARAMS, argon2idBits, type Argon2Params } from "./argon2.ts";
import { HashThread } from "./hash_thread.ts";
import { pbkdf2Sha256 } from "./pbkdf2.ts";

/**
 * A stored password: Argon2id (OWASP: 19 MiB, t=2, p=1) with its cost beside it, so the cost
 * can be raised later without invalidating old hashes. "pbkdf2-sha256" hashes (600,000
 * iterations) were made before Argon2id: they still verify, and sign-in replaces them.
 */
export type PasswordHash =
  | ({ alg: "argon2id"; salt: string; hash: string } & Argon2Params)
  | { alg: "pbkdf2-sha256"; iterations: number; salt: string; hash: string };

/**
 * Runs at most `concurrency` tasks at once, queues up to `maxQueue` more in order, and turns
 * away the rest with BusyError (nothing started, so nothing is lost: the client asks again
 * after Retry-After).
 */
export class WorkLimiter {
  readonly concurrency: number;
  readonly maxQueue: number;
  #active = 0;
  #queue: (() => void)[] = [];
  /** The most tasks seen running at once (for tests and the bench). */
  peak = 0;

  constructor(options: { concurrency: number; maxQueue: number }) {
    this.concurrency = Math.max(1, options.concurrency);
    this.maxQueue = Math.max(0, options.maxQueue);
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Runs `task` when a slot is free. Throws BusyError when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.concurrency) {
      if (this.#queue.length >= this.maxQueue) throw new BusyError(1);
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#active++;
    }
    this.peak = Math.max(this.peak, this.#active);
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line (active stays counted), else frees.
      const next = this.#queue.shift();
      if (next) next();
      else this.#active--;
    }
  }
}

/**
 * One derivation at a time per process, 32 waiting at most (~3 s of work). Four concurrent
 * logins once took both cores of the reference machine and every other request waited
 * behind them (a cheap route's p99 ×19, `deno task bench --only=login`). One at a time
 * leaves a core for the rest and caps logins at ~10/s per process; that one runs on the
 * hashing thread, at the lowest CPU priority where the flags allow it.
 */
export const passwordHashing = new WorkLimiter({ concurrency: 1, maxQueue: 32 });

let hashThread: Promise<HashThread | undefined> | undefined;

/** The hashing thread (undefined where none could start), started on first use. */
export function passwordHashingThread(): Promise<HashThread | undefined> {
  return hashThread ??= HashThread.start();
}

/**
 * Argon2id on the hashing thread; on this thread only where that thread could not start or
 * has died (the same bytes either way, so every stored hash verifies on both paths).
 */
async function argon2(password: string, salt: Uint8Array, params: Argon2Params) {
  const thread = await passwordHashingThread();
  if (thread?.alive) {
    try {
      return await thread.derive(password, salt, params);
    } catch (err) {
      if (thread.alive) throw err; // the derivation's own error, not a lost thread
    }
  }
  return await argon2idBits(password, salt, params);
}

/** Hashes a password with a fresh 128-bit salt. Throws BusyError when too many wait. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await passwordHashing.run(() => argon2(password, salt, ARGON2_PARAMS));
  return { alg: "argon2id", ...ARGON2_PARAMS, salt: salt.toBase64(), hash: hash.toBase64() };
}

/** Compares in constant time (for equal lengths, which hashes of one algorithm always have). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** True when `password` matches the stored hash. Throws BusyError when too many wait. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  // Matches nothing: no empty password was ever accepted (passwordSchema), and Argon2 in
  // hash-wasm refuses one. Saying so at once tells nothing about any account.
  if (password === "") return false;
  const salt = Uint8Array.fromBase64(stored.salt);
  const actual = await passwordHashing.run(() =>
    stored.alg === "argon2id"
      ? argon2(password, salt, stored)
      // Web Crypto: off the main thread already, and run once per old account at most.
      : pbkdf2Sha256(password, salt, stored.iterations)
  );
  return timingSafeEqual(actual, Uint8Array.fromBase64(stored.hash));
}

/** True for a hash older or cheaper than what hashPassword makes now (sign-in replaces it). */
export function needsRehash(stored: PasswordHash): boolean {
  return stored.alg !== "argon2id" || stored.memoryKiB < ARGON2_PARAMS.memoryKiB ||
    stored.iterations < ARGON2_PARAMS.iterations ||
    stored.parallelism !== ARGON2_PARAMS.parallelism;
}

let dummy: Promise<PasswordHash> | undefined;

/**
 * Spends the same time as a real verification. Login calls it for unknown usernames so the
 * answer time does not reveal which usernames exist.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummy ??= hashPassword("dummy password that matches nothing");
  await verifyPassword(password, await dummy);
  return false;
}
