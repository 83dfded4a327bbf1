import assert from "node:assert/strict";
import type { Doorbell, DoorbellChannel } from "./doorbells.ts";
import { connect, seqsOf, until, withRoom } from "./test_fixtures.ts";

/**
 * Doorbell channels between hubs in one test, like BroadcastChannels of one name: what one
 * posts reaches the others' listeners (not its own), later, unless `lose()` says to drop it.
 */
function doorbellBus(lose: (bell: Doorbell) => boolean = () => false) {
  const listeners = new Set<{ onBell(bell: Doorbell): void }>();
  return (): DoorbellChannel => {
    const me = { onBell: (_bell: Doorbell) => {} };
    listeners.add(me);
    return {
      post(bell) {
        if (lose(bell)) return;
        const copy = structuredClone(bell);
        for (const other of listeners) {
          if (other !== me) setTimeout(() => other.onBell(copy), 0);
        }
      },
      listen: (onBell) => void (me.onBell = onBell),
      close: () => void listeners.delete(me),
    };
  };
}

Deno.test("Doorbells: a message sent on one hub reaches a socket on another by its doorbell alone", async () => {
  await withRoom(async ({ open, people: { ann, ben }, conversationId }) => {
    const channel = doorbellBus();
    const one = open({ doorbells: channel() });
    const two = open({ doorbells: channel() });
    const b = connect(two, ben);
    await two.join(b, conversationId);
    await one.send(ann, { conversationId, content: "hello" });
    await until(() => seqsOf(b).length === 1, "ben got it through the doorbell");
    await one.typing(connect(one, ann), conversationId);
    await until(() => b.framesOf("typing").length === 1, "ben saw ann typing");
  });
});

Deno.test("Doorbells: with every doorbell lost and no head poll, the other hub hears nothing", async () => {
  await withRoom(async ({ open, people: { ann, ben }, conversationId }) => {
    const channel = doorbellBus(() => true);
    const one = open({ doorbells: channel() });
    const two = open({ doorbells: channel() });
    const b = connect(two, ben);
    await two.join(b, conversationId);
    await one.send(ann, { conversationId, content: "lost" });
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(seqsOf(b), []);
  });
});

Deno.test("Doorbells: a lost doorbell only delays: the next one reads the whole gap, in order", async () => {
  await withRoom(async ({ open, people: { ann, ben }, conversationId }) => {
    let losing = true;
    const channel = doorbellBus((bell) => bell.kind === "message" && losing);
    const one = open({ doorbells: channel() });
    const two = open({ doorbells: channel() });
    const b = connect(two, ben);
    await two.join(b, conversationId);
    for (const i of [1, 2, 3, 4]) await one.send(ann, { conversationId, content: `m${i}` });
    losing = false;
    await one.send(ann, { conversationId, content: "m5" });
    await until(() => seqsOf(b).length === 5, "ben has all five");
    assert.deepEqual(seqsOf(b), [1, 2, 3, 4, 5]);
  });
});

Deno.test("Doorbells: with every doorbell lost, the head poll still delivers each message once, in order", async () => {
  await withRoom(async ({ open, people: { ann, ben }, conversationId }) => {
    const channel = doorbellBus(() => true);
    const one = open({ doorbells: channel() });
    const two = open({ doorbells: channel(), pollMs: 20 });
    const b = connect(two, ben);
    await two.join(b, conversationId);
    await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) => one.send(ann, { conversationId, content: `m${i}` })),
    );
    await until(() => seqsOf(b).length === 6, "ben has all six");
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(seqsOf(b), [1, 2, 3, 4, 5, 6]);
  });
});
