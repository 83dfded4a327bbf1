import assert from "node:assert/strict";
import { outboxJobKey, outboxQueuePrefix } from "../storage/mod.ts";
import { enqueue, type Job, OutboxWorker, type Outcome } from "./mod.ts";

async function queued(kv: Deno.Kv, queue: string): Promise<Job<unknown>[]> {
  const out: Job<unknown>[] = [];
  for await (const e of kv.list<Job<unknown>>({ prefix: outboxQueuePrefix(queue) })) {
    out.push(e.value);
  }
  return out;
}

Deno.test("a job queued with a commit runs once and is gone; one not committed never runs", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const seen: string[] = [];
    const worker = new OutboxWorker<{ n: number }>(kv, "q", (job) => {
      seen.push(`${job.payload.n}:${job.attempt}`);
      return Promise.resolve("done");
    });
    const op = kv.atomic();
    const id = enqueue(op, "q", { n: 1 });
    await op.commit();
    // An operation that fails its check queues nothing.
    const refused = kv.atomic().check({ key: ["nothing"], versionstamp: "00000000000000010000" });
    enqueue(refused, "q", { n: 2 });
    assert.equal((await refused.commit()).ok, false);
    assert.equal(await worker.runDue(), 1);
    assert.equal(await worker.runDue(), 0);
    assert.deepEqual(seen, ["1:0"]);
    assert.deepEqual(await queued(kv, "q"), []);
    assert.equal((await kv.get(outboxJobKey("q", id))).versionstamp, null);
  } finally {
    kv.close();
  }
});

Deno.test("a failing job is retried with backoff, counted, and dropped past its age", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let outcome: Outcome = { reason: "receiver down" };
    const attempts: number[] = [];
    const worker = new OutboxWorker<null>(kv, "q", (job) => {
      attempts.push(job.attempt);
      return Promise.resolve(outcome);
    }, { backoffMs: 1000, maxBackoffMs: 8000, maxAgeMs: 60_000 });
    const op = kv.atomic();
    enqueue(op, "q", null, { delayMs: 500 });
    await op.commit();
    const t0 = Date.now();
    assert.equal(await worker.runDue(t0), 0, "not due before its delay");
    assert.equal(await worker.runDue(t0 + 600), 1);
    let [job] = await queued(kv, "q");
    assert.equal(job.attempt, 1);
    // Due again about a second after it was taken (±20%), not before; then two seconds.
    assert.equal(await worker.runDue(t0 + 600 + 700), 0);
    assert.equal(await worker.runDue(t0 + 600 + 1300), 1);
    [job] = await queued(kv, "q");
    assert.equal(job.attempt, 2);
    outcome = "done";
    assert.equal(await worker.runDue(t0 + 1900 + 1500), 0);
    assert.equal(await worker.runDue(t0 + 1900 + 2500), 1);
    assert.deepEqual(attempts, [0, 1, 2]);
    assert.deepEqual(await queued(kv, "q"), []);
    // One that never succeeds is given up on once it is older than maxAgeMs.
    outcome = { reason: "gone for good", retryInMs: 50_000 };
    const op2 = kv.atomic();
    enqueue(op2, "q", null);
    await op2.commit();
    assert.equal(await worker.runDue(), 1);
    assert.equal((await queued(kv, "q")).length, 1, "retried once: 50 s is within the minute");
    assert.equal(await worker.runDue(Date.now() + 50_001), 1);
    assert.deepEqual(await queued(kv, "q"), [], "the next retry would pass a minute: dropped");
  } finally {
    kv.close();
  }
});

Deno.test("a job whose process died mid-way falls due again after its lease; two workers share no job", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ran: string[] = [];
    const hang = new OutboxWorker<string>(kv, "q", () => new Promise<Outcome>(() => {}), {
      leaseMs: 1000,
    });
    const op = kv.atomic();
    for (const p of ["a", "b", "c"]) enqueue(op, "q", p);
    await op.commit();
    // The "dead" worker takes all three and never finishes them.
    void hang.runDue();
    await new Promise((r) => setTimeout(r, 50));
    const a = new OutboxWorker<string>(kv, "q", (j) => {
      ran.push(`a:${j.payload}`);
      return Promise.resolve("done");
    });
    const b = new OutboxWorker<string>(kv, "q", (j) => {
      ran.push(`b:${j.payload}`);
      return Promise.resolve("done");
    });
    assert.equal(await a.runDue(), 0, "leased: not due");
    const later = Date.now() + 1100;
    const [na, nb] = await Promise.all([a.runDue(later), b.runDue(later)]);
    assert.equal(na + nb, 3);
    assert.deepEqual(ran.map((r) => r.slice(2)).sort(), ["a", "b", "c"]);
    assert.deepEqual(await queued(kv, "q"), []);
  } finally {
    kv.close();
  }
});

Deno.test("a started worker picks a job up by itself and when woken", async () => {
  const kv = await Deno.openKv(":memory:");
  const got = Promise.withResolvers<string>();
  const worker = new OutboxWorker<string>(kv, "q", (j) => {
    got.resolve(j.payload);
    return Promise.resolve("done");
  }, { pollMs: 60_000 }).start();
  try {
    const op = kv.atomic();
    enqueue(op, "q", "hello");
    await op.commit();
    worker.wake();
    assert.equal(await got.promise, "hello");
  } finally {
    await worker.stop();
    kv.close();
  }
});
