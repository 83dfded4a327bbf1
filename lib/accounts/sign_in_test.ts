import assert from "node:assert/strict";
import { UnauthorizedError } from "../errors.ts";
import { userKey } from "../storage/mod.ts";
import { authenticate } from "./sign_in.ts";
import { createUser, getUserCredentialsByUsername } from "./users.ts";
import { verifyPassword } from "./passwords.ts";

/** "correct horse battery" as the code before Argon2id stored it (PBKDF2-SHA256, 600,000). */
const PBKDF2_HASH = {
  alg: "pbkdf2-sha256",
  iterations: 600_000,
  salt: "C/JY34flWGYC49R1tFIjOw==",
  hash: "2B+Iz3pNcQTZxV0FMKkGDro2q0GcMAn1gF3dKHacRXo=",
} as const;

const from = { clientAddress: "127.0.0.1", rateLimitScale: 1 };

Deno.test("authenticate() signs in with a PBKDF2 hash once and stores Argon2id in its place", async (t) => {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = await createUser(kv, { username: "olduser", password: "placeholder words" });
    const record = (await kv.get<Record<string, unknown>>(userKey(user.id))).value!;
    await kv.set(userKey(user.id), { ...record, password: PBKDF2_HASH });

    await t.step("a wrong password neither signs in nor touches the old hash", async () => {
      await assert.rejects(
        authenticate(kv, { username: "olduser", password: "wrong horse battery" }, from),
        UnauthorizedError,
      );
      const stored = (await getUserCredentialsByUsername(kv, "olduser"))!.password;
      assert.deepEqual(stored, PBKDF2_HASH);
    });

    await t.step("the right password signs in and replaces the hash with Argon2id", async () => {
      const signedIn = await authenticate(
        kv,
        { username: "olduser", password: "correct horse battery" },
        from,
      );
      assert.deepEqual(signedIn, user);
      const stored = (await getUserCredentialsByUsername(kv, "olduser"))!.password!;
      assert.equal(stored.alg, "argon2id");
      assert.equal(await verifyPassword("correct horse battery", stored), true);
      assert.equal(await verifyPassword("placeholder words", stored), false);
    });

    await t.step("and signs in again with the new hash, which stays as it is", async () => {
      const before = (await getUserCredentialsByUsername(kv, "olduser"))!.password;
      await authenticate(kv, { username: "olduser", password: "correct horse battery" }, from);
      assert.deepEqual((await getUserCredentialsByUsername(kv, "olduser"))!.password, before);
    });
  } finally {
    kv.close();
  }
});
