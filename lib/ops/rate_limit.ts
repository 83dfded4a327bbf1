import { RateLimitError } from "../errors.ts";
import { commitRetryingLocks, getManyChunked, perStore, rateKey } from "../storage/mod.ts";
import { describeError, log } from "./log.ts";

/**
 * Gives a window's counter its expiry, two windows on (sum() cannot set expireIn). False when
 * the counter moved meanwhile (another writer's sum): the caller may try again later.
 */
async function expireWithWindow(
  kv: Deno.Kv,
  entry: Deno.KvEntry<Deno.KvU64>,
  windowMs: number,
): Promise<boolean> {
  const result = await commitRetryingLocks(() =>
    kv.atomic().check(entry).set(entry.key, entry.value, { expireIn: windowMs * 2 })
  );
  return result.ok;
}

/**
 * A fixed-window counter in KV, so the limit holds across workers and instances. Throws
 * RateLimitError with the seconds until the window ends. `scale` is RATE_LIMIT_SCALE:
 * it multiplies the limit, and 0 turns it off.
 *
 * A hit is reserved atomically before the caller does the work it limits: the count is
 * read and written back one higher in a commit that checks it did not move meanwhile (a
 * lost race reads again). Read-then-add let 33 of 40 concurrent login guesses through a
 * limit of 10; now exactly `limit` pass, however many processes ask at once.
 */
export async function hitRateLimit(
  kv: Deno.Kv,
  key: string[],
  options: { limit: number; windowMs: number; scale: number; now?: number },
): Promise<void> {
  if (options.scale === 0) return;
  const now = options.now ?? Date.now();
  const window = Math.floor(now / options.windowMs);
  const counterKey = rateKey(key, window);
  const limit = Math.max(1, Math.round(options.limit * options.scale));
  // Hits on one key from this process take turns, so they never race each other: a flood
  // costs one read a hit once the limit is used up, not a read and a commit a hit per
  // winner (1,000 at once on one username: 3.4 s of store work, measured). Other
  // processes' hits can still win a race: the check catches those.
  await inTurn(kv, JSON.stringify(counterKey), async () => {
    for (let attempt = 0;; attempt++) {
      const current = await kv.get<Deno.KvU64>(counterKey);
      const used = current.value ? Number(current.value.value) : 0;
      if (used >= limit) {
        throw new RateLimitError(Math.ceil(((window + 1) * options.windowMs - now) / 1000));
      }
      // The counter expires with its window (two windows on); BatchedRateLimit's sum() on
      // the same key moves it too, and is seen by the check like any other hit.
      const result = await commitRetryingLocks(() =>
        kv.atomic().check(current).set(counterKey, new Deno.KvU64(BigInt(used + 1)), {
          expireIn: options.windowMs * 2,
        })
      );
      if (result.ok) return;
      // Another process's hit landed first: each lost race is another's win, so the count
      // reaches the limit in at most `limit` rounds. A little jitter spreads the herd.
      if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * 5));
    }
  });
}

/** Per store and key: the last hit in line (dropped once it is done and nobody queued). */
const turns = perStore(() => new Map<string, Promise<unknown>>());

/** Runs `task` after every earlier task queued on `id` in this process has settled. */
async function inTurn<T>(kv: Deno.Kv, id: string, task: () => Promise<T>): Promise<T> {
  const queue = turns(kv);
  const run = (queue.get(id) ?? Promise.resolve()).then(task);
  const settled = run.catch(() => {});
  queue.set(id, settled);
  try {
    return await run;
  } finally {
    if (queue.get(id) === settled) queue.delete(id);
  }
}

/**
 * A per-key limit kept in KV like hitRateLimit's (the same keys, so REST and WebSocket
 * sends share one count), but without a KV round trip per hit: hits are counted here and
 * added to KV in one commit every `flushMs`, which also reads back what every worker and
 * instance added. The limit therefore holds across all of them to within one flush of
 * lag; this process sees its own hits at once.
 */
export class BatchedRateLimit {
  #kv: Deno.Kv;
  #limit: number;
  #windowMs: number;
  #flushMs: number;
  #scale: number;
  #now: () => number;
  /** Per key and window: hits not yet in KV, the total KV had at the last flush. */
  #counts = new Map<string, Counter>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    kv: Deno.Kv,
    options: {
      limit: number;
      windowMs: number;
      scale: number;
      flushMs?: number;
      now?: () => number;
    },
  ) {
    this.#kv = kv;
    this.#limit = Math.max(1, Math.round(options.limit * options.scale));
    this.#windowMs = options.windowMs;
    this.#scale = options.scale;
    this.#flushMs = options.flushMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Counts a hit for `key`; throws RateLimitError when the window's limit is used up. */
  hit(key: string[]): void {
    if (this.#scale === 0) return;
    const now = this.#now();
    const window = Math.floor(now / this.#windowMs);
    const id = key.join("\0");
    let counter = this.#counts.get(id);
    if (!counter || counter.window !== window) {
      counter = { kvKey: rateKey(key, window), window, pending: 0, known: 0, expiry: false };
      this.#counts.set(id, counter);
    }
    if (counter.known + counter.pending >= this.#limit) {
      throw new RateLimitError(Math.ceil(((window + 1) * this.#windowMs - now) / 1000));
    }
    counter.pending++;
    this.#schedule();
  }

  /**
   * Stops flushing (shutdown: the store is about to close). Hits not yet written, at most
   * one flush interval's worth, are dropped: a limit, not a record.
   */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.#flushing = this.#flushing.then(() => this.#flush()).catch((err) =>
        log("warn", "rate limit flush failed", describeError(err))
      );
    }, this.#flushMs);
  }

  /** Adds the pending hits to KV and reads back the totals (every worker's and instance's). */
  async #flush(): Promise<void> {
    if (this.#closed) return;
    const current = Math.floor(this.#now() / this.#windowMs);
    for (const [id, c] of this.#counts) if (c.window < current) this.#counts.delete(id);
    const live = [...this.#counts.values()];
    for (let i = 0; i < live.length; i += 100) {
      const chunk = live.slice(i, i + 100);
      const sent = chunk.map((c) => c.pending);
      if (sent.some((n) => n > 0)) {
        await commitRetryingLocks(() => {
          const op = this.#kv.atomic();
          chunk.forEach((c, j) => sent[j] > 0 && op.sum(c.kvKey, BigInt(sent[j])));
          return op;
        });
      }
      chunk.forEach((c, j) => c.pending -= sent[j]);
      const totals = await getManyChunked<Deno.KvU64>(this.#kv, chunk.map((c) => c.kvKey));
      for (const [j, entry] of totals.entries()) {
        const c = chunk[j];
        c.known = entry.value ? Number(entry.value.value) : 0;
        // The counter expires with its window (sum() cannot set expireIn): set it once.
        if (entry.value && !c.expiry) {
          // False when another writer's sum came first: tried again at the next flush.
          c.expiry = await expireWithWindow(
            this.#kv,
            entry as Deno.KvEntry<Deno.KvU64>,
            this.#windowMs,
          ).catch(() => false);
        }
      }
    }
    // Hits that came in during the flush go in the next one.
    if (live.some((c) => c.pending > 0)) this.#schedule();
  }
}

type Counter = {
  kvKey: Deno.KvKey;
  window: number;
  pending: number;
  known: number;
  expiry: boolean;
};
