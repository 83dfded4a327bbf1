import { storageFailure } from "../errors.ts";

/** Where the store lives (config.ts's kvSource, kvPath and kvUrl). */
export type KvLocation = {
  kvSource: "file" | "url" | "platform";
  kvPath: string;
  kvUrl: string | undefined;
};

/**
 * Opens the configured store: a remote KV by URL (Deno.openKv takes the access token from
 * DENO_KV_ACCESS_TOKEN), Deno Deploy's own, or the embedded file (":memory:" in tests).
 */
export async function openKv(config: KvLocation): Promise<Deno.Kv> {
  if (config.kvSource === "url") return failingClearly(await Deno.openKv(config.kvUrl));
  if (config.kvSource === "platform") return failingClearly(await Deno.openKv());
  if (config.kvPath === ":memory:") return failingClearly(await Deno.openKv(":memory:"));
  const dir = config.kvPath.replace(/[^/\\]*$/, "") || ".";
  try {
    await Deno.mkdir(dir, { recursive: true });
    // Processes starting together on a new file race to create its tables: the loser is
    // told "database is locked" at once (SQLite waits for no one there), so it opens again.
    return failingClearly(await retryingLocks(() => Deno.openKv(config.kvPath)));
  } catch (err) {
    // SQLite says only "unable to open database file": a write beside it tells why.
    await Deno.makeTempFile({ dir }).then(Deno.remove, (probe) => {
      throw storageFailure(probe) ?? err;
    });
    throw storageFailure(err) ?? err;
  }
}

/**
 * The store, whose writes fail with StorageFullError (503 storage_full, for HTTP and
 * WebSocket alike) when the disk is full or the store read-only, instead of SQLite's
 * TypeError (a 500). Reads are untouched; every write goes through set, delete, enqueue or
 * an atomic operation's commit.
 */
export function failingClearly(kv: Deno.Kv): Deno.Kv {
  const clearly = (err: unknown): never => {
    throw storageFailure(err) ?? err;
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(kv, {
    get(target, prop) {
      if (bound.has(prop)) return bound.get(prop);
      let value: unknown;
      if (prop === "set" || prop === "delete" || prop === "enqueue") {
        // A blind write that met another process's lock wrote nothing: it is simply tried
        // again (checked commits go through commitWithRetry, which decides on fresh reads).
        const write = target[prop] as (...args: unknown[]) => Promise<unknown>;
        value = (...args: unknown[]) =>
          retryingLocks(() => write.apply(target, args)).catch(clearly);
      } else if (prop === "atomic") {
        value = () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          op.commit = () => commit().catch(clearly);
          return op;
        };
      } else {
        value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        value = value.bind(target);
      }
      bound.set(prop, value);
      return value;
    },
  });
}

/**
 * Workers of `deno serve --parallel` writing one file collide often (lock errors, lost head
 * checks): measured, 8 attempts let ~1% of batches fail under load; 20 with the delay
 * capped at 100 ms ride it out and still give up within about two seconds.
 */
const MAX_ATTEMPTS = 20;

/** Why a commit was tried again: "locked" (database is locked) or "conflict" (a check failed). */
export type CommitRetryReason = "locked" | "conflict";

let retried: (reason: CommitRetryReason) => void = () => {};

/**
 * Calls `hook` for every commit tried again (lib/ops/metrics.ts counts them). A hook, so that
 * storage imports nothing above it; the last one set is the one called.
 */
export function onCommitRetry(hook: (reason: CommitRetryReason) => void): void {
  retried = hook;
}

function isLockError(err: unknown): boolean {
  return err instanceof Error && /database is locked|busy/i.test(err.message);
}

/** Runs `write` again after "database is locked" (up to MAX_ATTEMPTS, jittered backoff). */
export async function retryingLocks<T>(write: () => Promise<T>): Promise<T> {
  return await commitWithRetry(write);
}

/**
 * Runs `attempt` until it commits. `attempt` builds and commits one atomic operation and
 * returns `null` when a check failed (a lost race): it is then run again on fresh reads.
 * Concurrent writers on one local KV file see "database is locked" (measured: about half
 * the commits with three writers), so those are retried too, with jittered backoff.
 * Throws the last error after MAX_ATTEMPTS.
 */
export async function commitWithRetry<T>(attempt: () => Promise<T | null>): Promise<T> {
  let lastError: unknown = new Error("KV commit kept losing its race");
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    let reason: CommitRetryReason = "conflict";
    try {
      const result = await attempt();
      if (result !== null) return result;
    } catch (err) {
      if (!isLockError(err)) throw err;
      lastError = err;
      reason = "locked";
    }
    if (i === MAX_ATTEMPTS - 1) break;
    retried(reason);
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 * 2 ** i)));
  }
  throw lastError;
}

/**
 * Commits the operation `build` makes, building it again after a "database is locked"
 * error (concurrent writers on one local file). A failed check is returned, not retried:
 * the caller decides what a lost race means.
 */
export async function commitRetryingLocks(
  build: () => Deno.AtomicOperation,
): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
  return await commitWithRetry(async () => await build().commit());
}

/** Reads many keys, 10 at a time (the KV limit per getMany). */
export async function getManyChunked<T>(
  kv: Deno.Kv,
  keys: Deno.KvKey[],
): Promise<Deno.KvEntryMaybe<T>[]> {
  const chunks: Deno.KvKey[][] = [];
  for (let i = 0; i < keys.length; i += 10) chunks.push(keys.slice(i, i + 10));
  return (await Promise.all(chunks.map((c) => kv.getMany<T[]>(c)))).flat();
}

/**
 * Reads `first`, then `then`: in one snapshot when they fit in one getMany (10 keys), else
 * `first` wholly before `then`. For a check that must hold for what is read after it: a
 * head read no later than the entries it guards (a remote KV may answer parallel reads in
 * any order, and each getMany is its own snapshot).
 */
export async function getManyInOrder<T>(
  kv: Deno.Kv,
  first: Deno.KvKey[],
  then: Deno.KvKey[],
): Promise<Deno.KvEntryMaybe<T>[]> {
  if (first.length + then.length <= 10) return await kv.getMany<T[]>([...first, ...then]);
  const before = await getManyChunked<T>(kv, first);
  return [...before, ...await getManyChunked<T>(kv, then)];
}

/**
 * What one isolate keeps per KV handle (its caches, its bookkeeping): made on first use and
 * dropped with the handle. Each handle is its own, as tests open several.
 */
export function perStore<T>(make: () => T): (kv: Deno.Kv) => T {
  const byStore = new WeakMap<Deno.Kv, T>();
  return (kv) => {
    let value = byStore.get(kv);
    if (value === undefined) byStore.set(kv, value = make());
    return value;
  };
}
