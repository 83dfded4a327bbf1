import { BusyError } from "../errors.ts";
import { HashThread } from "./hash_thread.ts";
import { pbkdf2Sha256 } from "./pbkdf2.ts";

/**
 * Password hashing per OWASP: PBKDF2-HMAC-SHA256 with 600,000 iterations (Web Crypto; about
 * 85 ms on the reference machine). The parameters are stored beside the hash so they can be
 * raised later without invalidating old hashes.
 */
export type PasswordHash = {
  alg: "pbkdf2-sha256";
  iterations: number;
  salt: string;
  hash: string;
};

export const PBKDF2_ITERATIONS = 600_000;

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

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
 * One PBKDF2 derivation at a time per process, 32 waiting at most (~2.7 s of work). Web
 * Crypto runs each derivation on its own thread, so 4 concurrent logins took both cores of
 * the reference machine and every other request waited behind them (a cheap route's p99
 * ×19, measured by `deno task bench --only=login`). One at a time leaves a core for the rest
 * and caps logins at ~12/s per process; see docs/benchmarks.md for the trade. That one runs
 * at the lowest CPU priority where it can (deriveNow), so the kernel also prefers the rest.
 */
export const passwordHashing = new WorkLimiter({ concurrency: 1, maxQueue: 32 });

function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  return passwordHashing.run(() => deriveNow(password, salt, iterations));
}

let hashThread: Promise<HashThread | undefined> | undefined;

/**
 * How long a derivation may take on the low-priority thread before it is done here at normal
 * priority instead: ~3× its cost on a free core. Longer means every core is busy with other
 * work, and the kernel gives a nice-19 thread almost nothing then (logins stopped altogether
 * in a bench on a machine loaded by others), so past this logins share the CPU as before.
 */
export const STARVED_MS = 250;

/**
 * Derives on the low-priority hashing thread (lib/hash_thread.ts) where one can run and keeps
 * up, else here: the same PBKDF2 either way, so every stored hash verifies on both paths.
 */
async function deriveNow(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  const thread = await passwordHashingThread();
  const low = await thread?.tryDerive(password, salt, iterations, STARVED_MS);
  return low ?? await pbkdf2Sha256(password, salt, iterations);
}

/** The hashing thread in use (undefined where none can run), started on first use. */
export function passwordHashingThread(): Promise<HashThread | undefined> {
  return hashThread ??= HashThread.start();
}

/** Hashes a password with a fresh 128-bit salt. Throws BusyError when too many wait. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return {
    alg: "pbkdf2-sha256",
    iterations: PBKDF2_ITERATIONS,
    salt: toBase64(salt),
    hash: toBase64(hash),
  };
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
  const actual = await derive(password, fromBase64(stored.salt), stored.iterations);
  return timingSafeEqual(actual, fromBase64(stored.hash));
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
