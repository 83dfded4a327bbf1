import assert from "node:assert/strict";
import { LIST_CACHE_BYTES, ListCache } from "./list_cache.ts";

const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s)).toISOString();

Deno.test("ListCache keeps the head with the higher seq, whatever answers last", () => {
  const cache = new ListCache();
  cache.sawHead("c", { seq: 5, updatedAt: at(5) });
  cache.sawHead("c", { seq: 3, updatedAt: at(3) }); // a read that started before the commit
  assert.deepEqual(cache.activity("c"), { seq: 5, updatedAt: at(5) });
  cache.heardSeq("c", 5);
  assert.ok(cache.activity("c"), "a doorbell for what is known changes nothing");
  cache.heardSeq("c", 6);
  assert.equal(cache.activity("c"), undefined, "a newer seq elsewhere: read it again");
});

Deno.test("ListCache sorts newest first, ties by the higher id, leaving out the unknown", async () => {
  const cache = new ListCache();
  const ids = await cache.membership("u", () => Promise.resolve(["a", "b", "c", "d"]));
  cache.sawHead("a", { seq: 1, updatedAt: at(1) });
  cache.sawHead("b", { seq: 1, updatedAt: at(2) });
  cache.sawHead("c", { seq: 1, updatedAt: at(2) });
  assert.deepEqual(cache.sorted("u", ids).map((r) => r.id), ["c", "b", "a"]);
  cache.sawHead("a", { seq: 2, updatedAt: at(3) });
  assert.deepEqual(cache.sorted("u", ids).map((r) => r.id), ["a", "c", "b"]);
});

Deno.test("ListCache reads a user's membership once for concurrent requests, and forgets it", async () => {
  const cache = new ListCache();
  let reads = 0;
  const read = () => {
    reads++;
    return Promise.resolve(["a"]);
  };
  await Promise.all([cache.membership("u", read), cache.membership("u", read)]);
  assert.equal(reads, 1);
  await cache.membership("u", read);
  assert.equal(reads, 1, "remembered");
  cache.forgetUsers(["u"]);
  await cache.membership("u", read);
  assert.equal(reads, 2);
});

Deno.test("ListCache does not remember a membership read that a change overtook", async () => {
  const cache = new ListCache();
  let release = () => {};
  const slow = cache.membership("u", () => new Promise((r) => release = () => r(["old"])));
  cache.forgetUsers(["u"]); // a membership change committed while the read was under way
  release();
  assert.deepEqual(await slow, ["old"], "its own caller gets what it read");
  assert.deepEqual(await cache.membership("u", () => Promise.resolve(["new"])), ["new"]);
});

Deno.test("ListCache uses a record only under the participant counter it was read with", () => {
  const cache = new ListCache();
  const record = {
    id: "c",
    kind: "group" as const,
    title: null,
    projectId: null,
    participantIds: ["u"],
    createdBy: "u",
    createdAt: at(0),
  };
  cache.keepRecord(record, 2);
  assert.equal(cache.record("c", 2), record);
  assert.equal(cache.record("c", 3), undefined);
  cache.forgetConversation("c");
  assert.equal(cache.record("c", 2), undefined);
});

Deno.test("ListCache holds memberships and records within a bound on their bytes, not only their count", async () => {
  const cache = new ListCache();
  // 20,000 groups of 256 (within the count kept): ~290 MB of records were kept.
  const participantIds = Array.from({ length: 256 }, (_, i) => `user${i}`.padEnd(26, "0"));
  for (let i = 0; i < 20_000; i++) {
    cache.keepRecord({
      id: `c${i}`,
      kind: "group",
      title: "x".repeat(100),
      projectId: null,
      participantIds,
      createdBy: participantIds[0],
      createdAt: at(0),
    }, 0);
  }
  assert.ok(cache.heldBytes.records <= LIST_CACHE_BYTES.records);
  assert.equal(cache.record("c0", 0), undefined, "the oldest went");
  assert.ok(cache.record("c19999", 0), "the newest stays");
  // 100 people in 20,000 conversations each.
  const ids = Array.from({ length: 20_000 }, (_, i) => `c${i}`);
  for (let u = 0; u < 100; u++) await cache.membership(`u${u}`, () => Promise.resolve(ids));
  assert.ok(cache.heldBytes.orders <= LIST_CACHE_BYTES.orders);
});
