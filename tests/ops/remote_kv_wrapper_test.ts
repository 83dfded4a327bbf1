/**
 * The remote-KV stand-in of bench/remote.ts (bench/remote_kv.ts): each call waits its round
 * trip, the remote's limits are enforced (and counted by code path), and a watch sees writes
 * made through another handle of the file (another process's, on a real remote KV).
 */
import assert from "node:assert/strict";
import { keyBytes, REMOTE_LIMITS, wrapRemoteKv } from "../../bench/remote_kv.ts";

async function withStore(fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(`${dir}/remote.kv`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const keys = (n: number) => Array.from({ length: n }, (_, i) => ["k", i]);

Deno.test("remote KV: getMany, watch and commit limits throw, and are counted by code path", async () => {
  await withStore(async (path) => {
    const remote = wrapRemoteKv(await Deno.openKv(path), { rttMs: 0 });
    const { kv } = remote;
    try {
      assert.equal((await kv.getMany(keys(10))).length, 10);
      await assert.rejects(() => kv.getMany(keys(11)), /getMany of 11 keys/);

      const tenChecks = kv.atomic();
      for (const key of keys(10)) tenChecks.check({ key, versionstamp: null });
      assert.equal((await tenChecks.set(["a"], 1).commit()).ok, true);
      // A local file allows 100 checks; denokv's server allows 10.
      const elevenChecks = kv.atomic();
      for (const key of keys(11)) elevenChecks.check({ key, versionstamp: null });
      await assert.rejects(() => elevenChecks.set(["b"], 1).commit(), /11 checks/);
      assert.equal((await kv.get(["b"])).versionstamp, null);

      assert.throws(() => kv.watch(keys(11)), /watch of 11 keys/);
      await assert.rejects(() => kv.set(["v"], new Uint8Array(REMOTE_LIMITS.valueBytes + 1)));
      await assert.rejects(() => kv.set(["x".repeat(3000)], 1), /key of 3002 bytes/);

      const { breaches } = remote.stats();
      const limits = breaches.map((b) => b.limit).sort();
      assert.deepEqual(limits, [
        "Value too large",
        "checks per commit",
        "getMany keys",
        "key size",
        "watch keys",
      ]);
      // Each names the code that made the call (here, this test file).
      for (const b of breaches) assert.match(b.site, /remote_kv_wrapper_test\.ts/);
    } finally {
      kv.close();
    }
  });
});

Deno.test("remote KV: enforce 'count' records a breach and lets the call through", async () => {
  await withStore(async (path) => {
    const remote = wrapRemoteKv(await Deno.openKv(path), { rttMs: 0, enforce: "count" });
    try {
      const op = remote.kv.atomic();
      for (const key of keys(12)) op.check({ key, versionstamp: null });
      assert.equal((await op.set(["c"], 1).commit()).ok, true);
      assert.equal(remote.stats().breaches[0].count, 1);
      assert.equal(remote.stats().breaches[0].limit, "checks per commit");
    } finally {
      remote.kv.close();
    }
  });
});

Deno.test("remote KV: every call and list page waits a round trip", async () => {
  await withStore(async (path) => {
    const rttMs = 30;
    const remote = wrapRemoteKv(await Deno.openKv(path), { rttMs });
    const { kv } = remote;
    try {
      const op = kv.atomic();
      for (let i = 0; i < 250; i++) op.set(["list", i], i);
      await op.commit();
      let t = performance.now();
      await kv.get(["list", 0]);
      // A lower bound (timers do not fire early), not a performance figure.
      assert.ok(performance.now() - t >= rttMs - 1);
      const before = remote.stats().roundTrips;
      t = performance.now();
      const seen = [];
      for await (const e of kv.list({ prefix: ["list"] }, { batchSize: 100 })) seen.push(e.value);
      assert.equal(seen.length, 250);
      // Pages of 100, 100 and 50: three round trips, and the cursor still works.
      assert.equal(remote.stats().roundTrips - before, 3);
      assert.ok(performance.now() - t >= 3 * rttMs - 1);
      const it = kv.list({ prefix: ["list"] }, { limit: 5 });
      for await (const _ of it) { /* five */ }
      const rest = [];
      for await (const e of kv.list({ prefix: ["list"] }, { cursor: it.cursor })) rest.push(e);
      assert.equal(rest.length, 245);
      assert.equal(remote.stats().calls.commit, 1);
      assert.equal(remote.stats().calls.get, 1);
    } finally {
      kv.close();
    }
  });
});

Deno.test("remote KV: a watch sees a write made through another handle of the store", async () => {
  await withStore(async (path) => {
    const remote = wrapRemoteKv(await Deno.openKv(path), { rttMs: 10, watchPollMs: 5 });
    const other = await Deno.openKv(path);
    const reader = remote.kv.watch([["head", "c1"], ["rev", "c1"]]).getReader();
    try {
      const first = await reader.read();
      assert.equal(first.value?.[0].versionstamp, null);
      await other.set(["head", "c1"], { seq: 7 });
      const next = await reader.read();
      assert.deepEqual(next.value?.[0].value, { seq: 7 });
      assert.ok((remote.stats().calls.watchEvents ?? 0) >= 2);
    } finally {
      await reader.cancel();
      other.close();
      remote.kv.close();
    }
  });
});

Deno.test("remote KV: key sizes as the KV encodes them", () => {
  assert.equal(keyBytes(["ab"]), 4);
  assert.equal(keyBytes([1]), 9);
  assert.equal(keyBytes([true]), 1);
  assert.equal(keyBytes([new Uint8Array([0, 1])]), 5);
  assert.equal(keyBytes(["é"]), 4);
});
