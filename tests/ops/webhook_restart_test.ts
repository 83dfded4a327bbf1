/**
 * Outgoing webhooks survive a receiver that is down across a restart of two servers: two
 * main.ts processes on one KV file (their loops and delivery workers running as in
 * production, racing for the same cursor and jobs) queue and try every message's delivery
 * while nothing listens; both stop; the receiver comes back on the same address, checking
 * signatures and answering `{text}`; two new processes deliver every message, and each answer
 * is posted exactly once (a delivery tried again posts nothing new).
 */
import assert from "node:assert/strict";
import { json, okJson, registerUser } from "../support/helpers.ts";
import { freePort, type ServerProcess, startServerProcess } from "../support/process.ts";
import { type ReceivedDelivery, startWebhookReceiver } from "../support/webhook_receiver.ts";
import { outboxQueuePrefix } from "../../lib/storage/mod.ts";
import type { Job } from "../../lib/outbound/mod.ts";
import type { Message } from "../../lib/messages/mod.ts";

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

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name:
    "a receiver down across a restart of two servers gets every delivery; each answer posts once",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const kvPath = `${dir}/chat.kv`;
    const port = freePort();
    const env = { KV_PATH: kvPath, WEBHOOKS_ALLOW_PRIVATE: "1", LOG_LEVEL: "error" };
    const start = () => startServerProcess({ args: ["run", "-A", "main.ts"], cwd: ROOT, env });
    let servers = await Promise.all([start(), start()]);
    let receiver: ReturnType<typeof startWebhookReceiver> | null = null;
    try {
      const [a, b] = servers.map(client);
      const ann = await registerUser(a, { displayName: "Ann" });
      const made = await okJson(
        await a.fetch(
          "/api/conversations",
          json("POST", { kind: "channel", title: "ops" }, ann.cookie),
        ),
        201,
      );
      const id = made.conversation.id;
      // Nothing listens at the address yet.
      const hook = await okJson(
        await b.fetch(
          `/api/conversations/${id}/outgoing-webhooks`,
          json("POST", { url: `http://127.0.0.1:${port}/hook`, name: "Echo" }, ann.cookie),
        ),
        201,
      );
      const sent = ["one", "two", "three", "four", "five", "six"];
      for (const [i, content] of sent.entries()) {
        await okJson(
          await [a, b][i % 2].fetch(
            `/api/conversations/${id}/messages`,
            json("POST", { content }, ann.cookie),
          ),
          201,
        );
      }
      // Both servers' loops race for the cursor: one job per message, each tried (and failed).
      const kv = await Deno.openKv(kvPath);
      try {
        await until("six tried jobs", async () => {
          const jobs = await Array.fromAsync(
            kv.list<Job<unknown>>({ prefix: outboxQueuePrefix("webhook") }),
          );
          assert.ok(jobs.length <= 6, `one job per message, got ${jobs.length}`);
          return jobs.length === 6 && jobs.every((j) => j.value.attempt >= 1) ? jobs : null;
        });
      } finally {
        kv.close();
      }
      for (const server of servers) assert.equal((await server.stop()).code, 0, server.output());
      // A job tried several times on a loaded machine waits its backoff (2^attempt s): the
      // deliveries are waited for until the last one falls due, and a minute more.
      const stored = await Deno.openKv(kvPath);
      const lastDue = Math.max(
        ...(await Array.fromAsync(stored.list({ prefix: outboxQueuePrefix("webhook") })))
          .map((j) => Number(j.key[2])),
      );
      stored.close();

      // The receiver is back on the same address, and so are two servers.
      receiver = startWebhookReceiver({ port, secret: hook.secret });
      receiver.reply = (d) => `got ${d.body.message.content}`;
      servers = await Promise.all([start(), start()]);
      const ok = (d: ReceivedDelivery) => d.answered === 200;
      const delivered = await until("every delivery", () => {
        const ids = new Set(receiver!.deliveries.filter(ok).map((d) => d.id));
        return Promise.resolve(ids.size >= sent.length ? receiver!.deliveries.filter(ok) : null);
      }, Math.max(0, lastDue - Date.now()) + 60_000);
      assert.ok(delivered.every((d) => d.verified), "every delivery is signed with the secret");
      assert.deepEqual(
        [...new Set(delivered.map((d) => d.body.message.content))].sort(),
        [...sent].sort(),
      );
      const history = async () =>
        (await okJson(
          await client(servers[0]).fetch(`/api/conversations/${id}/messages?limit=100`, {
            headers: { cookie: ann.cookie },
          }),
        )).messages as Message[];
      const replies = await until("every answer", async () => {
        const found = (await history()).filter((m) => m.author.id === hook.webhook.botId);
        return found.length >= sent.length ? found : null;
      });
      // A while longer: nothing more is posted or delivered (the bot's answers are not sent).
      await new Promise((r) => setTimeout(r, 2000));
      const after = (await history()).filter((m) => m.author.id === hook.webhook.botId);
      assert.equal(after.length, sent.length, "each answer once");
      assert.deepEqual(after.map((m) => m.content).sort(), sent.map((s) => `got ${s}`).sort());
      assert.deepEqual(
        after.map((m) => m.clientId).sort(),
        [...new Set(delivered.map((d) => d.id))].sort(),
        "each answer carries its delivery's id",
      );
      assert.equal(replies.length, sent.length);
      assert.ok(
        receiver.deliveries.every((d) => d.body.message.author.id === ann.user.id),
        "no answer was delivered back",
      );
    } finally {
      for (const server of servers) await server.stop();
      await receiver?.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
