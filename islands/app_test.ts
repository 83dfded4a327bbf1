import assert from "node:assert/strict";
import { APP_ISLANDS } from "./app_islands.ts";
import { islands } from "./app.ts";

Deno.test("app.ts holds exactly the islands boot.ts loads from app.js", () => {
  assert.deepEqual(Object.keys(islands).sort(), [...APP_ISLANDS].sort());
  for (const [name, mod] of Object.entries(islands)) {
    assert.equal(typeof mod.default, "function", `${name} has a component`);
  }
});
