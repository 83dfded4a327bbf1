import assert from "node:assert/strict";
import { signInWithIdentity, usernameBase } from "./identities.ts";
import { createUser } from "./users.ts";

Deno.test("usernameBase() fits the profile to the username rules, best source first", () => {
  assert.equal(usernameBase({ username: "Ada.Lovelace", email: null, name: null }), "ada.lovelace");
  assert.equal(
    usernameBase({ username: null, email: "José+tag@example.com", name: null }),
    "jose-tag",
  );
  assert.equal(usernameBase({ username: "x", email: null, name: "Grace Hopper" }), "grace-hopper");
  assert.equal(usernameBase({ username: "!!", email: "@x", name: "李" }), "user");
  assert.equal(usernameBase({ username: "a".repeat(40), email: null, name: null }), "a".repeat(32));
});

Deno.test("signInWithIdentity() suffixes taken names without passing 32 characters", async () => {
  using kv = await Deno.openKv(":memory:");
  const long = "b".repeat(32);
  await createUser(kv, { username: long, password: "a long enough password" });
  const profile = { subject: "s1", username: long, email: null, name: null };
  const user = await signInWithIdentity(kv, "oidc", profile);
  assert.equal(user.username, "b".repeat(31) + "2");
  assert.equal((await signInWithIdentity(kv, "oidc", profile)).id, user.id);
});

Deno.test("signInWithIdentity() run twice at once for a new identity makes one account", async () => {
  using kv = await Deno.openKv(":memory:");
  const profile = { subject: "s2", username: "twin", email: null, name: null };
  const [a, b] = await Promise.all([
    signInWithIdentity(kv, "github", profile),
    signInWithIdentity(kv, "github", profile),
  ]);
  assert.equal(a.id, b.id);
  assert.equal(a.username, "twin");
});
