import assert from "node:assert/strict";
import { FORMAT_CACHE_BYTES, formatCacheBytes, formatMessage } from "./markdown.tsx";
import { bytesOf } from "./heap_size.ts";

Deno.test("the formatting cache counts each tree, not the text alone (item 12's class)", () => {
  // 1,000 emphasised words: ~220 KB of tree measured (gc, heapUsed) for 4,000 characters.
  const heavy = (i: number) => `${i} ${"*a* ".repeat(999)}`;
  const before = formatCacheBytes();
  const tree = formatMessage(heavy(-1));
  const counted = formatCacheBytes() - before;
  assert.ok(counted >= 200_000, `one heavy tree counted as ${counted} bytes`);
  assert.ok(counted >= 2 * bytesOf(tree));
  for (let i = 0; i < 200; i++) formatMessage(heavy(i));
  assert.ok(formatCacheBytes() <= FORMAT_CACHE_BYTES, "within the bound");
});
