import assert from "node:assert/strict";
import type { User } from "../../lib/shared/user.ts";
import { mentionQuery, pickMention } from "./mention_query.ts";

const ann: User = { id: "a", username: "ann", displayName: "Ann Lee" };
const ben: User = { id: "b", username: "benjamin", displayName: "Ben Ode" };
const lena: User = { id: "l", username: "lena", displayName: "Lena Ode" };

Deno.test("mentionQuery() lists others whose username or a word of their name starts so", () => {
  const q = mentionQuery("hi @od", 6, [ann, ben, lena], "a");
  assert.deepEqual(q?.items.map((u) => u.id), ["b", "l"]);
  assert.deepEqual([q?.start, q?.end], [3, 6]);
  assert.deepEqual(mentionQuery("hi @an", 6, [ann, ben], "a"), null, "never you");
});

Deno.test("mentionQuery() finds nothing in an e-mail address or after the caret", () => {
  assert.equal(mentionQuery("mail ann@lena", 13, [lena], "a"), null);
  assert.equal(mentionQuery("@len and more", 13, [lena], "a"), null);
});

Deno.test("pickMention() puts @username and a space in place, the caret after them", () => {
  const text = "hi @be, see";
  const q = mentionQuery(text, 6, [ann, ben], "a")!;
  assert.deepEqual(pickMention(text, q, ben), { text: "hi @benjamin , see", caret: 13 });
});
