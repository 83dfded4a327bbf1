/**
 * Pushes survive a push service that is down and a server restart: two server processes
 * (main.ts, the notifier and its push worker running as in production) on one KV file, one
 * after the other, and a real push service process that decrypts every push. While it is
 * down the first server queues and tries the pushes; it stops; the service comes back on the
 * same address with the same keys; the second server sends every push, each once.
 */
import assert from "node:assert/strict";
import { json, okJson, registerUser } from "../support/helpers.ts";
import { freePort, type ServerProcess, startServerProcess } from "../support/process.ts";
import { startPushReceiver } from "../support/push_receiver_client.ts";
import { outboxQueuePrefix } from "../../lib/storage/mod.ts";
import type { Job } from "../../lib/outbound/mod.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** A server process with the test Origin rewritten to its own, like the test apps. */
function client(server: ServerProcess) {
  return {
    fetch: (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      if (headers.has("origin")) headers.set("origin", server.base);
      return fetch(new URL(path, server.base), { ...init, headers });
    },
  };
}

Deno.test({
  name: "a push service down across a server restart still gets every push, once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const kvPath = `${dir}/chat.kv`;
    const stateFile = `${dir}/receiver.json`;
    const port = freePort();
    const env = { KV_PATH: kvPath, PUSH_ALLOW_PRIVATE: "1", LOG_LEVEL: "error" };
    const start = () => startServerProcess({ args: ["run", "-A", "main.ts"], cwd: ROOT, env });
    let receiver = await startPushReceiver({ port, stateFile });
    let server = await start();
    try {
      const app = client(server);
      const ann = await registerUser(app, { displayName: "Ann" });
      const ben = await registerUser(app, { displayName: "Ben" });
      const { publicKey } = await okJson(
        await app.fetch("/api/push/key", { headers: { cookie: ben.cookie } }),
      );
      await receiver.expectKey(publicKey);
      const sub = await receiver.subscribe();
      await okJson(await app.fetch("/api/push/subscriptions", json("POST", sub, ben.cookie)), 201);
      const made = await okJson(
        await app.fetch(
          "/api/conversations",
          json("POST", { participantIds: [ben.user.id] }, ann.cookie),
        ),
        201,
      );
      const id = made.conversation.id;

      // The push service goes down; three messages come.
      await receiver.stop();
      const sent = ["one", "two", "three"];
      for (const content of sent) {
        await okJson(
          await app.fetch(
            `/api/conversations/${id}/messages`,
            json("POST", { content }, ann.cookie),
          ),
          201,
        );
      }
      // The first server queues a push per message and tries each (the store shows it).
      const kv = await Deno.openKv(kvPath);
      try {
        for (;;) {
          const jobs = await Array.fromAsync(
            kv.list<Job<unknown>>({ prefix: outboxQueuePrefix("push") }),
          );
          if (jobs.length === 3 && jobs.every((j) => j.value.attempt >= 1)) break;
          assert.ok(jobs.length <= 3, "one job per push");
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        kv.close();
      }
      const first = await server.stop();
      assert.equal(first.code, 0, server.output());

      // The service is back (same address, same keys), and so is a server.
      receiver = await startPushReceiver({ port, stateFile });
      await receiver.expectKey(publicKey);
      server = await start();
      const pushes = await receiver.waitFor(3, 60_000);
      assert.deepEqual(pushes.map((p) => p.payload.body).sort(), [...sent].sort());
      for (const p of pushes) {
        assert.equal(p.payload.title, "Ann");
        assert.equal(p.payload.url, `/conversations/${id}`);
      }
      // Each once: nothing more arrives while the second server's notifier keeps running.
      const more = await client(server).fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: "four" }, ann.cookie),
      );
      assert.equal(more.status, 201);
      await more.body?.cancel();
      const all = await receiver.waitFor(4, 60_000);
      assert.deepEqual(all.map((p) => p.payload.body).sort(), ["four", ...sent].sort());
      assert.equal((await receiver.received()).attempts, 4);
    } finally {
      await server.stop();
      await receiver.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
