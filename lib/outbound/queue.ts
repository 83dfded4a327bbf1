/**
 * The outbox: durable jobs in KV for work that leaves the process (a push, an email, a
 * webhook). A job is written in the same atomic commit as the change that causes it
 * (`enqueue` adds to the caller's operation), then taken by whichever process finds it due
 * first: taking moves it a lease ahead in the same checked commit, so a process that dies
 * mid-job leaves it to fall due again and another process retries it. Done, it is deleted;
 * failed, it is moved ahead by an exponential backoff until `maxAgeMs` has passed since it was
 * first queued. Delivery is at least once: each job carries a stable id a receiver can use to
 * drop a repeat. (Deno KV's own queues poll about every 60 s across processes and are not on
 * the new Deno Deploy, so they are not used.)
 */
import { outboxJobKey, outboxKey, outboxQueuePrefix } from "../storage/mod.ts";
import { describeError, log } from "../ops/mod.ts";
import { monotonicFactory } from "ulid";

const newJobId = monotonicFactory();

export type Job<T> = {
  id: string;
  queue: string;
  payload: T;
  /** How many times it has been taken before this one (0 on the first try). */
  attempt: number;
  /** When it was first queued (epoch ms): the retries stop `maxAgeMs` after this. */
  queuedAt: number;
};

/** What a handler says of a job: done (deleted), or try again later (after `retryInMs`). */
export type Outcome = "done" | { retryInMs?: number; reason: string };

/**
 * Adds a job to `op`: it is queued when (and only if) the caller's commit lands. With an `id`
 * already queued, the caller should check `outboxJobKey` in the same operation to keep one.
 */
export function enqueue<T>(
  op: Deno.AtomicOperation,
  queue: string,
  payload: T,
  options: { id?: string; delayMs?: number; now?: number } = {},
): string {
  const id = options.id ?? newJobId();
  const now = options.now ?? Date.now();
  const due = now + (options.delayMs ?? 0);
  const job: Job<T> = { id, queue, payload, attempt: 0, queuedAt: now };
  op.set(outboxKey(queue, due, id), job).set(outboxJobKey(queue, id), due);
  return id;
}

export type WorkerOptions = {
  /** How long a taken job is held before another process may take it (default 60 s). */
  leaseMs?: number;
  /** How often the queue is looked at when nothing woke it (default 1 s). */
  pollMs?: number;
  /** Jobs taken per look (default 20). */
  batch?: number;
  /** First retry delay; each later one doubles, up to `maxBackoffMs` (default 1 s, 10 min). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A job still failing this long after it was queued is dropped with a warning (24 h). */
  maxAgeMs?: number;
  /** How many jobs run at once (default 4). */
  concurrency?: number;
};

/** The delay before retry number `attempt + 1`: doubling, capped, with ±20% jitter. */
export function backoff(attempt: number, baseMs: number, maxMs: number): number {
  const plain = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(plain * (0.8 + Math.random() * 0.4));
}

/**
 * Runs one queue's jobs in this process. Every process may run one for the same queue: the
 * checked commit that takes a job lets one of them have it.
 */
export class OutboxWorker<T> {
  #kv: Deno.Kv;
  #queue: string;
  #handler: (job: Job<T>) => Promise<Outcome>;
  #o: Required<WorkerOptions>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<number> | null = null;
  #stopped = true;
  #again = false;

  constructor(
    kv: Deno.Kv,
    queue: string,
    handler: (job: Job<T>) => Promise<Outcome>,
    options: WorkerOptions = {},
  ) {
    this.#kv = kv;
    this.#queue = queue;
    this.#handler = handler;
    this.#o = {
      leaseMs: 60_000,
      pollMs: 1000,
      batch: 20,
      backoffMs: 1000,
      maxBackoffMs: 10 * 60_000,
      maxAgeMs: 24 * 60 * 60_000,
      concurrency: 4,
      ...options,
    };
  }

  /** Looks at the queue every pollMs (and when `wake` is called) until `stop`. */
  start(): this {
    if (!this.#stopped) return this;
    this.#stopped = false;
    this.#schedule(0);
    return this;
  }

  /** Looks at the queue now (a job was just queued in this process). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  /** Stops looking; resolves once the look in progress (and its jobs) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => 0);
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), ms);
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#running) return;
    let ran = 0;
    try {
      ran = await (this.#running = this.runDue());
    } catch (err) {
      log("warn", "outbox look failed", { queue: this.#queue, ...describeError(err) });
    } finally {
      this.#running = null;
    }
    if (this.#stopped) return;
    const again = this.#again || ran >= this.#o.batch;
    this.#again = false;
    this.#schedule(again ? 0 : this.#o.pollMs);
  }

  /** Takes and runs the jobs due now (at most one batch); how many it ran. For tests too. */
  async runDue(now = Date.now()): Promise<number> {
    const due: Deno.KvEntry<Job<T>>[] = [];
    const iter = this.#kv.list<Job<T>>(
      { prefix: outboxQueuePrefix(this.#queue), end: [...outboxQueuePrefix(this.#queue), now + 1] },
      { limit: this.#o.batch },
    );
    for await (const entry of iter) due.push(entry);
    const taken: { job: Job<T>; key: Deno.KvKey }[] = [];
    for (const entry of due) {
      const job = entry.value;
      const op = this.#kv.atomic().check(entry).delete(entry.key);
      if (now - job.queuedAt > this.#o.maxAgeMs) {
        // Taken before and never finished (its process died each time): given up on here.
        log("warn", "outbox job given up", {
          queue: this.#queue,
          id: job.id,
          attempts: job.attempt,
        });
        await op.delete(outboxJobKey(this.#queue, job.id)).commit();
        continue;
      }
      // Held a lease ahead, counted as a try: a job whose process dies is retried as one.
      const leaseKey = outboxKey(this.#queue, now + this.#o.leaseMs, job.id);
      const res = await op
        .set(leaseKey, { ...job, attempt: job.attempt + 1 })
        .set(outboxJobKey(this.#queue, job.id), now + this.#o.leaseMs)
        .commit();
      if (res.ok) taken.push({ job, key: leaseKey });
    }
    let next = 0;
    const run = async () => {
      while (next < taken.length) {
        const { job, key } = taken[next++];
        await this.#finish(job, key, await this.#run(job), now);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency, taken.length) }, run));
    return taken.length;
  }

  async #run(job: Job<T>): Promise<Outcome> {
    try {
      return await this.#handler(job);
    } catch (err) {
      return { reason: err instanceof Error ? err.message : String(err) };
    }
  }

  /** `took`: when the job was taken (runDue's clock), the retry's delay counts from there. */
  async #finish(job: Job<T>, leaseKey: Deno.KvKey, outcome: Outcome, took: number): Promise<void> {
    const held = await this.#kv.get<Job<T>>(leaseKey);
    if (held.versionstamp === null) return; // the lease ran out and another process took it
    const op = this.#kv.atomic().check(held).delete(leaseKey);
    if (outcome === "done") {
      op.delete(outboxJobKey(this.#queue, job.id));
    } else {
      const now = Math.max(took, Date.now());
      const wait = outcome.retryInMs ??
        backoff(job.attempt, this.#o.backoffMs, this.#o.maxBackoffMs);
      if (now + wait - job.queuedAt > this.#o.maxAgeMs) {
        log("warn", "outbox job given up", {
          queue: this.#queue,
          id: job.id,
          attempts: job.attempt + 1,
          reason: outcome.reason,
        });
        op.delete(outboxJobKey(this.#queue, job.id));
      } else {
        log("info", "outbox job will be retried", {
          queue: this.#queue,
          id: job.id,
          attempt: job.attempt + 1,
          inMs: wait,
          reason: outcome.reason,
        });
        const retry: Job<T> = held.value!;
        op.set(outboxKey(this.#queue, now + wait, job.id), retry)
          .set(outboxJobKey(this.#queue, job.id), now + wait);
      }
    }
    await op.commit();
  }
}
