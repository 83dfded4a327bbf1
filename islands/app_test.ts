import assert from "node:assert/strict";
import { APP_ISLANDS } from "./app_islands.ts";
import { islands } from "./app.ts";

Deno.test("app.ts holds exactly the islands boot.ts loads from app.js, as their modules say", async () => {
  assert.deepEqual(Object.keys(islands).sort(), [...APP_ISLANDS].sort());
  for (const [name, entry] of Object.entries(islands)) {
    // An island loaded as a chunk of its own is a promise of its module (boot.ts awaits it).
    const held = await entry;
    assert.equal(typeof held.default, "function", `${name} has a component`);
    // Made from a chunk's factory (thread/lazy_panel.tsx, files/file_parts.ts).
    if (name === "ThreadPanel" || name === "FileManager") continue;
    // What app.ts hands boot.ts is the island module's component and props unpacker.
    const mod = await import(`./${name}.tsx`);
    assert.equal(held.default, mod.default, `${name}'s component`);
    assert.equal(held.unpackProps, mod.unpackProps, `${name}'s unpackProps`);
  }
});
