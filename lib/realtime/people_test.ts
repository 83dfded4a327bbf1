import assert from "node:assert/strict";
import { onlineKey } from "../storage/mod.ts";
import { type Connection, Connections } from "./connection.ts";
import { People } from "./people.ts";
import type { SignalBus } from "./signals.ts";
import { connect, until, withRoom } from "./test_fixtures.ts";

Deno.test("People: a watch_people handled after its socket closed leaves no watcher behind", async () => {
  await withRoom(async ({ hub, people: { ann, ben } }) => {
    // A frame queued behind a slow one runs after the socket's close was handled.
    const a = connect(hub, ann);
    a.close(1000, "gone");
    await hub.watchPeople(a, [ben.id]);
    // A live watcher of Ben, to know when his coming online has been told.
    const c = connect(hub, ann);
    await hub.watchPeople(c, [ben.id]);
    connect(hub, ben);
    await until(
      () => c.framesOf("people").some((f) => f.people.some((p) => p.state === "active")),
      "the live socket heard Ben come online",
    );
    assert.deepEqual(a.frames, [], "the closed socket is told nothing (it is not kept)");
  });
});

Deno.test("People: the other hubs hear of a change once its entry is written, not before", async () => {
  // A hub that starts watching the person on hearing reads the entry: were it told first,
  // it could read the state before the change and keep it until the next refresh (30 s).
  const kv = await Deno.openKv(":memory:");
  try {
    const conns = new Connections();
    const told: { state: string; written: Promise<boolean> }[] = [];
    const signals = {
      hubId: "hub-1",
      publish(signal: { kind: string; userId: string; state: string }) {
        const written = kv.get(onlineKey(signal.userId, "hub-1")).then((e) => e.value !== null);
        told.push({ state: signal.state, written });
      },
    } as unknown as SignalBus;
    const people = new People(kv, conns, signals);
    const conn = { user: { id: "ann" }, away: false } as unknown as Connection;
    people.change("ann", () => conns.add(conn));
    assert.equal(told.length, 0, "told before its entry was written");
    await people.flush();
    assert.deepEqual(told.map((t) => t.state), ["active"]);
    assert.equal(await told[0].written, true, "the entry is there when the hubs hear");
    people.close();
  } finally {
    kv.close();
  }
});

Deno.test("People: a change made while the last one's entry is being written is told too", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const conns = new Connections();
    const conn = { user: { id: "ann" }, away: false } as unknown as Connection & { away: boolean };
    const told: { state: string; written: Promise<unknown> }[] = [];
    const signals = {
      hubId: "hub-1",
      publish(signal: { userId: string; state: string }) {
        const written = kv.get<{ away: boolean }>(onlineKey(signal.userId, "hub-1"))
          .then((e) => e.value?.away ?? null);
        told.push({ state: signal.state, written });
      },
    } as unknown as SignalBus;
    // The first commit's hook: Ann's tab goes away while her "active" entry is being written.
    let during: (() => void) | undefined;
    const store = {
      list: kv.list.bind(kv),
      atomic() {
        const op = kv.atomic();
        const commit = op.commit.bind(op);
        op.commit = () => {
          const run = during;
          during = undefined;
          run?.();
          return commit();
        };
        return op;
      },
    } as unknown as Deno.Kv;
    const people = new People(store, conns, signals);
    during = () => people.change("ann", () => (conn.away = true));
    people.change("ann", () => conns.add(conn));
    await people.flush();
    assert.deepEqual(told.map((t) => t.state), ["active", "away"]);
    assert.equal(await told[1].written, true, "the away entry is there when the hubs hear");
    people.close();
  } finally {
    kv.close();
  }
});
