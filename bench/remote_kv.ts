/**
 * A remote KV, simulated, for bench/remote.ts only: wraps a store opened on a local file so
 * that every call waits a network round trip and the remote service's limits are enforced.
 *
 * - Round trip: half before the call reaches the store, half before its answer comes back
 *   (`rttMs`). Counted per call: get, getMany, each page of a list (a page is `batchSize`
 *   entries, Deno's default the limit or 100, at most 500), set, delete, commit, enqueue.
 * - watch: a local file's kv.watch does not see other processes' writes, a remote one does.
 *   Here every watched key of the process is read (from the file, in getMany's of 10, not
 *   counted as round trips) every `watchPollMs`, and a change reaches the stream half a round
 *   trip later: a commit by another process shows up RTT/2 + up to watchPollMs after it lands.
 * - Limits (REMOTE_LIMITS), as denokv's server and Deno's client enforce them: keys per
 *   getMany and per watch, entries per list page, checks and mutations per commit, key size,
 *   total key size. A breach throws a TypeError as the remote does (or only counts, with
 *   `enforce: "count"`), and is counted under the first app frames of its stack, so a report
 *   names the code path. The byte limits the local store shares with the remote (value size,
 *   total mutation size) are the store's own TypeErrors, counted the same way.
 */

/** denokv_proto's limits (self-hosted denokv and Deno Deploy's KV) and Deno's client's. */
export const REMOTE_LIMITS = {
  /** Keys (ranges) per getMany, one snapshot read. */
  readRanges: 10,
  /** Entries per range read: a list page. */
  readEntries: 1000,
  /** Checks per atomic commit (denokv's server; a local file allows 100). */
  checks: 10,
  mutations: 1000,
  /** Keys plus values of one commit (a local file enforces it too). */
  totalMutationBytes: 819_200,
  /** Keys of one commit (Deno's client). */
  totalKeyBytes: 81_920,
  writeKeyBytes: 2048,
  readKeyBytes: 2049,
  /** A value (a local file enforces it too). */
  valueBytes: 65_536,
  watchedKeys: 10,
  queueUndeliveredKeys: 10,
  queueBackoffIntervals: 10,
  queueDelayMs: 30 * 24 * 60 * 60 * 1000,
} as const;

export type RemoteKvOptions = {
  rttMs: number;
  /** "throw" (default): a breach fails the call as the remote would; "count": only counted. */
  enforce?: "throw" | "count";
  watchPollMs?: number;
  /** Count every call under its code path too (stats().sites; costs a stack per call). */
  trace?: boolean;
};

export type Breach = { limit: string; detail: string; site: string; count: number };

export type RemoteKvStats = {
  rttMs: number;
  calls: Record<string, number>;
  /** Round trips waited (every counted call and list page). */
  roundTrips: number;
  breaches: Breach[];
  /** With `trace`: calls and list pages by kind and code path ("kind @ site" → count). */
  sites?: Record<string, number>;
};

export type RemoteKv = { kv: Deno.Kv; stats(): RemoteKvStats; close(): void };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const NON_ASCII = /[^ -~]/; // anything but printable ASCII: measured by encoding
const encoder = new TextEncoder();

function partBytes(part: Deno.KvKeyPart): number {
  if (typeof part === "string") {
    const n = NON_ASCII.test(part) ? encoder.encode(part).length : part.length;
    return 2 + n + (part.includes("\0") ? part.split("\0").length - 1 : 0);
  }
  if (typeof part === "number") return 9;
  if (typeof part === "boolean") return 1;
  if (typeof part === "bigint") return 2 + Math.ceil(part.toString(16).length / 2);
  if (!(part instanceof Uint8Array)) return 2; // a symbol: the KV refuses it itself
  return 2 + part.length + part.filter((b) => b === 0).length;
}

/** A key's size as the KV encodes it (tuple encoding: a type byte, escaped bytes, a NUL). */
export function keyBytes(key: Deno.KvKey): number {
  let n = 0;
  for (const part of key) n += partBytes(part);
  return n;
}

/** The first frames of the caller's stack outside this file and Deno's own. */
function siteOf(err: Error): string {
  const frames = (err.stack ?? "").split("\n").slice(1).map((l) => l.trim())
    .filter((l) => !l.includes("remote_kv.ts") && !l.includes("ext:") && l.startsWith("at "));
  return frames.slice(0, 4).map((l) =>
    l.replace(/^at /, "").replace(
      /file:\/\/\S*\/(?=(?:lib|routes|components|bench|tests)\/|main\.ts)/,
      "",
    )
  ).join(" < ");
}

const LIMIT_ERRORS = /too many|too large|Key too large|Value too large/i;

export function wrapRemoteKv(inner: Deno.Kv, options: RemoteKvOptions): RemoteKv {
  const half = options.rttMs / 2;
  const enforce = options.enforce ?? "throw";
  const calls: Record<string, number> = {};
  const breaches = new Map<string, Breach>();
  let roundTrips = 0;
  const count = (kind: string, n = 1) => void (calls[kind] = (calls[kind] ?? 0) + n);
  const sites: Record<string, number> | undefined = options.trace ? {} : undefined;
  const traced = (kind: string, site?: Error) => {
    if (!sites) return;
    const at = `${kind} @ ${siteOf(site ?? new Error())}`;
    sites[at] = (sites[at] ?? 0) + 1;
  };

  const breach = (limit: string, detail: string, site: Error): void => {
    const where = siteOf(site);
    const id = `${limit} @ ${where}`;
    const b = breaches.get(id);
    if (b) b.count++;
    else breaches.set(id, { limit, detail, site: where, count: 1 });
    if (enforce === "throw") throw new TypeError(`remote KV limit: ${detail}`);
  };
  /** A call to the remote: half a round trip there, the call, half back; limit errors counted. */
  const remote = async <T>(kind: string, call: () => Promise<T>, site?: Error): Promise<T> => {
    count(kind);
    traced(kind, site);
    roundTrips++;
    if (half > 0) await sleep(half);
    try {
      // Three processes on one SQLite file lock each other out; a remote KV serialises its
      // writers itself and never answers "locked": wait here, counted apart, not a round trip.
      for (let attempt = 1;; attempt++) {
        try {
          return await call();
        } catch (err) {
          if (
            attempt >= 100 || !(err instanceof Error) || !/database is locked/.test(err.message)
          ) {
            throw err;
          }
          count("localLocked");
          await sleep(1 + Math.random() * 4);
        }
      }
    } catch (err) {
      if (site && err instanceof TypeError && LIMIT_ERRORS.test(err.message)) {
        breach(err.message.replace(/\s*\(max.*$/, ""), err.message, site);
      }
      throw err;
    } finally {
      if (half > 0) await sleep(half);
    }
  };
  const checkKey = (key: Deno.KvKey, max: number, site: () => Error): number => {
    const n = keyBytes(key);
    if (n > max) breach("key size", `key of ${n} bytes (max ${max})`, site());
    return n;
  };

  // watch: one poller for every watched key of this process.
  type Watcher = { keys: Deno.KvKey[]; last: string; push(e: Deno.KvEntryMaybe<unknown>[]): void };
  const watchers = new Set<Watcher>();
  const pollMs = options.watchPollMs ?? 10;
  let polling = false;
  const poll = async () => {
    if (polling || watchers.size === 0) return;
    polling = true;
    try {
      const list = [...watchers];
      const keys = list.flatMap((w) => w.keys);
      const entries: Deno.KvEntryMaybe<unknown>[] = [];
      for (let i = 0; i < keys.length; i += 10) {
        entries.push(...await inner.getMany(keys.slice(i, i + 10)));
      }
      let at = 0;
      for (const w of list) {
        const mine = entries.slice(at, at += w.keys.length);
        const stamp = mine.map((e) => e.versionstamp).join(",");
        if (stamp === w.last) continue;
        w.last = stamp;
        count("watchEvents");
        if (half > 0) setTimeout(() => w.push(mine), half);
        else w.push(mine);
      }
    } catch {
      /* closed */
    } finally {
      polling = false;
    }
  };
  // Kept referenced: a pending watch keeps the process alive, as a remote one does.
  const timer = setInterval(poll, pollMs);

  const watch = (keys: Deno.KvKey[]): ReadableStream<Deno.KvEntryMaybe<unknown>[]> => {
    const site = new Error();
    count("watch");
    if (keys.length > REMOTE_LIMITS.watchedKeys) {
      breach("watch keys", `watch of ${keys.length} keys (max ${REMOTE_LIMITS.watchedKeys})`, site);
    }
    for (const k of keys) checkKey(k, REMOTE_LIMITS.readKeyBytes, () => site);
    let w: Watcher;
    return new ReadableStream({
      start(controller) {
        w = {
          keys,
          last: "\u0000",
          push: (e) => {
            if (watchers.has(w)) controller.enqueue(e);
          },
        };
        // The first answer (the keys as they are) comes a round trip after the call.
        setTimeout(() => watchers.add(w), half);
      },
      cancel() {
        watchers.delete(w);
      },
    });
  };

  const listPages = (
    selector: Deno.KvListSelector,
    opts: Deno.KvListOptions = {},
  ): Deno.KvListIterator<unknown> => {
    const site = new Error();
    const page = opts.batchSize ?? Math.min(opts.limit ?? 100, 500);
    if (page > REMOTE_LIMITS.readEntries) {
      breach("list page", `list page of ${page} (max ${REMOTE_LIMITS.readEntries})`, site);
    }
    const it = inner.list(selector, opts);
    let yielded = 0;
    let done = false;
    const wrapped = {
      get cursor() {
        return it.cursor;
      },
      async next(): Promise<IteratorResult<Deno.KvEntry<unknown>, undefined>> {
        if (done) return { done: true, value: undefined };
        if (yielded % page === 0 && !(opts.limit !== undefined && yielded >= opts.limit)) {
          // A new page: the iterator asks the remote for the next batch.
          count("listPage");
          traced("listPage", site);
          roundTrips++;
          if (options.rttMs > 0) await sleep(options.rttMs);
        }
        const r = await it.next();
        if (r.done) done = true;
        else yielded++, count("listEntry");
        return r;
      },
      [Symbol.asyncIterator]() {
        return wrapped;
      },
    };
    return wrapped as unknown as Deno.KvListIterator<unknown>;
  };

  const atomic = (): Deno.AtomicOperation => {
    const op = inner.atomic();
    let checks = 0, mutations = 0, keyTotal = 0;
    const mutated = (key: Deno.KvKey) => {
      mutations++;
      keyTotal += keyBytes(key);
    };
    const proxy: Deno.AtomicOperation = new Proxy(op, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        if (prop === "commit") {
          return async () => {
            const site = new Error();
            count("commitChecks", checks);
            count("commitMutations", mutations);
            if (checks > REMOTE_LIMITS.checks) {
              breach("checks per commit", `${checks} checks (max ${REMOTE_LIMITS.checks})`, site);
            }
            if (mutations > REMOTE_LIMITS.mutations) {
              breach("mutations per commit", `${mutations} mutations`, site);
            }
            if (keyTotal > REMOTE_LIMITS.totalKeyBytes) {
              breach("total key size", `${keyTotal} bytes of keys in a commit`, site);
            }
            const result = await remote("commit", () => target.commit(), site);
            // A failed check: the writer lost a race (another process committed first).
            if (!result.ok) count("commitConflict");
            return result;
          };
        }
        return (...args: unknown[]) => {
          if (prop === "check") checks += args.length;
          else if (prop === "mutate") {
            for (const m of args as Deno.KvMutation[]) mutated(m.key);
          } else if (prop === "enqueue") mutations++;
          else if (["set", "delete", "sum", "min", "max"].includes(prop as string)) {
            const key = args[0] as Deno.KvKey;
            checkKey(key, REMOTE_LIMITS.writeKeyBytes, () => new Error());
            mutated(key);
          }
          value.apply(target, args);
          return proxy;
        };
      },
    });
    return proxy;
  };

  const methods: Record<string, unknown> = {
    // Async, as Deno's are: a refused call rejects, it does not throw.
    get: async (key: Deno.KvKey, o?: { consistency?: Deno.KvConsistencyLevel }) => {
      checkKey(key, REMOTE_LIMITS.readKeyBytes, () => new Error());
      return await remote("get", () => inner.get(key, o), sites && new Error());
    },
    getMany: async (keys: Deno.KvKey[], o?: { consistency?: Deno.KvConsistencyLevel }) => {
      if (keys.length > REMOTE_LIMITS.readRanges) {
        breach("getMany keys", `getMany of ${keys.length} keys (max 10)`, new Error());
      }
      for (const k of keys) checkKey(k, REMOTE_LIMITS.readKeyBytes, () => new Error());
      count("getManyKeys", keys.length);
      return await remote("getMany", () => inner.getMany(keys, o), sites && new Error());
    },
    list: listPages,
    set: async (key: Deno.KvKey, value: unknown, o?: { expireIn?: number }) => {
      const site = new Error();
      checkKey(key, REMOTE_LIMITS.writeKeyBytes, () => site);
      return await remote("set", () => inner.set(key, value, o), site);
    },
    delete: async (key: Deno.KvKey) => {
      const site = new Error();
      checkKey(key, REMOTE_LIMITS.writeKeyBytes, () => site);
      return await remote("delete", () => inner.delete(key), site);
    },
    enqueue: async (
      value: unknown,
      o?: { delay?: number; keysIfUndelivered?: Deno.KvKey[]; backoffSchedule?: number[] },
    ) => {
      const site = new Error();
      if ((o?.keysIfUndelivered?.length ?? 0) > REMOTE_LIMITS.queueUndeliveredKeys) {
        breach("queue keys", `${o?.keysIfUndelivered?.length} keysIfUndelivered`, site);
      }
      if ((o?.backoffSchedule?.length ?? 0) > REMOTE_LIMITS.queueBackoffIntervals) {
        breach("queue backoff", `${o?.backoffSchedule?.length} backoff intervals`, site);
      }
      if ((o?.delay ?? 0) > REMOTE_LIMITS.queueDelayMs) {
        breach("queue delay", `delay of ${o?.delay} ms`, site);
      }
      return await remote("enqueue", () => inner.enqueue(value, o), site);
    },
    watch,
    atomic,
    close: () => {
      clearInterval(timer);
      watchers.clear();
      inner.close();
    },
  };
  const kv = new Proxy(inner, {
    get(target, prop) {
      if (typeof prop === "string" && prop in methods) return methods[prop];
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    kv,
    stats: () => ({
      rttMs: options.rttMs,
      calls: { ...calls },
      roundTrips,
      breaches: [...breaches.values()].sort((a, b) => b.count - a.count),
      ...(sites ? { sites: { ...sites } } : {}),
    }),
    close: () => clearInterval(timer),
  };
}
