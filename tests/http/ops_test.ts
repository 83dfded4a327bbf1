/** Operations over HTTP, in-process: health, readiness, metrics and request ids. */
import assert from "node:assert/strict";
import {
  createConversationVia,
  json,
  registerUser,
  startTestApp,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { chatTest, join } from "../support/ws_client.ts";
import { commitWithRetry } from "../../lib/storage/mod.ts";
import { metrics } from "../../lib/ops/mod.ts";

const TOKEN = "metrics-token-for-tests-0123456789";

/** Runs `fn` on an app whose KV `fn` may close (the hub is closed afterwards, the KV only if open). */
async function withClosableKv(fn: (app: TestApp, closeKv: () => void) => Promise<void>) {
  const app = await startTestApp();
  let open = true;
  try {
    await fn(app, () => {
      app.ctx.kv.close();
      open = false;
    });
  } finally {
    if (open) await app.close();
    else app.ctx.hub.close();
  }
}

/** The value of the first sample of `name` whose labels include every one of `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const has = Object.entries(labels).every(([k, v]) => match[2].includes(`${k}="${v}"`));
    if (has) return Number(match[3]);
  }
  return NaN;
}

Deno.test("GET /healthz answers 200 while the process runs; /readyz 503 once KV is gone", async () => {
  await withClosableKv(async (app, closeKv) => {
    const health = await app.fetch("/healthz");
    assert.equal(health.status, 200);
    assert.match(health.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(await health.json(), { status: "ok" });

    const ready = await app.fetch("/readyz");
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: "ready" });

    closeKv();
    const down = await app.fetch("/readyz");
    assert.equal(down.status, 503);
    assert.equal((await down.json()).error.code, "not_ready");
    assert.equal((await app.fetch("/healthz")).status, 200, "liveness does not depend on KV");
  });
});

Deno.test("GET /readyz answers 503 once shutdown has begun (a balancer stops sending people)", async () => {
  await withApp(async (app) => {
    assert.equal((await app.fetch("/readyz")).status, 200);
    await app.ctx.hub.shutdown();
    const res = await app.fetch("/readyz");
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, "not_ready");
    assert.equal((await app.fetch("/healthz")).status, 200);
  });
});

Deno.test("GET /metrics is 404 without METRICS_TOKEN, 401 without the right Bearer token", async () => {
  await withApp(async (app) => {
    const res = await app.fetch("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });
  await withApp(async (app) => {
    for (const authorization of [undefined, "Bearer wrong-token-wrong-token", TOKEN]) {
      const res = await app.fetch("/metrics", { headers: authorization ? { authorization } : {} });
      assert.equal(res.status, 401, `authorization: ${authorization}`);
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="metrics"');
      assert.equal((await res.json()).error.code, "unauthorized");
    }
  }, { METRICS_TOKEN: TOKEN });
});

Deno.test("GET /metrics counts requests by route pattern, latency, messages and sockets", async () => {
  await withApp(async (app) => {
    const scrape = async () => {
      const res = await app.fetch("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      return await res.text();
    };
    const before = await scrape();
    const storedBefore = sample(before, "hearth_messages_stored_total");
    const route = { method: "GET", route: "/api/conversations/:id", status: "200" };
    const listedBefore = sample(before, "hearth_http_requests_total", route) || 0;

    const ann = await registerUser(app);
    const bob = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [bob.user]);
    const sent = await app.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content: "counted, never logged" }, ann.cookie),
    );
    assert.equal(sent.status, 201);
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await app.fetch(`/api/conversations/${id}`, withCookie(ann.cookie))).status,
        200,
      );
    }
    await (await app.fetch("/no/such/page/12345")).body?.cancel();

    const text = await scrape();
    assert.equal(sample(text, "hearth_messages_stored_total"), storedBefore + 1);
    assert.equal(sample(text, "hearth_http_requests_total", route), listedBefore + 3);
    assert.ok(
      sample(text, "hearth_http_requests_total", { route: "unmatched", status: "404" }) >= 1,
    );
    assert.ok(!text.includes(id), "a conversation id became a label");
    assert.ok(!text.includes("12345"), "a raw path became a label");
    const count = sample(text, "hearth_http_request_duration_seconds_count", {
      route: "/api/conversations/:id",
    });
    const inf = sample(text, "hearth_http_request_duration_seconds_bucket", {
      route: "/api/conversations/:id",
      le: "+Inf",
    });
    assert.ok(count >= 3 && inf === count, `count ${count}, +Inf bucket ${inf}`);
    assert.equal(sample(text, "hearth_websockets_open"), 0);
    assert.ok(sample(text, "process_resident_memory_bytes") > 0);
    assert.match(text, /# TYPE hearth_kv_commit_retries_total counter/);
  }, { METRICS_TOKEN: TOKEN });
});

Deno.test("a sane X-Request-Id is kept, anything else replaced; a 500 names the id", async () => {
  await withClosableKv(async (app, closeKv) => {
    const kept = await app.fetch("/healthz", { headers: { "x-request-id": "lb-3f2a9c1e.7" } });
    assert.equal(kept.headers.get("x-request-id"), "lb-3f2a9c1e.7");
    for (const bad of ["short", "has space in it", "x".repeat(65), "<script>alert(1)</script>"]) {
      const res = await app.fetch("/healthz", { headers: { "x-request-id": bad } });
      const id = res.headers.get("x-request-id") ?? "";
      assert.notEqual(id, bad);
      assert.match(id, /^[0-9a-f-]{36}$/);
    }

    const { cookie } = await registerUser(app);
    closeKv(); // every KV read now throws: an unexpected error, answered 500
    const logged: string[] = [];
    const write = console.error;
    console.error = (line: string) => void logged.push(line);
    let res: Response;
    try {
      res = await app.fetch("/api/auth/check", withCookie(cookie));
    } finally {
      console.error = write;
    }
    assert.equal(res.status, 500);
    const body = await res.json();
    assert.equal(body.error.code, "internal_error");
    const requestId = res.headers.get("x-request-id");
    assert.equal(body.error.requestId, requestId);
    assert.doesNotMatch(JSON.stringify(body), /stack|resource|Kv|\.ts/i);
    // The log has what the answer leaves out: the error and its stack, under the same id.
    const failed = logged.map((l) => JSON.parse(l)).find((l) => l.msg === "request failed");
    assert.ok(failed, `no "request failed" line in ${logged}`);
    assert.equal(failed.level, "error");
    assert.equal(failed.requestId, requestId);
    assert.match(failed.stack, /getUserBySession/);
    assert.ok(!logged.join("\n").includes(cookie.split("=")[1]), "the session token is not logged");
  });
});

chatTest(
  "/metrics follows live sockets: open sockets, messages stored and delivered",
  async (chat) => {
    const scrape = async () => {
      const res = await chat.server.fetch("/metrics", {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(res.status, 200);
      return await res.text();
    };
    const { ann, conversationId, a, b } = await chat.pair();
    await join(b, conversationId);
    const before = await scrape();
    assert.equal(sample(before, "hearth_websockets_open"), 2);
    const stored = sample(before, "hearth_messages_stored_total");
    const delivered = sample(before, "hearth_messages_delivered_total") || 0;
    const upgrades = sample(before, "hearth_http_requests_total", { route: "/api/ws" }) || 0;

    // Ann writes over REST; only Ben's socket is in the room: exactly one live delivery.
    const sent = await chat.post(ann, conversationId, "counted once");
    await b.next("message", (f) => f.message.seq === sent.seq);
    let after = await scrape();
    assert.equal(sample(after, "hearth_messages_stored_total"), stored + 1);
    assert.equal(sample(after, "hearth_messages_delivered_total"), delivered + 1);
    assert.equal(sample(after, "hearth_http_requests_total", { route: "/api/ws" }), upgrades);

    await a.close();
    await b.close();
    // The server learns of the closes a little after the clients do.
    for (let i = 0; i < 100 && sample(after, "hearth_websockets_open") !== 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await scrape();
    }
    assert.equal(sample(after, "hearth_websockets_open"), 0);
  },
  { METRICS_TOKEN: TOKEN },
);

Deno.test("a KV commit that loses its check and is tried again counts as a conflict retry", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const conflicts = () => metrics.kvCommitRetries.value({ reason: "conflict" });
    const before = conflicts();
    let tries = 0;
    const result = await commitWithRetry(async () => {
      const entry = await kv.get(["n"]);
      // The first attempt races a writer that changes the key under it.
      if (tries++ === 0) await kv.set(["n"], "other writer");
      const res = await kv.atomic().check(entry).set(["n"], "mine").commit();
      return res.ok ? res : null;
    });
    assert.ok(result.ok);
    assert.equal(tries, 2);
    assert.equal(conflicts(), before + 1);
  } finally {
    kv.close();
  }
});
