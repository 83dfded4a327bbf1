/**
 * Each person's count of push subscriptions (push.ts) follows every commit that adds or
 * removes one, at once, including another account taking a browser's endpoint, eviction
 * beyond the limit and saves racing each other; a store from before the count is recounted
 * (push_counts.ts), once.
 */
import assert from "node:assert/strict";
import { migrationKey, pushEndpointKey, pushSubKey } from "../storage/mod.ts";
import {
  deleteAllPushSubscriptions,
  deleteSubscription,
  endpointHash,
  forgetSessionSubscriptions,
  listSubscriptions,
  MAX_PUSH_SUBSCRIPTIONS,
  pushSubscriptionCounts,
  type PushSubscriptionRecord,
  saveSubscription,
} from "./push.ts";
import {
  ensurePushCounts,
  PUSH_COUNTS_MIGRATION,
  recountPushSubscriptions,
} from "./push_counts.ts";

let n = 0;
function sub(sessionId?: string): PushSubscriptionRecord {
  n++;
  return {
    endpoint: `https://push.example/${n}`,
    p256dh: "p",
    auth: "a",
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    ...(sessionId ? { sessionId } : {}),
  };
}

async function withKv(fn: (kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

/** The counts, and that each is what a list of the person's subscriptions says. */
async function counts(kv: Deno.Kv, ...userIds: string[]) {
  const got = await pushSubscriptionCounts(kv, userIds);
  for (const [i, u] of userIds.entries()) {
    assert.equal(got[i], (await listSubscriptions(kv, u)).length, `${u}'s count`);
  }
  return got;
}

Deno.test("a person's count follows each subscription added and removed, at once", async () => {
  await withKv(async (kv) => {
    assert.deepEqual(await counts(kv, "ann", "ben"), [0, 0]);
    const one = sub("s1");
    const two = sub("s2");
    await saveSubscription(kv, "ann", one);
    assert.deepEqual(await counts(kv, "ann", "ben"), [1, 0]);
    await saveSubscription(kv, "ann", two);
    await saveSubscription(kv, "ann", { ...one, auth: "b" }); // the same endpoint, new keys
    assert.deepEqual(await counts(kv, "ann"), [2]);
    await deleteSubscription(kv, "ann", one.endpoint);
    assert.deepEqual(await counts(kv, "ann"), [1]);
    await deleteSubscription(kv, "ann", one.endpoint); // none there: nothing moves
    assert.deepEqual(await counts(kv, "ann"), [1]);
    await forgetSessionSubscriptions(kv, "ann", ["s2"]);
    assert.deepEqual(await counts(kv, "ann"), [0]);
    await saveSubscription(kv, "ann", sub());
    await saveSubscription(kv, "ann", sub());
    await deleteAllPushSubscriptions(kv, "ann");
    assert.deepEqual(await counts(kv, "ann"), [0]);
  });
});

Deno.test("the endpoint taken by another account moves one from their count to the taker's", async () => {
  await withKv(async (kv) => {
    const shared = sub();
    await saveSubscription(kv, "ann", shared);
    await saveSubscription(kv, "ann", sub());
    await saveSubscription(kv, "ben", shared);
    assert.deepEqual(await counts(kv, "ann", "ben"), [1, 1]);
    assert.equal((await kv.get(pushEndpointKey(await endpointHash(shared.endpoint)))).value, "ben");
  });
});

Deno.test("beyond the limit the oldest goes and the count stays at the limit", async () => {
  await withKv(async (kv) => {
    for (let i = 0; i < MAX_PUSH_SUBSCRIPTIONS + 3; i++) await saveSubscription(kv, "ann", sub());
    assert.deepEqual(await counts(kv, "ann"), [MAX_PUSH_SUBSCRIPTIONS]);
  });
});

Deno.test("saves and removals racing each other leave the exact count", async () => {
  await withKv(async (kv) => {
    const subs = Array.from({ length: 6 }, () => sub());
    await Promise.all(subs.map((s) => saveSubscription(kv, "ann", s)));
    assert.deepEqual(await counts(kv, "ann"), [6]);
    await Promise.all([
      ...subs.slice(0, 3).map((s) => deleteSubscription(kv, "ann", s.endpoint)),
      saveSubscription(kv, "ann", sub()),
      saveSubscription(kv, "ben", subs[5]),
    ]);
    assert.deepEqual(await counts(kv, "ann", "ben"), [3, 1]);
  });
});

Deno.test("a store from before the counts is recounted once; a stale count is put right", async () => {
  await withKv(async (kv) => {
    // As an older server wrote them: the subscriptions and their holders, no count.
    for (const [user, k] of [["ann", 2], ["ben", 1]] as const) {
      for (let i = 0; i < k; i++) {
        const s = sub();
        const hash = await endpointHash(s.endpoint);
        await kv.atomic().set(pushSubKey(user, hash), s).set(pushEndpointKey(hash), user).commit();
      }
    }
    assert.deepEqual(await pushSubscriptionCounts(kv, ["ann", "ben"]), [0, 0]);
    assert.equal(await ensurePushCounts(kv), true);
    assert.deepEqual(await counts(kv, "ann", "ben", "cat"), [2, 1, 0]);
    assert.notEqual((await kv.get(migrationKey(PUSH_COUNTS_MIGRATION))).value, null);
    assert.equal(await ensurePushCounts(kv), false, "the marker: once a store");
    // A count whose subscriptions went behind its back (an old server): the recount fixes it.
    for (const s of await listSubscriptions(kv, "ben")) await kv.delete(pushSubKey("ben", s.hash));
    assert.deepEqual(await recountPushSubscriptions(kv), { changed: 1 });
    assert.deepEqual(await counts(kv, "ann", "ben"), [2, 0]);
    assert.deepEqual(await recountPushSubscriptions(kv), { changed: 0 });
  });
});
