import assert from "node:assert/strict";
import { connect, until, withRoom } from "./test_fixtures.ts";

const ids = (users: { id: string }[]) => users.map((u) => u.id).sort();

Deno.test("Hub presence: the room hears who joined and left, with everyone online", async () => {
  await withRoom(async ({ hub, people: { ann, ben }, conversationId }) => {
    const a = connect(hub, ann);
    const b = connect(hub, ben);
    await hub.join(a, conversationId);
    await hub.join(b, conversationId);
    const joined = a.framesOf("status").at(-1)!;
    assert.equal(joined.event, "joined");
    assert.equal(joined.user.id, ben.id);
    assert.deepEqual(ids(joined.online), ids([ann, ben]));
    assert.deepEqual(ids(b.framesOf("status").at(-1)!.online), ids([ann, ben]), "ben's own");

    // A second socket of Ben's changes nothing for Ann; closing the last one does.
    const b2 = connect(hub, ben);
    await hub.join(b2, conversationId);
    const before = a.framesOf("status").length;
    hub.disconnect(b);
    assert.equal(a.framesOf("status").length, before, "ben is still here on his other socket");
    hub.disconnect(b2);
    const left = a.framesOf("status").at(-1)!;
    assert.deepEqual([left.event, left.user.id, ids(left.online)], ["left", ben.id, [ann.id]]);
  });
});

Deno.test("Hub presence: someone is away only when every socket of theirs in the room is", async () => {
  await withRoom(async ({ hub, people: { ann, ben }, conversationId }) => {
    const [a1, a2, b] = [connect(hub, ann), connect(hub, ann), connect(hub, ben)];
    for (const conn of [a1, a2, b]) await hub.join(conn, conversationId);
    hub.setPresence(a1, true);
    assert.deepEqual(b.framesOf("presence"), [], "ann still looks on her other tab");
    hub.setPresence(a2, true);
    assert.deepEqual(
      b.framesOf("presence").map((f) => [f.user.id, f.state, f.away]),
      [[ann.id, "away", [ann.id]]],
    );
    hub.setPresence(a1, false);
    assert.deepEqual(b.framesOf("presence").at(-1)!.state, "active");
    assert.deepEqual(b.framesOf("presence").at(-1)!.away, []);
  });
});

Deno.test("Hub presence: two hubs on one store (no doorbells) see each other's people, away and gone", async () => {
  await withRoom(async ({ open, people: { ann, ben }, conversationId }) => {
    const one = open({ pollMs: 20 });
    const two = open({ pollMs: 20 });
    const a = connect(one, ann);
    await one.join(a, conversationId);
    const b = connect(two, ben);
    await two.join(b, conversationId);

    await until(
      () => a.framesOf("status").some((f) => f.event === "joined" && f.user.id === ben.id),
      "ann's hub saw ben arrive on the other",
    );
    await until(() => ids(two.online(conversationId)).length === 2, "ben's hub sees ann");
    assert.deepEqual(ids(one.online(conversationId)), ids([ann, ben]));

    two.setPresence(b, true);
    await until(() => a.framesOf("presence").length > 0, "ann heard ben went away");
    assert.deepEqual(a.framesOf("presence")[0].away, [ben.id]);

    await two.shutdown();
    await until(
      () => a.framesOf("status").some((f) => f.event === "left" && f.user.id === ben.id),
      "ann heard ben left when his hub shut down",
    );
    assert.deepEqual(ids(one.online(conversationId)), [ann.id]);
  });
});
