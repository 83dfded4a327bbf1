/**
 * Remote KV wiring (DENO_KV_URL + DENO_KV_ACCESS_TOKEN), against a stand-in for a KV
 * Connect server (the protocol of Deno Deploy's KV and self-hosted denokv): it answers the
 * metadata exchange and empty snapshot reads, enough to show that the app opens the URL
 * with the token and that /readyz follows the remote. It stores nothing (a write is answered
 * as done, so the process's lease and /readyz's write go through); a real denokv cannot be
 * installed here (no registry ships its server), so what is written is not checked.
 */
import assert from "node:assert/strict";
import { startServerProcess } from "../support/process.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** SnapshotReadOutput{ranges: [{}], read_is_strongly_consistent: true, status: SR_SUCCESS}. */
const EMPTY_READ = new Uint8Array([0x0a, 0x00, 0x20, 0x01, 0x40, 0x01]);
/** AtomicWriteOutput{status: AW_SUCCESS, versionstamp: 10 bytes}. */
const WRITE_DONE = new Uint8Array([0x08, 0x01, 0x12, 0x0a, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);

function startKvConnectStandIn() {
  const seen: { path: string; authorization: string | null }[] = [];
  const state = { failing: false };
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen() {},
  }, async (req): Promise<Response> => {
    const path = new URL(req.url).pathname;
    await req.body?.cancel();
    seen.push({ path, authorization: req.headers.get("authorization") });
    if (path === "/") {
      return Response.json({
        version: 3,
        databaseId: "9c1b5f0e-6a5e-4b1e-8f7a-3d2c1b0a9f8e",
        endpoints: [{ url: `http://127.0.0.1:${server.addr.port}/db`, consistency: "strong" }],
        token: "database-token-from-metadata",
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      });
    }
    if (path === "/db/snapshot_read" && !state.failing) return new Response(EMPTY_READ);
    if (path === "/db/atomic_write" && !state.failing) return new Response(WRITE_DONE);
    return new Response("unavailable", { status: 503 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/`, seen, state, server };
}

Deno.test({
  name: "DENO_KV_URL + DENO_KV_ACCESS_TOKEN: the app opens the remote KV with the token",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const remote = startKvConnectStandIn();
    const app = await startServerProcess({
      args: ["run", "-A", "main.ts"],
      cwd: ROOT,
      env: {
        DENO_ENV: "test",
        DENO_KV_URL: remote.url,
        DENO_KV_ACCESS_TOKEN: "access-token-for-the-remote",
        // Nothing may reach the file: it must not even be created.
        KV_PATH: "/nonexistent-dir/should-not-exist.kv",
        LOG_LEVEL: "error",
      },
    });
    try {
      const ready = await fetch(`${app.base}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: "ready" });
      const metadata = remote.seen.filter((r) => r.path === "/");
      assert.ok(metadata.length >= 1, "the metadata exchange happened");
      for (const r of metadata) {
        assert.equal(r.authorization, "Bearer access-token-for-the-remote");
      }
      const reads = remote.seen.filter((r) => r.path === "/db/snapshot_read");
      assert.ok(reads.length >= 1);
      for (const r of reads) assert.equal(r.authorization, "Bearer database-token-from-metadata");

      remote.state.failing = true;
      const down = await fetch(`${app.base}/readyz`);
      assert.equal(down.status, 503);
      assert.equal((await down.json()).error.code, "not_ready");
      const health = await fetch(`${app.base}/healthz`);
      assert.equal(health.status, 200, "alive while the database is not");
      await health.body?.cancel();
    } finally {
      await app.stop();
      await remote.server.shutdown();
    }
    await assert.rejects(Deno.stat("/nonexistent-dir"));
  },
});
