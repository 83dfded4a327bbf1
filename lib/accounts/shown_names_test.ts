import assert from "node:assert/strict";
import { shownDisplayName as uncached } from "../shared/names.ts";
import { shownDisplayName } from "./shown_names.ts";

Deno.test("a kept shown name is what cleaning the stored one again gives, for every name", () => {
  const names = [
    "Ann Lee",
    "аdmin", // a Cyrillic а: marked as mixing scripts
    "Zoë",
    "山田 Taro",
    "Bob\u202Eevil",
    "  spaced\t\tout  ",
    "👩‍💻 Dev",
    "",
  ];
  for (let round = 0; round < 3; round++) {
    for (const name of names) assert.equal(shownDisplayName(name), uncached(name), name);
  }
  // Two stored names that show alike stay two entries: each answers its own.
  assert.equal(shownDisplayName("Ann\u200B Lee"), uncached("Ann\u200B Lee"));
  assert.equal(shownDisplayName("Ann Lee"), "Ann Lee");
});
