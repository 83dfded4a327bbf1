/**
 * Outgoing webhooks (issue 19) against a real receiver on 127.0.0.1 (tests/support/
 * webhook_receiver.ts: it checks every signature with the secret the API gave): deliveries
 * are signed and shaped as documented, trigger words pick messages, the answer `{text}` is
 * posted once as the webhook's bot and never delivered back, a 503 is retried after its
 * Retry-After and logged, refused addresses are refused at creation and at delivery, and the
 * rules of who may create, list, delete and read deliveries hold.
 */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  form,
  json,
  okJson,
  registerUser,
  startTestApp,
  type TestApp,
  withCookie,
} from "../support/helpers.ts";
import { startWebhookReceiver } from "../support/webhook_receiver.ts";
import {
  OUTGOING_QUEUE,
  outgoingHandler,
  type OutgoingJob,
  queueOutgoing,
} from "../../lib/integrations/mod.ts";
import { getActiveUserById, getUsersByIds } from "../../lib/accounts/mod.ts";
import { outboxQueuePrefix, outgoingCursorKey, outgoingHookKey } from "../../lib/storage/mod.ts";
import type { Job } from "../../lib/outbound/mod.ts";
import type { Message } from "../../lib/messages/mod.ts";

const WITH_LOOPBACK = { WEBHOOKS: "1", WEBHOOKS_ALLOW_PRIVATE: "1" };

async function channel(app: TestApp, cookie: string, title: string): Promise<string> {
  const made = await okJson(
    await app.fetch("/api/conversations", json("POST", { kind: "channel", title }, cookie)),
    201,
  );
  return made.conversation.id;
}

async function addMember(app: TestApp, id: string, cookie: string, username: string) {
  const res = await app.fetch(
    `/api/conversations/${id}/members`,
    json("POST", { usernames: [username] }, cookie),
  );
  assert.ok(res.status < 300, await res.text());
}

async function send(app: TestApp, id: string, cookie: string, content: string): Promise<Message> {
  const { message } = await okJson(
    await app.fetch(`/api/conversations/${id}/messages`, json("POST", { content }, cookie)),
    201,
  );
  return message;
}

async function history(app: TestApp, id: string, cookie: string): Promise<Message[]> {
  return (await okJson(await app.fetch(`/api/conversations/${id}/messages`, withCookie(cookie))))
    .messages;
}

async function hook(app: TestApp, id: string, cookie: string, body: Record<string, unknown>) {
  return await app.fetch(`/api/conversations/${id}/outgoing-webhooks`, json("POST", body, cookie));
}

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("deliveries are signed and shaped; trigger words; the answer is posted once and never sent back", async () => {
  const app = await startTestApp(WITH_LOOPBACK);
  const echo = startWebhookReceiver();
  const deploys = startWebhookReceiver();
  try {
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const id = await channel(app, ann.cookie, "ops");
    await addMember(app, id, ann.cookie, ben.user.username);
    await send(app, id, ann.cookie, "before any webhook");

    const made = await okJson(
      await hook(app, id, ben.cookie, { url: echo.url, events: ["message"], name: "Echo" }),
      201,
    );
    assert.equal(made.webhook.name, "Echo");
    assert.equal(made.webhook.url, echo.url);
    assert.deepEqual(made.webhook.events, ["message"]);
    assert.deepEqual(made.webhook.triggerWords, []);
    assert.equal(made.webhook.createdBy, ben.user.id);
    assert.equal(typeof made.secret, "string");
    assert.ok(made.secret.length >= 40);
    echo.secret = made.secret;
    echo.reply = (d) => `echo: ${d.body.message.content}`;
    const second = await okJson(
      await hook(app, id, ann.cookie, { url: deploys.url, triggerWords: ["Deploy", "ship"] }),
      201,
    );
    assert.deepEqual(second.webhook.triggerWords, ["deploy", "ship"]);
    deploys.secret = second.secret;

    // Its bot takes part, and the list never shows a secret.
    const [bot] = await getUsersByIds(app.ctx.kv, [made.webhook.botId]);
    assert.equal(bot.isBot, true);
    const list = await app.fetch(
      `/api/conversations/${id}/outgoing-webhooks`,
      withCookie(ann.cookie),
    );
    const text = await list.text();
    assert.equal(list.status, 200);
    assert.ok(!text.includes(made.secret) && !text.includes(second.secret), "no secret listed");
    assert.deepEqual(
      JSON.parse(text).webhooks.map((w: { id: string }) => w.id).sort(),
      [
        made.webhook.id,
        second.webhook.id,
      ].sort(),
    );

    const hello = await send(app, id, ann.cookie, "hello there");
    const deploy = await send(app, id, ben.cookie, "DEPLOY the thing");
    await send(app, id, ann.cookie, "redeploy is not a trigger");

    // Deliveries run a few at a time: their order is not the messages' (sorted here by seq).
    const got = (await echo.waitFor(3)).sort((a, b) => a.body.message.seq - b.body.message.seq);
    for (const d of got) {
      assert.equal(d.verified, true, "the signature matches the body with the secret");
      assert.match(d.signature!, /^sha256=[0-9a-f]{64}$/);
      assert.equal(d.event, "message");
      assert.equal(d.userAgent, "Hearth-Webhooks");
      assert.match(d.contentType!, /^application\/json/);
      assert.equal(d.body.event, "message");
      assert.deepEqual(d.body.conversation, { id, kind: "channel", title: "ops" });
    }
    assert.deepEqual(got.map((d) => d.body.message.content), [
      "hello there",
      "DEPLOY the thing",
      "redeploy is not a trigger",
    ]);
    assert.equal(got[0].id, `${made.webhook.id}.${hello.seq}`);
    assert.equal(got[0].body.message.author.id, ann.user.id);
    assert.equal(got[0].body.message.seq, hello.seq);
    const triggered = await deploys.waitFor(1);
    assert.equal(triggered[0].body.message.content, "DEPLOY the thing");
    assert.equal(triggered[0].id, `${second.webhook.id}.${deploy.seq}`);

    // The answers, posted as the bot, each once.
    const replies = await until("the answers", async () => {
      const found = (await history(app, id, ann.cookie)).filter((m) => m.author.id === bot.id);
      return found.length >= 3 ? found : null;
    });
    assert.deepEqual(replies.map((m) => m.content).sort(), [
      "echo: DEPLOY the thing",
      "echo: hello there",
      "echo: redeploy is not a trigger",
    ]);
    const helloReply = replies.find((m) => m.content === "echo: hello there")!;
    assert.equal(helloReply.author.isBot, true);
    assert.equal(helloReply.clientId, got[0].id);

    // The same delivery once more (a retry after a lost answer): delivered, not posted again.
    const handler = outgoingHandler(app.ctx);
    const job: Job<OutgoingJob> = {
      id: got[0].id,
      queue: OUTGOING_QUEUE,
      payload: { conversationId: id, hookId: made.webhook.id, seq: hello.seq },
      attempt: 1,
      queuedAt: Date.now(),
    };
    assert.equal(await handler(job), "done");
    await echo.waitFor(4);

    // No loop: the bot's messages are never delivered, to either webhook.
    await app.webhooks!.runOnce();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(echo.deliveries.length, 4);
    assert.equal(deploys.deliveries.length, 1);
    const after = (await history(app, id, ann.cookie)).filter((m) => m.author.id === bot.id);
    assert.equal(after.length, 3, "a repeated delivery posts nothing new");
    assert.ok(!echo.deliveries.some((d) => d.body.message.content === "before any webhook"));

    // A reply in a thread is answered in that thread.
    const { message: question } = await okJson(
      await app.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: "in the thread", parentSeq: hello.seq }, ben.cookie),
      ),
      201,
    );
    const [asked] = await echo.waitFor(1, { where: (d) => d.body.message.seq === question.seq });
    assert.equal(asked.body.message.parentSeq, hello.seq);
    const answer = await until("the answer in the thread", async () => {
      const { replies } = await okJson(
        await app.fetch(`/api/conversations/${id}/threads/${hello.seq}`, withCookie(ann.cookie)),
      );
      return (replies as Message[]).find((m) => m.author.id === bot.id) ?? null;
    });
    assert.equal(answer.content, "echo: in the thread");
    assert.equal(answer.parentSeq, hello.seq);
  } finally {
    await echo.stop();
    await deploys.stop();
    await app.close();
  }
});

Deno.test("a 503 is retried after its Retry-After; a 400 is not; the deliveries log and who reads it", async () => {
  const app = await startTestApp(WITH_LOOPBACK);
  const receiver = startWebhookReceiver();
  try {
    const ann = await registerUser(app, { displayName: "Ann" }); // the site admin (first)
    const ben = await registerUser(app, { displayName: "Ben" });
    const cat = await registerUser(app, { displayName: "Cat" });
    const dan = await registerUser(app, { displayName: "Dan" });
    const id = await createConversationVia(app, ben.cookie, [cat.user, ann.user], "team");
    const made = await okJson(await hook(app, id, ben.cookie, { url: receiver.url }), 201);
    receiver.secret = made.secret;
    const base = `/api/conversations/${id}/outgoing-webhooks/${made.webhook.id}`;

    receiver.failNext(1, 503, "1");
    const first = await send(app, id, cat.cookie, "one");
    const started = Date.now();
    const [ok] = await receiver.waitFor(1);
    assert.ok(Date.now() - started >= 900, "Retry-After: 1 was honoured");
    assert.equal(receiver.deliveries.length, 2);
    assert.equal(receiver.deliveries[0].answered, 503);
    assert.equal(receiver.deliveries[0].id, ok.id, "the retry keeps its delivery id");
    assert.equal(ok.body.message.seq, first.seq);

    receiver.failNext(1, 400);
    await send(app, id, cat.cookie, "two");
    await receiver.waitFor(1, { where: (d) => d.answered === 400 });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(receiver.deliveries.length, 3, "a 400 is not retried");

    const { deliveries } = await until("the log", async () => {
      const body = await okJson(await app.fetch(`${base}/deliveries`, withCookie(ben.cookie)));
      return body.deliveries.length >= 3 ? body : null;
    });
    assert.equal(deliveries.length, 3);
    assert.deepEqual(
      deliveries.map((d: { status: number; ok: boolean; attempt: number }) => [
        d.status,
        d.ok,
        d.attempt,
      ]),
      [[400, false, 1], [200, true, 2], [503, false, 1]],
    );
    for (const d of deliveries) {
      assert.equal(typeof d.ms, "number");
      assert.ok(!Number.isNaN(Date.parse(d.at)));
    }
    assert.equal(deliveries[1].id, ok.id);
    assert.equal(deliveries[0].error, "answered 400: not retried");

    // The creator and a site admin read it; another participant 403; an outsider 404.
    assert.equal((await app.fetch(`${base}/deliveries`, withCookie(ann.cookie))).status, 200);
    await assertError(
      await app.fetch(`${base}/deliveries`, withCookie(cat.cookie)),
      403,
      "forbidden",
    );
    await assertError(
      await app.fetch(`${base}/deliveries`, withCookie(dan.cookie)),
      404,
      "not_found",
    );
    // A browser gets a page.
    const page = await app.fetch(`${base}/deliveries`, {
      headers: { cookie: ben.cookie, accept: "text/html" },
    });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /answered 400: not retried/);
  } finally {
    await receiver.stop();
    await app.close();
  }
});

Deno.test("addresses: private targets refused at creation without the switch, link-local always", async (t) => {
  const plain = await startTestApp();
  const open = await startTestApp({ WEBHOOKS_ALLOW_PRIVATE: "1" });
  try {
    for (const app of [plain, open]) {
      const ann = await registerUser(app, { displayName: "Ann" });
      const id = await channel(app, ann.cookie, "hooks");
      const refused = plainOrOpen(app === open);
      await t.step(
        app === open ? "with WEBHOOKS_ALLOW_PRIVATE" : "without the switch",
        async () => {
          for (const url of refused) {
            const err = await assertError(
              await hook(app, id, ann.cookie, { url }),
              400,
              "address_refused",
            );
            assert.ok(err.fields?.url, url);
          }
        },
      );
      if (app === open) {
        for (const url of ["http://localhost:9/x", "http://127.0.0.1:9/x", "https://[::1]:9/x"]) {
          await okJson(await hook(app, id, ann.cookie, { url }), 201);
        }
      }
    }
  } finally {
    await plain.close();
    await open.close();
  }
});

function plainOrOpen(open: boolean): string[] {
  const always = [
    "https://169.254.169.254/latest/meta-data",
    "http://169.254.169.254/",
    "https://[fe80::1]/x",
    "ftp://example.com/x",
    "https://user:pw@example.com/x",
    "not a url",
  ];
  return open ? always : [
    ...always,
    "https://localhost/x",
    "https://127.0.0.1/x",
    "https://[::1]/x",
    "https://10.1.2.3/x",
    "https://192.168.0.1/x",
    "http://93.184.215.14/x", // plain http
  ];
}

Deno.test("who may create, list and delete; limits; bad input; forms", async (t) => {
  const app = await startTestApp(WITH_LOOPBACK);
  const receiver = startWebhookReceiver();
  try {
    const ann = await registerUser(app, { displayName: "Ann" }); // site admin
    const ben = await registerUser(app, { displayName: "Ben" });
    const cat = await registerUser(app, { displayName: "Cat" });
    const dan = await registerUser(app, { displayName: "Dan" });
    const id = await createConversationVia(app, ben.cookie, [cat.user, ann.user], "team");
    const url = receiver.url;

    await t.step("bad input: 400 naming the field; never a 500", async () => {
      for (
        const [body, field] of [
          [{}, "url"],
          [{ url, events: ["push"] }, "events"],
          [{ url, events: [] }, "events"],
          [{ url, triggerWords: ["two words"] }, "triggerWords.0"],
          [{ url, triggerWords: Array.from({ length: 11 }, (_, i) => `w${i}`) }, "triggerWords"],
          [{ url, name: "x".repeat(65) }, "name"],
          [{ url: 42 }, "url"],
        ] as const
      ) {
        const err = await assertError(await hook(app, id, ben.cookie, body), 400, "invalid_input");
        assert.ok(
          Object.keys(err.fields ?? {}).some((k) => k === field || k.startsWith(`${field}.`)),
          `${JSON.stringify(body)}: ${JSON.stringify(err.fields)}`,
        );
      }
      const raw = await app.fetch(`/api/conversations/${id}/outgoing-webhooks`, {
        method: "POST",
        headers: {
          cookie: ben.cookie,
          origin: "http://localhost",
          "content-type": "application/json",
        },
        body: "{not json",
      });
      await assertError(raw, 400, "malformed_json");
    });

    await t.step("outsiders 404, direct conversations 409, signed out 401", async () => {
      await assertError(await hook(app, id, dan.cookie, { url }), 404, "not_found");
      await assertError(
        await app.fetch(`/api/conversations/${id}/outgoing-webhooks`, withCookie(dan.cookie)),
        404,
        "not_found",
      );
      const direct = await createConversationVia(app, ben.cookie, [dan.user]);
      await assertError(await hook(app, direct, ben.cookie, { url }), 409, "direct_conversation");
      await assertError(await hook(app, id, "", { url }), 401, "unauthorized");
    });

    let benHook = "";
    let benBot = "";
    await t.step("at most 10 per conversation", async () => {
      for (let i = 0; i < 10; i++) {
        const made = await okJson(
          await hook(app, id, i === 0 ? ben.cookie : cat.cookie, { url }),
          201,
        );
        if (i === 0) [benHook, benBot] = [made.webhook.id, made.webhook.botId];
      }
      await assertError(await hook(app, id, ben.cookie, { url }), 409, "limit_reached");
    });

    await t.step(
      "delete: others 403, the creator or a site admin 204; the bot leaves",
      async () => {
        const del = (who: string, hookId: string) =>
          app.fetch(
            `/api/conversations/${id}/outgoing-webhooks/${hookId}`,
            json("DELETE", undefined, who),
          );
        await assertError(await del(cat.cookie, benHook), 403, "forbidden");
        await assertError(await del(dan.cookie, benHook), 404, "not_found");
        await assertError(await del(ben.cookie, "nosuchhook"), 404, "not_found");
        assert.equal((await del(ann.cookie, benHook)).status, 204, "a site admin may");
        await assertError(await del(ben.cookie, benHook), 404, "not_found");
        const conv = await okJson(
          await app.fetch(`/api/conversations/${id}`, withCookie(ben.cookie)),
        );
        assert.ok(!conv.conversation.participants.some((u: { id: string }) => u.id === benBot));
        assert.equal(await getActiveUserById(app.ctx.kv, benBot), null, "its bot is disabled");
        const { webhooks } = await okJson(
          await app.fetch(`/api/conversations/${id}/outgoing-webhooks`, withCookie(cat.cookie)),
        );
        assert.equal(webhooks.length, 9);
        // Deleting every one drops the cursor: the loop no longer looks at the conversation.
        for (const w of webhooks) assert.equal((await del(cat.cookie, w.id)).status, 204);
        assert.equal((await app.ctx.kv.get(outgoingCursorKey(id))).value, null);
        await send(app, id, ben.cookie, "nobody listens");
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(receiver.deliveries.length, 0);
      },
    );

    await t.step(
      "forms: the secret on a no-store page, delete with a 303, errors back to the page",
      async () => {
        const res = await app.fetch(
          `/api/conversations/${id}/outgoing-webhooks`,
          form(
            { url, name: "From a form", triggerWords: "deploy, ship", events: "message" },
            ben.cookie,
          ),
        );
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("cache-control"), "no-store");
        const html = await res.text();
        const shown = /data-testid="webhook-secret"[^>]*>\s*([A-Za-z0-9_-]{40,})\s*</.exec(html);
        assert.ok(shown, "the page shows the secret");
        const { webhooks } = await okJson(
          await app.fetch(`/api/conversations/${id}/outgoing-webhooks`, withCookie(ben.cookie)),
        );
        assert.equal(webhooks.length, 1);
        assert.deepEqual(webhooks[0].triggerWords, ["deploy", "ship"]);
        const stored = await app.ctx.kv.get<{ secret: string }>(
          outgoingHookKey(id, webhooks[0].id),
        );
        assert.equal(stored.value?.secret, shown[1], "the secret that signs is the one shown");
        const bad = await app.fetch(`/api/conversations/${id}/outgoing-webhooks`, {
          ...form({ url: "https://169.254.169.254/x" }, ben.cookie),
          headers: {
            ...form({}, ben.cookie).headers as Record<string, string>,
            accept: "text/html",
            referer: `http://localhost/conversations/${id}`,
          },
        });
        assert.equal(bad.status, 303);
        assert.equal(bad.headers.get("location"), `/conversations/${id}?error=address_refused`);
        const gone = await app.fetch(
          `/api/conversations/${id}/outgoing-webhooks/${webhooks[0].id}/delete`,
          form({}, ben.cookie),
        );
        assert.equal(gone.status, 303);
        assert.equal(gone.headers.get("location"), `/conversations/${id}`);
      },
    );
  } finally {
    await receiver.stop();
    await app.close();
  }
});

Deno.test("two loops racing queue each delivery once; a refused address at delivery is not retried", async () => {
  const app = await startTestApp({ WEBHOOKS_ALLOW_PRIVATE: "1" });
  try {
    const ann = await registerUser(app, { displayName: "Ann" });
    const id = await channel(app, ann.cookie, "race");
    const a = await okJson(await hook(app, id, ann.cookie, { url: "http://127.0.0.1:9/a" }), 201);
    await okJson(await hook(app, id, ann.cookie, { url: "http://127.0.0.1:9/b" }), 201);
    for (let i = 0; i < 30; i++) await send(app, id, ann.cookie, `m${i}`);
    const results = await Promise.all([
      queueOutgoing(app.ctx.kv, id),
      queueOutgoing(app.ctx.kv, id),
    ]);
    const jobs = await Array.fromAsync(
      app.ctx.kv.list<Job<OutgoingJob>>({ prefix: outboxQueuePrefix(OUTGOING_QUEUE) }),
    );
    assert.equal(jobs.length, 60, "one job per (webhook, message)");
    assert.equal(results[0].queued + results[1].queued, 60);
    assert.equal(new Set(jobs.map((j) => j.value.id)).size, 60);

    // The same store seen with the switch off: the loopback target is refused at delivery.
    const strict = outgoingHandler({
      kv: app.ctx.kv,
      config: { ...app.ctx.config, webhooks: { allowPrivate: false } },
      hub: app.ctx.hub,
    });
    const job = jobs.find((j) => j.value.payload.hookId === a.webhook.id)!.value;
    assert.equal(await strict(job), "done");
    const { deliveries } = await okJson(
      await app.fetch(
        `/api/conversations/${id}/outgoing-webhooks/${a.webhook.id}/deliveries`,
        withCookie(ann.cookie),
      ),
    );
    assert.equal(deliveries.length, 1);
    assert.equal(deliveries[0].ok, false);
    assert.equal(deliveries[0].status, null);
    assert.match(deliveries[0].error, /^address refused/);
    // And with it on, nobody listening at the port: a network error, retried.
    const loose = outgoingHandler(app.ctx);
    const outcome = await loose(job);
    assert.notEqual(outcome, "done");
  } finally {
    await app.close();
  }
});

Deno.test("a webhook added while older messages wait to be queued is sent only later ones", async () => {
  const app = await startTestApp({ WEBHOOKS_ALLOW_PRIVATE: "1" }); // no loop: queued by hand
  try {
    const ann = await registerUser(app, { displayName: "Ann" });
    const id = await channel(app, ann.cookie, "late");
    const a = await okJson(await hook(app, id, ann.cookie, { url: "http://127.0.0.1:9/a" }), 201);
    const first = await send(app, id, ann.cookie, "for a only");
    const b = await okJson(await hook(app, id, ann.cookie, { url: "http://127.0.0.1:9/b" }), 201);
    const second = await send(app, id, ann.cookie, "for both");
    assert.equal((await queueOutgoing(app.ctx.kv, id)).queued, 3);
    const jobs = await Array.fromAsync(
      app.ctx.kv.list<Job<OutgoingJob>>({ prefix: outboxQueuePrefix(OUTGOING_QUEUE) }),
    );
    assert.deepEqual(
      jobs.map((j) => j.value.id).sort(),
      [
        `${a.webhook.id}.${first.seq}`,
        `${a.webhook.id}.${second.seq}`,
        `${b.webhook.id}.${second.seq}`,
      ].sort(),
    );
    assert.equal((await app.ctx.kv.get(outgoingCursorKey(id))).value, second.seq);
  } finally {
    await app.close();
  }
});
