import assert from "node:assert/strict";
import { RateLimitError } from "../errors.ts";
import { rateKey } from "../storage/mod.ts";
import { BatchedRateLimit, hitRateLimit } from "./rate_limit.ts";

/** Polls `probe` until `condition` holds (failing after `ms`). */
async function until(condition: () => boolean, ms: number, probe: () => Promise<void>) {
  const end = Date.now() + ms;
  for (await probe(); !condition(); await probe()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function refused(limit: BatchedRateLimit, key: string[]): boolean {
  try {
    limit.hit(key);
    return false;
  } catch (err) {
    assert.ok(err instanceof RateLimitError);
    return true;
  }
}

Deno.test("BatchedRateLimit: one process is held to the limit at once, with the seconds to wait", () => {
  const kv = {} as Deno.Kv; // never reached: the flush is not due within this test
  const limit = new BatchedRateLimit(kv, {
    limit: 5,
    windowMs: 60_000,
    scale: 1,
    flushMs: 60_000,
    now: () => 30_000,
  });
  try {
    for (let i = 0; i < 5; i++) limit.hit(["send", "ann"]);
    assert.throws(() => limit.hit(["send", "ann"]), (err: unknown) => {
      assert.ok(err instanceof RateLimitError);
      assert.equal(err.retryAfterSeconds, 30);
      return true;
    });
    limit.hit(["send", "ben"]); // others are counted apart
  } finally {
    limit.close();
  }
});

Deno.test("BatchedRateLimit: two workers on one KV share the count, to within one flush", async () => {
  // The count is kept per minute: a test that crossed into the next one would count anew.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 50));
  const kv = await Deno.openKv(":memory:");
  const options = { limit: 10, windowMs: 60_000, scale: 1, flushMs: 20 };
  const a = new BatchedRateLimit(kv, options);
  const b = new BatchedRateLimit(kv, options);
  try {
    for (let i = 0; i < 6; i++) a.hit(["send", "ann"]);
    for (let i = 0; i < 3; i++) b.hit(["send", "ann"]);
    // After a flush each knows the other's hits: 9 of 10 used.
    const key = ["rate", "send", "ann", Math.floor(Date.now() / 60_000)];
    let stored = 0n;
    await until(() => stored === 9n, 2000, async () => {
      stored = (await kv.get<Deno.KvU64>(key)).value?.value ?? 0n;
    });
    b.hit(["send", "ann"]);
    await until(() => stored === 10n, 2000, async () => {
      stored = (await kv.get<Deno.KvU64>(key)).value?.value ?? 0n;
    });
    // A learns of B's last hit at its own next flush: until then it may let one more through
    // (the lag is one flush interval of hits per worker), never more.
    const slipped = refused(a, ["send", "ann"]) ? 0n : 1n;
    await until(() => stored === 10n + slipped, 2000, async () => {
      stored = (await kv.get<Deno.KvU64>(key)).value?.value ?? 0n;
    });
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(refused(a, ["send", "ann"]), true, "worker A knows B used the last one");
    assert.equal(refused(b, ["send", "ann"]), true);
    // The REST path's hitRateLimit counts in the same key.
    await assert.rejects(
      hitRateLimit(kv, ["send", "ann"], { limit: 10, windowMs: 60_000, scale: 1 }),
      RateLimitError,
    );
  } finally {
    a.close();
    b.close();
    await new Promise((r) => setTimeout(r, 30));
    kv.close();
  }
});

Deno.test("BatchedRateLimit with scale 0 counts nothing", () => {
  const limit = new BatchedRateLimit({} as Deno.Kv, { limit: 1, windowMs: 1000, scale: 0 });
  for (let i = 0; i < 100; i++) limit.hit(["send", "ann"]);
  limit.close();
});

Deno.test("hitRateLimit: 40 hits at once through two handles on one store let exactly the limit through", async () => {
  const dir = await Deno.makeTempDir();
  const a = await Deno.openKv(`${dir}/kv`);
  const b = await Deno.openKv(`${dir}/kv`);
  try {
    const options = { limit: 10, windowMs: 60_000, scale: 1, now: 30_000 };
    const outcomes = await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) =>
          hitRateLimit(i % 2 ? a : b, ["login_user", "ann"], options).then(
            () => "passed",
            (err) => {
              assert.ok(err instanceof RateLimitError, String(err));
              assert.equal(err.retryAfterSeconds, 30);
              return "refused";
            },
          ),
      ),
    );
    assert.equal(outcomes.filter((o) => o === "passed").length, 10);
    const stored = await a.get<Deno.KvU64>(rateKey(["login_user", "ann"], 0));
    assert.equal(stored.value?.value, 10n);
  } finally {
    a.close();
    b.close();
    await Deno.remove(dir, { recursive: true });
  }
});
