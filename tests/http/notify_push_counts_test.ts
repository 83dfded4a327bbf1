/**
 * The notifier reads each person's count of push subscriptions (lib/notify/push.ts) instead
 * of listing everyone's subscriptions: a subscription added is pushed to from the next
 * round, one removed is not; an untitled group's push still names its people when only one
 * of them can be pushed; a store from before the counts is recounted before the first round.
 * A real push service process (push_receiver.ts) takes the pushes.
 */
import assert from "node:assert/strict";
import {
  createConversationVia,
  json,
  okJson,
  registerUser,
  withCookie,
} from "../support/helpers.ts";
import { round, send, subscribe, withPush } from "../support/push_fixture.ts";
import {
  endpointHash,
  PUSH_COUNTS_MIGRATION,
  pushSubscriptionCounts,
  startNotifier,
} from "../../lib/notify/mod.ts";
import { migrationKey, pushEndpointKey, pushSubKey } from "../../lib/storage/mod.ts";

Deno.test("a subscription added is pushed to from the next round; one removed is not", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const ann = await registerUser(app, { displayName: "Ann Archer" });
    const ben = await registerUser(app, { displayName: "Ben Baker" });
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    await send(app, ann, direct, "before");
    await round(notifier); // nobody can be pushed: the notifier moves past it
    assert.equal((await receiver.received()).attempts, 0);
    const sub = await subscribe(app, receiver, ben);
    await send(app, ann, direct, "after subscribing");
    await round(notifier);
    assert.deepEqual((await receiver.waitFor(1)).map((p) => p.payload.body), ["after subscribing"]);
    const removed = await app.fetch(
      "/api/push/subscriptions",
      json("DELETE", { endpoint: sub.endpoint }, ben.cookie),
    );
    assert.equal(removed.status, 204);
    assert.deepEqual(await pushSubscriptionCounts(app.ctx.kv, [ben.user.id]), [0]);
    await send(app, ann, direct, "after leaving");
    assert.equal(await notifier.runOnce(), 0);
    // Subscribed again: pushed again.
    await subscribe(app, receiver, ben);
    await send(app, ann, direct, "back");
    await round(notifier);
    assert.deepEqual((await receiver.waitFor(2)).map((p) => p.payload.body), [
      "after subscribing",
      "back",
    ]);
  });
});

Deno.test("an untitled group's push names its people though only one of them is subscribed", async () => {
  await withPush(async ({ app, receiver, notifier }) => {
    const ann = await registerUser(app, { displayName: "Ann Archer" });
    const ben = await registerUser(app, { displayName: "Ben Baker" });
    const cat = await registerUser(app, { displayName: "Cat Cole" });
    await subscribe(app, receiver, ben);
    const group = await createConversationVia(app, ann.cookie, [ben.user, cat.user]);
    await send(app, ann, group, `@${ben.user.username} hello`);
    await round(notifier);
    const [push] = await receiver.waitFor(1);
    const title = push.payload.title as string;
    assert.ok(title.startsWith("Ann Archer in "), title);
    assert.ok(title.includes("Ben Baker") && title.includes("Cat Cole"), title);
  });
});

Deno.test("a store from before the counts: the notifier recounts it, then pushes", async () => {
  await withPush(async ({ app, receiver }) => {
    const ann = await registerUser(app, { displayName: "Ann Archer" });
    const ben = await registerUser(app, { displayName: "Ben Baker" });
    const kv = app.ctx.kv;
    // Ben's subscription as an older server stored it: no count, and no marker.
    const { publicKey } = await okJson(await app.fetch("/api/push/key", withCookie(ben.cookie)));
    await receiver.expectKey(publicKey);
    const s = await receiver.subscribe();
    const hash = await endpointHash(s.endpoint);
    await kv.atomic()
      .set(pushSubKey(ben.user.id, hash), {
        endpoint: new URL(s.endpoint).href,
        p256dh: s.keys.p256dh,
        auth: s.keys.auth,
        createdAt: new Date().toISOString(),
      })
      .set(pushEndpointKey(hash), ben.user.id)
      .delete(migrationKey(PUSH_COUNTS_MIGRATION))
      .commit();
    assert.deepEqual(await pushSubscriptionCounts(kv, [ben.user.id]), [0]);
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    await send(app, ann, direct, "to an old store");
    // A notifier started on it (as after an upgrade) recounts before its first round.
    const fresh = startNotifier(app.ctx, { start: false, graceMs: 0 });
    try {
      await round(fresh);
      assert.deepEqual((await receiver.waitFor(1)).map((p) => p.payload.body), ["to an old store"]);
      assert.deepEqual(await pushSubscriptionCounts(kv, [ben.user.id]), [1]);
      assert.notEqual((await kv.get(migrationKey(PUSH_COUNTS_MIGRATION))).value, null);
    } finally {
      await fresh.stop();
    }
  });
});
