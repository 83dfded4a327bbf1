import assert from "node:assert/strict";
import { isTimeOrderedId, newClientId, timeOfId } from "./client_id.ts";

Deno.test("newClientId: a UUIDv7 led by the time, told apart from a random UUID", () => {
  const at = Date.UTC(2026, 11, 5, 11, 0, 0, 123);
  const id = newClientId(at);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.replace(/-/g, "").slice(0, 12), 16), at);
  assert.equal(timeOfId(id), at);
  assert.ok(isTimeOrderedId(id));
  assert.ok(!isTimeOrderedId(crypto.randomUUID()), "a v4 UUID is not time-ordered");
  assert.ok(!isTimeOrderedId(id.toUpperCase()));
  assert.ok(!isTimeOrderedId("retry-1"));
  // Later ids sort after earlier ones, as text (which is how the KV orders them).
  const ids = [at, at + 1, at + 1000, at + 86_400_000].map((t) => newClientId(t));
  assert.deepEqual([...ids].sort(), ids);
  assert.notEqual(newClientId(at), newClientId(at), "the rest is random");
});
