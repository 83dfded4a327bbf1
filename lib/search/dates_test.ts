import assert from "node:assert/strict";
import { createConversation } from "../conversations/mod.ts";
import { createUser } from "../accounts/mod.ts";
import { commitMessages } from "../messages/mod.ts";
import { headKey, messageKey } from "../storage/mod.ts";
import { seqRange } from "./dates.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

/**
 * A conversation whose message `seq` was created at `times[seq - 1]` (ms), written straight
 * to the keys seqRange reads (the head's seq, each message's createdAt).
 */
async function stored(kv: Deno.Kv, id: string, times: number[]): Promise<void> {
  for (let i = 0; i < times.length; i += 500) {
    const op = kv.atomic();
    for (let j = i; j < Math.min(times.length, i + 500); j++) {
      const seq = j + 1;
      op.set(messageKey(id, seq), {
        id: `${id}.${seq}`,
        conversationId: id,
        seq,
        authorId: "u",
        content: "",
        clientId: null,
        createdAt: new Date(times[j]).toISOString(),
      });
    }
    await op.commit();
  }
  await kv.set(headKey(id), { seq: times.length, updatedAt: "", lastMessage: null });
}

/** A KV whose reads (get, getMany, list) are counted. */
function counting(kv: Deno.Kv): { kv: Deno.Kv; reads: () => number } {
  let n = 0;
  const proxy = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "get" || prop === "getMany" || prop === "list") {
        return (...args: unknown[]) => (n++, value.apply(target, args));
      }
      return value.bind(target);
    },
  });
  return { kv: proxy, reads: () => n };
}

Deno.test("seqRange: both bounds exclusive, to the millisecond, days and edges", async () => {
  using kv = await Deno.openKv(":memory:");
  // One message a day at noon for ten days: seq k on day k - 1.
  await stored(kv, "c", Array.from({ length: 10 }, (_, i) => T0 + i * DAY + DAY / 2));
  const day = (k: number) => T0 + k * DAY;
  assert.deepEqual(await seqRange(kv, "c", {}), { from: 1, to: 10 }, "no bounds: everything");
  assert.deepEqual(await seqRange(kv, "c", { after: day(3) }), { from: 4, to: 10 });
  assert.deepEqual(await seqRange(kv, "c", { before: day(3) }), { from: 1, to: 3 });
  assert.deepEqual(await seqRange(kv, "c", { after: day(2), before: day(5) }), { from: 3, to: 5 });
  // Exclusive: a message exactly at a bound is outside it.
  const noon4 = day(4) + DAY / 2;
  assert.deepEqual(await seqRange(kv, "c", { after: noon4 }), { from: 6, to: 10 });
  assert.deepEqual(await seqRange(kv, "c", { before: noon4 }), { from: 1, to: 4 });
  assert.deepEqual(await seqRange(kv, "c", { after: noon4 - 1, before: noon4 + 1 }), {
    from: 5,
    to: 5,
  });
  assert.equal(await seqRange(kv, "c", { after: noon4 - 1, before: noon4 }), null);
  // Ranges that hold nothing: between two messages, before the first, after the last, reversed.
  assert.equal(
    await seqRange(kv, "c", { after: day(4) + DAY / 2, before: day(5) + DAY / 2 }),
    null,
  );
  assert.equal(await seqRange(kv, "c", { before: day(0) }), null);
  assert.equal(await seqRange(kv, "c", { before: day(0) + DAY / 2 }), null, "the first's own ms");
  assert.equal(await seqRange(kv, "c", { after: day(10) }), null);
  assert.equal(await seqRange(kv, "c", { after: day(9) + DAY / 2 }), null, "the last's own ms");
  assert.equal(await seqRange(kv, "c", { after: day(6), before: day(2) }), null);
  // Around the first and last: each alone.
  assert.deepEqual(await seqRange(kv, "c", { before: day(1) }), { from: 1, to: 1 });
  assert.deepEqual(await seqRange(kv, "c", { after: day(9) }), { from: 10, to: 10 });
});

Deno.test("seqRange: many messages in the same millisecond stay together", async () => {
  using kv = await Deno.openKv(":memory:");
  // 3 at T0, 4 at T0 + 1, 3 at T0 + 2.
  await stored(kv, "c", [0, 0, 0, 1, 1, 1, 1, 2, 2, 2].map((d) => T0 + d));
  assert.deepEqual(await seqRange(kv, "c", { after: T0, before: T0 + 2 }), { from: 4, to: 7 });
  assert.deepEqual(await seqRange(kv, "c", { after: T0 }), { from: 4, to: 10 });
  assert.deepEqual(await seqRange(kv, "c", { before: T0 + 1 }), { from: 1, to: 3 });
  assert.deepEqual(await seqRange(kv, "c", { after: T0 - 1, before: T0 + 3 }), { from: 1, to: 10 });
});

Deno.test("seqRange: no messages, no conversation, one message", async () => {
  using kv = await Deno.openKv(":memory:");
  assert.equal(await seqRange(kv, "nowhere", {}), null, "no head");
  await kv.set(headKey("empty"), { seq: 0, updatedAt: "", lastMessage: null });
  assert.equal(await seqRange(kv, "empty", { after: T0 }), null, "a head without messages");
  await stored(kv, "one", [T0]);
  assert.deepEqual(await seqRange(kv, "one", { after: T0 - 1 }), { from: 1, to: 1 });
  assert.equal(await seqRange(kv, "one", { after: T0 }), null);
  assert.equal(await seqRange(kv, "one", { before: T0 }), null);
});

Deno.test("seqRange: O(log n) reads, however old or narrow the range", async () => {
  using store = await Deno.openKv(":memory:");
  const n = 20_000;
  // A message a minute.
  await stored(store, "c", Array.from({ length: n }, (_, i) => T0 + i * 60_000));
  const most = 2 * Math.ceil(Math.log2(n + 1)) + 1;
  for (const [seqA, seqB] of [[1, 2], [5_000, 5_010], [19_990, 20_000], [1, 20_000]]) {
    const { kv, reads } = counting(store);
    // Bounds a second before seqA's message and a second after seqB's.
    const range = await seqRange(kv, "c", {
      after: T0 + (seqA - 1) * 60_000 - 1000,
      before: T0 + (seqB - 1) * 60_000 + 1000,
    });
    assert.deepEqual(range, { from: seqA, to: seqB });
    assert.ok(reads() <= most, `${reads()} reads for ${seqA}..${seqB}: at most ${most}`);
  }
});

Deno.test("seqRange on messages sent the ordinary way (their own createdAt)", async () => {
  using kv = await Deno.openKv(":memory:");
  const [ann, ben] = await Promise.all(
    ["ann", "ben"].map((username) =>
      createUser(kv, { username, password: "correct horse battery" })
    ),
  );
  const { conversation } = await createConversation(kv, ann, { others: [ben] });
  const id = conversation.id;
  await commitMessages(
    kv,
    [1, 2, 3].map((i) => ({ author: ann, conversationId: id, content: `m${i}` })),
  );
  const between = Date.now();
  await new Promise((r) => setTimeout(r, 5));
  await commitMessages(
    kv,
    [4, 5].map((i) => ({ author: ann, conversationId: id, content: `m${i}` })),
  );
  const head = (await kv.get<{ seq: number }>(headKey(id))).value!.seq;
  const range = await seqRange(kv, id, { after: between });
  assert.deepEqual(range, { from: head - 1, to: head }, "the two sent after the moment");
  const before = await seqRange(kv, id, { before: between + 1 });
  assert.equal(before?.to, head - 2);
});
