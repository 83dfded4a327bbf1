import assert from "node:assert/strict";
import { BusyError } from "./errors.ts";
import {
  hashPassword,
  passwordHashing,
  PBKDF2_ITERATIONS,
  timingSafeEqual,
  verifyAgainstDummy,
  verifyPassword,
  WorkLimiter,
} from "./passwords.ts";

function decodedLength(base64: string): number {
  return atob(base64).length;
}

Deno.test("hashPassword() stores its algorithm, iterations, salt and hash beside each other", async () => {
  const stored = await hashPassword("correct horse battery");
  assert.equal(stored.alg, "pbkdf2-sha256");
  assert.equal(stored.iterations, PBKDF2_ITERATIONS);
  assert.ok(PBKDF2_ITERATIONS >= 600_000, "OWASP's minimum for PBKDF2-HMAC-SHA256");
  assert.equal(decodedLength(stored.salt), 16);
  assert.equal(decodedLength(stored.hash), 32);
  assert.ok(!JSON.stringify(stored).includes("correct horse battery"));
});

Deno.test("verifyPassword() accepts the right password and refuses a wrong one", async () => {
  const stored = await hashPassword("correct horse battery");
  assert.equal(await verifyPassword("correct horse battery", stored), true);
  assert.equal(await verifyPassword("correct horse batterY", stored), false);
  assert.equal(await verifyPassword("", stored), false);
});

Deno.test("hashPassword() salts: the same password hashes differently twice", async () => {
  const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
  assert.notEqual(a.salt, b.salt);
  assert.notEqual(a.hash, b.hash);
  assert.equal(await verifyPassword("same password", b), true);
});

Deno.test("verifyPassword() uses the stored iteration count, so old hashes keep working", async () => {
  const current = await hashPassword("a password");
  const older = { ...current, iterations: 1000 };
  assert.equal(await verifyPassword("a password", older), false, "a different derivation");
  // A hash made with fewer iterations verifies with those iterations.
  const salt = Uint8Array.from(atob(current.salt), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("a password"),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: 1000 },
    key,
    256,
  );
  const hash = btoa(String.fromCharCode(...new Uint8Array(bits)));
  assert.equal(await verifyPassword("a password", { ...older, hash }), true);
});

Deno.test("verifyAgainstDummy() always answers false", async () => {
  assert.equal(await verifyAgainstDummy("dummy password that matches nothing"), false);
});

Deno.test("timingSafeEqual() compares bytes and lengths", () => {
  assert.equal(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3])), true);
  assert.equal(timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])), false);
  assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3])), false);
});

/** A task that runs until its gate is opened, noting how many ran beside it when it started. */
function gatedTasks(limiter: WorkLimiter, count: number) {
  const started: number[] = [];
  const gates: (() => void)[] = [];
  let running = 0;
  const results = Array.from({ length: count }, (_, i) =>
    limiter.run(async () => {
      running++;
      started.push(i);
      assert.ok(running <= limiter.concurrency, `task ${i} started with ${running} running`);
      await new Promise<void>((open) => (gates[i] = open));
      running--;
      return i;
    }));
  return { started, gates, results };
}

Deno.test("WorkLimiter runs at most `concurrency` tasks at once, the rest in order as slots free", async () => {
  const limiter = new WorkLimiter({ concurrency: 2, maxQueue: 10 });
  const { started, gates, results } = gatedTasks(limiter, 5);
  await Promise.resolve();
  assert.deepEqual(started, [0, 1]);
  assert.equal(limiter.active, 2);
  assert.equal(limiter.queued, 3);
  for (let i = 0; i < 5; i++) {
    while (!gates[i]) await new Promise((r) => setTimeout(r, 1));
    gates[i]();
    assert.equal(await results[i], i);
  }
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.equal(limiter.peak, 2);
  assert.equal(limiter.active, 0);
  assert.equal(limiter.queued, 0);
});

Deno.test("WorkLimiter turns away what its queue cannot hold with BusyError, and loses nothing it took", async () => {
  const limiter = new WorkLimiter({ concurrency: 1, maxQueue: 2 });
  const { gates, results } = gatedTasks(limiter, 3);
  await assert.rejects(
    limiter.run(() => Promise.resolve("never")),
    (err) => err instanceof BusyError && err.status === 503 && err.retryAfterSeconds >= 1,
  );
  for (let i = 0; i < 3; i++) {
    while (!gates[i]) await new Promise((r) => setTimeout(r, 1));
    gates[i]();
  }
  assert.deepEqual(await Promise.all(results), [0, 1, 2]);
  assert.equal(await limiter.run(() => Promise.resolve("again")), "again", "room once drained");
});

Deno.test("WorkLimiter frees the slot of a task that throws", async () => {
  const limiter = new WorkLimiter({ concurrency: 1, maxQueue: 1 });
  const failing = limiter.run(() => Promise.reject(new Error("boom")));
  const next = limiter.run(() => Promise.resolve("next"));
  await assert.rejects(failing, /boom/);
  assert.equal(await next, "next");
  assert.equal(limiter.active, 0);
});

Deno.test("hashPassword() and verifyPassword() derive one key at a time, the others wait their turn", async () => {
  passwordHashing.peak = 0;
  const stored = await hashPassword("one at a time");
  const all = [
    hashPassword("first"),
    verifyPassword("one at a time", stored),
    verifyPassword("wrong", stored),
    hashPassword("second"),
  ] as const;
  assert.equal(passwordHashing.active, 1, "one derivation running");
  assert.equal(passwordHashing.queued, 3, "three waiting");
  const [first, right, wrong, second] = await Promise.all(all);
  assert.equal(right, true);
  assert.equal(wrong, false);
  assert.equal(
    await verifyPassword("first", first as Awaited<ReturnType<typeof hashPassword>>),
    true,
  );
  assert.notEqual(first, second);
  assert.equal(passwordHashing.peak, 1);
});
