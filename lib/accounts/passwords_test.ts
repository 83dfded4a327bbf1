import assert from "node:assert/strict";
import { BusyError } from "../errors.ts";
import { ARGON2_PARAMS, argon2idBits } from "./argon2.ts";
import { pbkdf2Sha256 } from "./pbkdf2.ts";
import {
  hashPassword,
  needsRehash,
  type PasswordHash,
  passwordHashing,
  timingSafeEqual,
  verifyAgainstDummy,
  verifyPassword,
  WorkLimiter,
} from "./passwords.ts";

function decodedLength(base64: string): number {
  return Uint8Array.fromBase64(base64).length;
}

Deno.test("hashPassword() stores Argon2id, its cost, salt and hash beside each other", async () => {
  const stored = await hashPassword("correct horse battery");
  assert.equal(stored.alg, "argon2id");
  assert.ok(stored.alg === "argon2id");
  assert.deepEqual(
    { memoryKiB: stored.memoryKiB, iterations: stored.iterations, parallelism: stored.parallelism },
    ARGON2_PARAMS,
  );
  assert.ok(stored.memoryKiB >= 19 * 1024 && stored.iterations >= 2, "OWASP's minimum");
  assert.equal(decodedLength(stored.salt), 16);
  assert.equal(decodedLength(stored.hash), 32);
  assert.ok(!JSON.stringify(stored).includes("correct horse battery"));
  assert.equal(needsRehash(stored), false, "a new hash is not replaced at sign-in");
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

Deno.test("verifyPassword() uses the stored cost, so hashes made at another cost keep working", async () => {
  const current = await hashPassword("a password");
  assert.ok(current.alg === "argon2id");
  const cheaper = { ...current, memoryKiB: 1024, iterations: 1 };
  assert.equal(await verifyPassword("a password", cheaper), false, "a different derivation");
  // A hash made at that cost verifies at that cost, and is due for replacement.
  const bits = await argon2idBits("a password", Uint8Array.fromBase64(current.salt), cheaper);
  const made = { ...cheaper, hash: bits.toBase64() };
  assert.equal(await verifyPassword("a password", made), true);
  assert.equal(needsRehash(made), true);
  // The same for PBKDF2 hashes of any iteration count (made before Argon2id).
  const salt = Uint8Array.fromBase64(current.salt);
  const pbkdf2: PasswordHash = {
    alg: "pbkdf2-sha256",
    iterations: 1000,
    salt: current.salt,
    hash: (await pbkdf2Sha256("a password", salt, 1000)).toBase64(),
  };
  assert.equal(await verifyPassword("a password", pbkdf2), true);
  assert.equal(await verifyPassword("a passworD", pbkdf2), false);
  assert.equal(needsRehash(pbkdf2), true);
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

/** Made by the code before Argon2id (PBKDF2 on Web Crypto, commit 4d1d541). */
const STORED_BEFORE = {
  alg: "pbkdf2-sha256",
  iterations: 600_000,
  salt: "C/JY34flWGYC49R1tFIjOw==",
  hash: "2B+Iz3pNcQTZxV0FMKkGDro2q0GcMAn1gF3dKHacRXo=",
} as const;

Deno.test("verifyPassword() accepts PBKDF2 hashes stored before Argon2id, and marks them for replacement", async () => {
  assert.equal(await verifyPassword("correct horse battery", STORED_BEFORE), true);
  assert.equal(await verifyPassword("correct horse batterY", STORED_BEFORE), false);
  assert.equal(needsRehash(STORED_BEFORE), true);
});

/** PBKDF2-HMAC-SHA256 of "password" with salt "salt", 32 bytes (RFC 7914's reference values). */
const PBKDF2_VECTORS: [iterations: number, hex: string][] = [
  [1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"],
  [2, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"],
  [4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"],
];

Deno.test("pbkdf2Sha256() derives the reference bytes", async () => {
  const salt = new TextEncoder().encode("salt");
  for (const [iterations, expected] of PBKDF2_VECTORS) {
    assert.equal((await pbkdf2Sha256("password", salt, iterations)).toHex(), expected);
  }
});
