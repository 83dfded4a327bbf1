import assert from "node:assert/strict";
import { type Doorbell, type DoorbellChannel, Doorbells } from "./doorbells.ts";
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
        // A batch (one turn's bells) loses its bells one by one, as if posted apart.
        const kept = (bell.kind === "batch" ? bell.bells : [bell]).filter((b) => !lose(b));
        if (kept.length === 0) return;
        const copy: Doorbell = structuredClone(
          kept.length === 1 ? kept[0] : { kind: "batch" as const, bells: kept },
        );
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

Deno.test("Doorbells: one turn's bells go as one post; a hub alone goes quiet until another says hello", async () => {
  const posts: Doorbell[] = [];
  const heardByTwo: Doorbell[] = [];
  const bus = doorbellBus();
  const counted = (channel: DoorbellChannel): DoorbellChannel => ({
    ...channel,
    post: (bell) => {
      posts.push(bell);
      channel.post(bell);
    },
  });
  const one = new Doorbells(counted(bus()), () => {}, 30);
  let two: Doorbells | undefined;
  try {
    // Just started: it posts (a worker beside it may not have said hello yet).
    one.ring({ kind: "read", userId: "u", conversationId: "c", seq: 1 });
    one.ringMessage("c", 1);
    one.ringMessage("c", 2);
    one.ring({ kind: "evict", conversationId: "c", userId: "u" });
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(posts.filter((b) => b.kind !== "hello"), [{
      kind: "batch",
      bells: [
        { kind: "read", userId: "u", conversationId: "c", seq: 1 },
        { kind: "evict", conversationId: "c", userId: "u" },
        { kind: "message", conversationId: "c", seq: 2 },
      ],
    }]);
    // Nobody answered its hello: quiet (hellos only).
    await until(() => !one.posting, "one went quiet");
    posts.length = 0;
    one.ringMessage("c", 3);
    one.ring({ kind: "presence", conversationId: "c" });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(posts.filter((b) => b.kind !== "hello"), []);
    // A hub starts beside it: its hello wakes the first one, which answers "here".
    two = new Doorbells(bus(), (bell) => heardByTwo.push(bell), 30);
    await until(() => one.posting && two!.posting, "both hear each other");
    one.ringMessage("c", 4);
    await until(() => heardByTwo.length === 1, "two heard the message");
    assert.deepEqual(heardByTwo, [{ kind: "message", conversationId: "c", seq: 4 }]);
  } finally {
    one.close();
    two?.close();
  }
});
