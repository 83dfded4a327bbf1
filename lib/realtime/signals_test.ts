import assert from "node:assert/strict";
import type { User } from "../accounts/mod.ts";
import { type BusSignal, SignalBus, type SignalEnvelope } from "./signals.ts";

const ann: User = { id: "ann", username: "ann", displayName: "Ann" };

/** Two buses on one store; `a`'s posts reach `b` over a channel that drops what `lose` says. */
function pair(kv: Deno.Kv, lose: (e: SignalEnvelope) => boolean) {
  const heard: BusSignal[] = [];
  let b: SignalBus | null = null;
  const a = new SignalBus(kv, {
    pollMs: 20,
    post: (envelopes) => b?.heard(envelopes.filter((e) => !lose(e))),
    onSignal: () => {},
  });
  b = new SignalBus(kv, { pollMs: 20, post: () => {}, onSignal: (s) => heard.push(s) });
  return { a, b, heard, close: () => (a.close(), b!.close()) };
}

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), what);
}

Deno.test("SignalBus: each signal is handled once, whether the doorbell, the store or both bring it", async () => {
  const kv = await Deno.openKv(":memory:");
  // Every other doorbell is lost: those come through the store only.
  const bus = pair(kv, (e) => e.seq % 2 === 0);
  try {
    // Wait until each has seen the other registered (else nothing is written).
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 1; i <= 10; i++) {
      bus.a.publish({ kind: "typing", conversationId: `c${i}`, user: ann });
    }
    await until(() => bus.heard.length >= 10, `heard ${bus.heard.length} of 10`);
    await new Promise((r) => setTimeout(r, 100)); // a few more polls: nothing twice
    const ids = bus.heard.map((s) => s.kind === "typing" ? s.conversationId : "?");
    assert.deepEqual(ids.toSorted(), Array.from({ length: 10 }, (_, i) => `c${i + 1}`).toSorted());
  } finally {
    bus.close();
    await new Promise((r) => setTimeout(r, 30));
    kv.close();
  }
});
