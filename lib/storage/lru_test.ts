import assert from "node:assert/strict";
import { LruCache } from "./lru.ts";

Deno.test("LruCache drops the least recently used entry past its count", () => {
  const cache = new LruCache<string, number>({ maxEntries: 2 });
  cache.set("a", 1).set("b", 2);
  assert.equal(cache.get("a"), 1); // a is now the most recent
  cache.set("c", 3);
  assert.deepEqual([...cache.keys()], ["a", "c"]);
  assert.equal(cache.get("b"), undefined);
});

Deno.test("LruCache keeps its total size within maxSize and forgets entries larger than it", () => {
  const cache = new LruCache<string, string>({
    maxEntries: 100,
    maxSize: 10,
    sizeOf: (v) => v.length,
  });
  cache.set("a", "aaaa").set("b", "bbbb");
  assert.equal(cache.size, 8);
  cache.set("c", "cccc");
  assert.deepEqual([...cache.keys()], ["b", "c"]);
  assert.equal(cache.size, 8);
  cache.set("big", "x".repeat(11));
  assert.equal(cache.has("big"), false);
  assert.equal(cache.size, 8);
  cache.set("b", "bb"); // replacing an entry counts its new size only
  assert.equal(cache.size, 6);
  cache.delete("c");
  assert.equal(cache.size, 2);
  assert.equal(cache.count, 1);
});

Deno.test("LruCache.peek does not make an entry recent", () => {
  const cache = new LruCache<string, number>({ maxEntries: 2 });
  cache.set("a", 1).set("b", 2);
  assert.equal(cache.peek("a"), 1);
  cache.set("c", 3);
  assert.equal(cache.has("a"), false);
});
