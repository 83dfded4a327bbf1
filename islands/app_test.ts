import assert from "node:assert/strict";
import { APP_ISLANDS } from "./app_islands.ts";
import { islands } from "./app.ts";

Deno.test("app.ts holds exactly the islands boot.ts loads from app.js", async () => {
  assert.deepEqual(Object.keys(islands).sort(), [...APP_ISLANDS].sort());
  for (const [name, entry] of Object.entries(islands)) {
    // An island loaded as a chunk of its own is a promise of its module (boot.ts awaits it).
    const mod = await entry;
    assert.equal(typeof mod.default, "function", `${name} has a component`);
  }
});
