import assert from "node:assert/strict";
import { createSession, getUserBySession, revokeSession } from "./sessions.ts";
import { createUser } from "./users.ts";

const DAY = 24 * 60 * 60 * 1000;

async function withUser(fn: (kv: Deno.Kv, userId: string) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = await createUser(kv, { username: "sam", password: "correct horse battery" });
    await fn(kv, user.id);
  } finally {
    kv.close();
  }
}

Deno.test("createSession() returns a token that getUserBySession() resolves to the user", async () => {
  await withUser(async (kv, userId) => {
    const now = new Date("2030-01-01T00:00:00Z");
    const session = await createSession(kv, userId, { ttlMs: DAY, now });
    assert.match(session.token, /^[A-Za-z0-9_-]{43}$/, "256 random bits, base64url");
    assert.equal(session.expiresAt.toISOString(), "2030-01-02T00:00:00.000Z");
    const user = await getUserBySession(kv, session.token, { now });
    assert.equal(user?.id, userId);
    assert.equal(user?.username, "sam");
  });
});

Deno.test("createSession() issues a different token every time", async () => {
  await withUser(async (kv, userId) => {
    const a = await createSession(kv, userId, { ttlMs: DAY });
    const b = await createSession(kv, userId, { ttlMs: DAY });
    assert.notEqual(a.token, b.token);
    assert.equal((await getUserBySession(kv, a.token))?.id, userId);
    assert.equal((await getUserBySession(kv, b.token))?.id, userId);
  });
});

Deno.test("sessions are stored under a hash of the token, never the token itself", async () => {
  await withUser(async (kv, userId) => {
    const { token } = await createSession(kv, userId, { ttlMs: DAY });
    for await (const entry of kv.list({ prefix: [] })) {
      assert.ok(!JSON.stringify(entry.key).includes(token), "no key holds the token");
      assert.ok(!JSON.stringify(entry.value).includes(token), "no value holds the token");
    }
  });
});

Deno.test("revokeSession() ends that session and leaves the user's others alone", async () => {
  await withUser(async (kv, userId) => {
    const a = await createSession(kv, userId, { ttlMs: DAY });
    const b = await createSession(kv, userId, { ttlMs: DAY });
    await revokeSession(kv, a.token);
    assert.equal(await getUserBySession(kv, a.token), null);
    assert.equal((await getUserBySession(kv, b.token))?.id, userId);
    await revokeSession(kv, "an-unknown-token"); // ignored, does not throw
  });
});

Deno.test("getUserBySession() answers null once the session has expired", async () => {
  await withUser(async (kv, userId) => {
    const start = new Date("2030-01-01T00:00:00Z");
    const { token } = await createSession(kv, userId, { ttlMs: DAY, now: start });
    const justBefore = new Date(start.getTime() + DAY - 1);
    const atExpiry = new Date(start.getTime() + DAY);
    assert.equal((await getUserBySession(kv, token, { now: justBefore }))?.id, userId);
    assert.equal(await getUserBySession(kv, token, { now: atExpiry }), null);
  });
});

Deno.test("getUserBySession() answers null for unknown, empty and oversized tokens", async () => {
  await withUser(async (kv) => {
    assert.equal(await getUserBySession(kv, "nope"), null);
    assert.equal(await getUserBySession(kv, ""), null);
    assert.equal(await getUserBySession(kv, "x".repeat(129)), null);
  });
});
