import assert from "node:assert/strict";
import { mergeViews, PRESENCE_TTL_MS, PresenceBoard, type PresenceView } from "./presence.ts";
import type { User } from "../accounts/mod.ts";
import { presenceKey, presenceRevKey } from "../storage/mod.ts";

const person = (id: string): User => ({ id, username: id, displayName: id });
const view = (...entries: [string, boolean][]): PresenceView =>
  new Map(entries.map(([id, away]) => [id, { user: person(id), away }]));
const awayOf = (v: PresenceView) => Object.fromEntries([...v].map(([id, p]) => [id, p.away]));

Deno.test("mergeViews(): online on any hub, away only when away on every hub that has them", () => {
  const merged = mergeViews(
    view(["ann", true], ["ben", true]),
    view(["ann", false], ["cat", true]),
  );
  assert.deepEqual(awayOf(merged), { ann: false, ben: true, cat: true });
  assert.deepEqual(awayOf(mergeViews()), {});
});

Deno.test("PresenceBoard: views are written in one commit, read back by the others, and cleared", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const bumped: string[][] = [];
    const here = new PresenceBoard(kv, "hub-a", (ids) => bumped.push(ids));
    const there = new PresenceBoard(kv, "hub-b", () => {});
    here.publish("c1", view(["ann", false]));
    here.publish("c2", view(["ben", true]));
    here.publish("c1", view(["ann", true]), false);
    await here.flush();
    assert.deepEqual(bumped, [["c1", "c2"]], "one commit; a later unbumped view keeps the bump");
    assert.equal((await kv.get(presenceRevKey("c1"))).value?.toString(), "1");
    assert.deepEqual(awayOf(await there.read("c1")), { ann: true });
    assert.deepEqual(awayOf(await here.read("c1")), {}, "a hub does not read its own view");

    // A view its hub stopped rewriting (the hub died) is left out once past the TTL.
    await kv.set(presenceKey("c1", "hub-dead"), {
      users: [{ user: person("dan"), away: false }],
      at: Date.now() - PRESENCE_TTL_MS - 1,
    });
    assert.deepEqual(awayOf(await there.read("c1")), { ann: true });

    here.publish("c1", new Map());
    await here.flush();
    assert.equal(
      (await kv.get(presenceKey("c1", "hub-a"))).value,
      null,
      "an empty view is deleted",
    );
    assert.deepEqual(awayOf(await there.read("c1")), {});
  } finally {
    kv.close();
  }
});
