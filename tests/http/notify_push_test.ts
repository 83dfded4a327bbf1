/**
 * The notifier and Web Push end to end, with a real push service process (push_receiver.ts)
 * that checks every push's VAPID JWT and decrypts it (RFC 8291) with its own keys. The
 * notifier is driven by hand here (runOnce, then the push worker's runDue): what was not
 * pushed is known the moment the round is over, with no waiting.
 */
import assert from "node:assert/strict";
import webpush from "web-push";
import {
  createConversationVia,
  json,
  okJson,
  registerUser,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { startPushReceiver } from "../support/push_receiver_client.ts";
import { round, send, subscribe, withPush } from "../support/push_fixture.ts";
import { markRead } from "../../lib/messages/mod.ts";
import { retryAfter, setDnd, setNotifyPref, startNotifier } from "../../lib/notify/mod.ts";
import {
  notifyCursorKey,
  notifyPendingKey,
  outboxQueuePrefix,
  pushSubsPrefix,
} from "../../lib/storage/mod.ts";
import { deleteConversation } from "../../lib/conversations/mod.ts";

async function people(app: TestApp) {
  const ann = await registerUser(app, { displayName: "Ann Archer" });
  const ben = await registerUser(app, { displayName: "Ben Baker" });
  const cat = await registerUser(app, { displayName: "Cat Cole" });
  return { ann, ben, cat };
}

Deno.test("a mention in a group is pushed, encrypted, and decrypts to {title, body, url, tag}", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const { ann, ben, cat } = await people(app);
    await subscribe(app, receiver, ben);
    const group = await createConversationVia(app, ann.cookie, [ben.user, cat.user], "Design");
    await send(app, ann, group, "no mention here"); // `mentions` is the group default
    const m = await send(app, ann, group, `hey @${ben.user.username}, **look** at this`);
    await round(notifier);
    const [push, ...more] = await receiver.waitFor(1);
    assert.equal(more.length, 0);
    assert.deepEqual(push.payload, {
      title: "Ann Archer in Design",
      body: `hey @${ben.user.username}, look at this`,
      url: `/conversations/${group}`,
      tag: `conv-${group}`,
    });
    assert.equal(push.urgency, "high");
    assert.equal(Number(push.ttl) > 0, true);
    assert.equal(push.claims.aud, receiver.base);
    // A reply that mentions him: its thread's address.
    await send(app, cat, group, `@${ben.user.username} and a reply`, m.seq);
    await round(notifier);
    const pushes = await receiver.waitFor(2);
    assert.equal(pushes[1].payload.url, `/conversations/${group}?thread=${m.seq}`);
    assert.equal(pushes[1].payload.title, "Cat Cole in Design");
    // The same round again: nothing new (the cursor moved in the commit that queued them).
    await round(notifier);
    assert.equal((await receiver.received()).attempts, 2);
  });
});

Deno.test("a direct message is pushed to each of the person's subscriptions", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const { ann, ben } = await people(app);
    const one = await subscribe(app, receiver, ben);
    const two = await subscribe(app, receiver, ben);
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    await send(app, ann, direct, "x".repeat(300));
    await round(notifier);
    const pushes = await receiver.waitFor(2);
    assert.equal(pushes.length, 2);
    assert.deepEqual(
      new Set(pushes.map((p) => p.sub)),
      new Set([one, two].map((s) => s.endpoint.split("/").at(-1))),
    );
    for (const p of pushes) {
      assert.equal(p.payload.title, "Ann Archer");
      assert.equal(p.payload.body.length, 200);
      assert.ok(p.payload.body.endsWith("…"));
    }
  });
});

Deno.test("nothing, muted, do-not-disturb, own messages and read messages send no push", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const { ann, ben, cat } = await people(app);
    await subscribe(app, receiver, ben);
    await subscribe(app, receiver, ann);
    const kv = app.ctx.kv;
    const group = await createConversationVia(app, ann.cookie, [ben.user, cat.user], "Team");
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    const mention = `@${ben.user.username} ping`;

    // `nothing` in the group: a mention is not pushed.
    await setNotifyPref(kv, ben.user.id, group, { level: "nothing", muted: false });
    await send(app, ann, group, mention);
    // Muted (level all): nothing either.
    await setNotifyPref(kv, ben.user.id, direct, { level: "all", muted: true });
    await send(app, ann, direct, "muted dm");
    // Own message: Ann's subscription gets nothing of what she sends (she mentions herself).
    await send(app, ann, group, `@${ann.user.username} note to self`);
    await round(notifier);
    assert.equal((await receiver.received()).attempts, 0);

    // Unmuted, `all`: pushed. Then do-not-disturb: not.
    await setNotifyPref(kv, ben.user.id, direct, { level: "all", muted: false });
    await send(app, ann, direct, "first");
    await round(notifier);
    assert.deepEqual((await receiver.waitFor(1)).map((p) => p.payload.body), ["first"]);
    await setDnd(kv, ben.user.id, Date.now() + 60 * 60_000);
    await send(app, ann, direct, "during dnd");
    await round(notifier);
    await setDnd(kv, ben.user.id, null);

    // Read before the notifier looked (a visible tab showed it): not pushed.
    const read = await send(app, ann, direct, "seen at once");
    await markRead(kv, direct, { userId: ben.user.id, seq: read.seq });
    await round(notifier);
    // And one more to be sure the notifier ran past all of these.
    await send(app, ann, direct, "last");
    await round(notifier);
    const bodies = (await receiver.waitFor(2)).map((p) => p.payload.body);
    assert.deepEqual(bodies, ["first", "last"]);
    assert.equal((await receiver.received()).attempts, 2);
  });
});

Deno.test("a message newer than the grace waits; the notifier then pushes it", async () => {
  await withPush(async ({ app, receiver }) => {
    const { ann, ben } = await people(app);
    await subscribe(app, receiver, ben);
    const notifier = startNotifier(app.ctx, { start: false, graceMs: 60_000 });
    try {
      const direct = await createConversationVia(app, ann.cookie, [ben.user]);
      await send(app, ann, direct, "fresh");
      assert.equal(await notifier.runOnce(), 0);
      assert.equal(await notifier.runOnce(Date.now() + 61_000), 1);
      while (await notifier.push.runDue() > 0) { /* send */ }
      assert.equal((await receiver.waitFor(1))[0].payload.body, "fresh");
    } finally {
      await notifier.stop();
    }
  });
});

Deno.test("a push service answering 410 makes the subscription disappear", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const { ann, ben } = await people(app);
    await subscribe(app, receiver, ben);
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    await receiver.answer(410);
    await send(app, ann, direct, "gone?");
    await round(notifier);
    assert.equal((await receiver.received()).attempts, 1);
    const subs = await okJson(await app.fetch("/api/push/subscriptions", withCookie(ben.cookie)));
    assert.deepEqual(subs.subscriptions, []);
    const left = await Array.fromAsync(app.ctx.kv.list({ prefix: pushSubsPrefix(ben.user.id) }));
    assert.equal(left.length, 0);
    // Later messages queue nothing for him.
    await receiver.answer(null);
    await send(app, ann, direct, "after");
    assert.equal(await notifier.runOnce(), 0);
  });
});

Deno.test("a push service that is down or answers 503 gets the push once it is back", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const { ann, ben } = await people(app);
    await subscribe(app, receiver, ben);
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    await receiver.answer(503);
    await send(app, ann, direct, "retry me");
    await round(notifier);
    assert.equal((await receiver.received()).attempts, 1);
    // Still queued, later: the service is back.
    await receiver.answer(null);
    assert.equal(await notifier.push.runDue(Date.now() + 60_000), 1);
    assert.equal((await receiver.waitFor(1))[0].payload.body, "retry me");
  });
});

Deno.test("two notifiers on one store queue each push once", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const { ann, ben } = await people(app);
    await subscribe(app, receiver, ben);
    const other = startNotifier(app.ctx, { start: false, graceMs: 0 });
    try {
      const direct = await createConversationVia(app, ann.cookie, [ben.user]);
      for (let i = 0; i < 5; i++) await send(app, ann, direct, `m${i}`);
      const queued = await Promise.all([notifier.runOnce(), other.runOnce()]);
      assert.equal(queued[0] + queued[1], 5);
      await Promise.all([notifier.push.runDue(), other.push.runDue()]);
      const bodies = (await receiver.waitFor(5)).map((p) => p.payload.body).sort();
      assert.deepEqual(bodies, ["m0", "m1", "m2", "m3", "m4"]);
      assert.equal((await receiver.received()).attempts, 5);
    } finally {
      await other.stop();
    }
  });
});

Deno.test("a message for more pushes than one commit holds is split, each push queued once", async () => {
  await withPush(async ({ app, receiver }) => {
    const { ann, ben, cat } = await people(app);
    const dan = await registerUser(app, { displayName: "Dan" });
    for (const who of [ben, cat, dan]) {
      await subscribe(app, receiver, who);
      await subscribe(app, receiver, who);
    }
    // Room for one person's two pushes per commit: six commits for two messages.
    const notifier = startNotifier(app.ctx, { start: false, graceMs: 0, maxMutations: 5 });
    const spy = startNotifier(app.ctx, { start: false, graceMs: 0, maxMutations: 5 });
    try {
      const group = await createConversationVia(
        app,
        ann.cookie,
        [ben.user, cat.user, dan.user],
        "All",
      );
      const names = [ben, cat, dan].map((p) => `@${p.user.username}`).join(" ");
      await send(app, ann, group, `first ${names}`);
      await send(app, ann, group, `second ${names}`);
      // Two notifiers at once, as two processes: the cursor check keeps each push once.
      const queued = await Promise.all([notifier.runOnce(), spy.runOnce()]);
      assert.equal(queued[0] + queued[1], 12);
      while (await notifier.push.runDue() > 0) { /* send */ }
      const pushes = await receiver.waitFor(12);
      const seen = new Set(pushes.map((p) => `${p.sub} ${p.payload.body.split(" ")[0]}`));
      assert.equal(seen.size, 12);
      assert.equal((await receiver.received()).attempts, 12);
    } finally {
      await notifier.stop();
      await spy.stop();
    }
  });
});

Deno.test("429 with Retry-After: the push waits that long, then goes", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const { ann, ben } = await people(app);
    await subscribe(app, receiver, ben);
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    await receiver.answer(429, "120");
    await send(app, ann, direct, "slow down");
    const before = Date.now();
    await round(notifier);
    const [job] = await Array.fromAsync(
      app.ctx.kv.list<unknown>({ prefix: outboxQueuePrefix("push") }),
    );
    const due = Number(job.key[2]);
    assert.ok(
      due >= before + 119_000 && due <= Date.now() + 121_000,
      `due in ~120 s: ${due - before}`,
    );
    await receiver.answer(null);
    assert.equal(await notifier.push.runDue(Date.now() + 60_000), 0); // not yet
    assert.equal(await notifier.push.runDue(Date.now() + 121_000), 1);
    assert.equal((await receiver.waitFor(1))[0].payload.body, "slow down");
  });
});

Deno.test("retryAfter reads seconds and HTTP dates, caps them, ignores junk", () => {
  const h = (v: string) => new Headers({ "retry-after": v });
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(retryAfter(h("30"), now), 30_000);
  assert.equal(retryAfter(h("Thu, 01 Jan 2026 00:01:00 GMT"), now), 60_000);
  assert.equal(retryAfter(h("999999"), now), 60 * 60_000);
  assert.equal(retryAfter(h("soon"), now), undefined);
  assert.equal(retryAfter(new Headers(), now), undefined);
});

Deno.test("with NOTIFIER=1 the test app's notifier runs by itself", async () => {
  const receiver = await startPushReceiver();
  try {
    await withApp(async (app) => {
      const { ann, ben } = await people(app);
      await subscribe(app, receiver, ben);
      const direct = await createConversationVia(app, ann.cookie, [ben.user]);
      await send(app, ann, direct, "on its own");
      assert.equal((await receiver.waitFor(1))[0].payload.body, "on its own");
    }, { PUSH_ALLOW_PRIVATE: "1", NOTIFIER: "1" });
  } finally {
    await receiver.stop();
  }
});

Deno.test("the test push service takes what the web-push library (written apart) makes too", async () => {
  // The receiver checks our sender; this checks the receiver against another sender.
  const receiver = await startPushReceiver();
  try {
    const vapid = webpush.generateVAPIDKeys();
    await receiver.expectKey(vapid.publicKey);
    const sub = await receiver.subscribe();
    const payload = { title: "T", body: "from web-push", url: "/conversations/x", tag: "conv-x" };
    const req = webpush.generateRequestDetails(sub, JSON.stringify(payload), {
      vapidDetails: { subject: "mailto:test@example.com", ...vapid },
      TTL: 60,
      contentEncoding: "aes128gcm",
    });
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) headers.set(k, String(v));
    const res = await fetch(req.endpoint, {
      method: "POST",
      headers,
      body: new Uint8Array(req.body as Uint8Array),
    });
    assert.equal(res.status, 201, await res.text());
    assert.deepEqual((await receiver.waitFor(1))[0].payload, payload);
  } finally {
    await receiver.stop();
  }
});

Deno.test("a deleted conversation's marker and cursor go, and nothing is pushed for it", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const { ann, ben, cat } = await people(app);
    await subscribe(app, receiver, ben);
    const group = await createConversationVia(app, ann.cookie, [ben.user, cat.user], "Gone");
    await send(app, ann, group, `@${ben.user.username} one`);
    await round(notifier);
    await receiver.waitFor(1);
    await send(app, ann, group, `@${ben.user.username} two`);
    await deleteConversation(app.ctx.kv, group);
    assert.equal(await notifier.runOnce(), 0);
    const kv = app.ctx.kv;
    assert.equal((await kv.get(notifyPendingKey(group))).versionstamp, null);
    assert.equal((await kv.get(notifyCursorKey(group))).versionstamp, null);
    assert.equal((await receiver.received()).attempts, 1);
  });
});

Deno.test("a conversation still within its grace does not keep the ones after it waiting", async () => {
  await withPush(async ({ app, receiver }) => {
    const { ann, ben, cat } = await people(app);
    await subscribe(app, receiver, ben);
    const dan = await registerUser(app, { displayName: "Dan" });
    // Made in this order, their ids sort so: the first is looked at first.
    const first = await createConversationVia(app, ann.cookie, [ben.user]);
    const second = await createConversationVia(app, cat.cookie, [ben.user]);
    const third = await createConversationVia(app, dan.cookie, [ben.user]);
    assert.ok(first < second && second < third);
    await send(app, cat, second, "from cat");
    await send(app, dan, third, "from dan");
    await new Promise((r) => setTimeout(r, 2000));
    await send(app, ann, first, "from ann, still fresh");
    // One conversation per round; the grace covers Ann's message only.
    const notifier = startNotifier(app.ctx, { start: false, graceMs: 10_000, pendingBatch: 1 });
    try {
      const now = Date.now() + 8_500;
      for (let i = 0; i < 3; i++) await notifier.runOnce(now);
      while (await notifier.push.runDue() > 0) { /* send */ }
      const bodies = (await receiver.waitFor(2)).map((p) => p.payload.body);
      assert.ok(bodies.includes("from cat") && bodies.includes("from dan"), bodies.join());
    } finally {
      await notifier.stop();
    }
  });
});

Deno.test("system messages and messages over an hour old are not pushed", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const { ann, ben, cat } = await people(app);
    await subscribe(app, receiver, ben);
    const group = await createConversationVia(app, ann.cookie, [ben.user], "Sys");
    await setNotifyPref(app.ctx.kv, ben.user.id, group, { level: "all", muted: false });
    // Cat added and the group renamed: system messages (they name Ben's group, not him).
    const added = await app.fetch(
      `/api/conversations/${group}/members`,
      json("POST", { usernames: [cat.user.username] }, ann.cookie),
    );
    assert.ok(added.status < 300, await added.text());
    const renamed = await app.fetch(
      `/api/conversations/${group}`,
      json("PATCH", { title: "New" }, ann.cookie),
    );
    assert.ok(renamed.status < 300, await renamed.text());
    await round(notifier);
    assert.equal((await receiver.received()).attempts, 0);
    // A message the notifier first sees an hour later (the server was down): not pushed.
    await send(app, ann, group, "stale");
    assert.equal(await notifier.runOnce(Date.now() + 61 * 60_000), 0);
    await send(app, ann, group, "fresh");
    await round(notifier);
    assert.deepEqual((await receiver.waitFor(1)).map((p) => p.payload.body), ["fresh"]);
    assert.equal((await receiver.received()).attempts, 1);
  });
});
