import assert from "node:assert/strict";
import {
  createSession,
  getUserBySession,
  listSessions,
  revokeAllSessions,
  revokeSession,
  revokeSessionById,
} from "./sessions.ts";
import { createUser, updateAccountFlags } from "./users.ts";

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

Deno.test("a session unused for longer than idleMs ends; each use moves that deadline on", async () => {
  await withUser(async (kv, userId) => {
    const start = Date.parse("2030-01-01T00:00:00Z");
    const at = (ms: number) => ({ now: new Date(start + ms) });
    const HOUR = 60 * 60_000;
    const idle = await createSession(kv, userId, { ttlMs: 30 * DAY, idleMs: DAY, ...at(0) });
    const used = await createSession(kv, userId, { ttlMs: 30 * DAY, idleMs: DAY, ...at(0) });
    assert.equal((await getUserBySession(kv, used.token, at(23 * HOUR)))?.id, userId);
    // Unused since the start: over a day idle.
    assert.equal(await getUserBySession(kv, idle.token, at(DAY + 1)), null);
    // Used at 23 h: alive until 23 h + 1 day.
    assert.equal((await getUserBySession(kv, used.token, at(47 * HOUR - 1)))?.id, userId);
    assert.equal((await getUserBySession(kv, used.token, at(70 * HOUR)))?.id, userId);
    assert.equal(await getUserBySession(kv, used.token, at(70 * HOUR + DAY + 1)), null);
  });
});

Deno.test("a session in daily use still ends at its absolute expiry", async () => {
  await withUser(async (kv, userId) => {
    const start = Date.parse("2030-01-01T00:00:00Z");
    const { token } = await createSession(kv, userId, {
      ttlMs: 3 * DAY,
      idleMs: DAY,
      now: new Date(start),
    });
    for (let h = 20; h < 72; h += 20) {
      const now = new Date(start + h * 60 * 60_000);
      assert.equal((await getUserBySession(kv, token, { now }))?.id, userId);
    }
    assert.equal(await getUserBySession(kv, token, { now: new Date(start + 3 * DAY) }), null);
  });
});

Deno.test("listSessions() lists a user's live sessions; revokeAllSessions() ends all but the one kept", async () => {
  await withUser(async (kv, userId) => {
    const a = await createSession(kv, userId, {
      ttlMs: DAY,
      userAgent: "Firefox",
      address: "10.0.0.1",
    });
    const b = await createSession(kv, userId, { ttlMs: DAY });
    const c = await createSession(kv, userId, { ttlMs: DAY });
    const listed = await listSessions(kv, userId);
    assert.equal(listed.length, 3);
    const first = listed.find((s) => s.userAgent === "Firefox");
    assert.equal(first?.address, "10.0.0.1");
    assert.ok(!JSON.stringify(listed).includes(a.token), "tokens are never listed");

    assert.equal(await revokeSessionById(kv, first!.id, "someone-else"), false, "not theirs");
    assert.equal((await getUserBySession(kv, a.token))?.id, userId);

    const keep = listed.find((s) => s.id !== first!.id)!.id;
    const revoked = await revokeAllSessions(kv, userId, { keep });
    assert.equal(revoked.length, 2);
    const alive = await Promise.all([a, b, c].map((s) => getUserBySession(kv, s.token)));
    assert.equal(alive.filter((u) => u !== null).length, 1);
    assert.deepEqual((await listSessions(kv, userId)).map((s) => s.id), [keep]);
  });
});

Deno.test("a session used before is still refused at once when another process disables the account or revokes it", async () => {
  // Two handles on one file: the server and `deno task admin` in another process.
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const server = await Deno.openKv(path);
  const admin = await Deno.openKv(path);
  try {
    const user = await createUser(admin, { username: "sam", password: "correct horse battery" });
    const { token } = await createSession(server, user.id, { ttlMs: DAY });
    // Used twice: the second use reads the session and the account in one getMany.
    assert.equal((await getUserBySession(server, token))?.id, user.id);
    assert.equal((await getUserBySession(server, token))?.id, user.id);
    await updateAccountFlags(admin, user.id, { disabled: true });
    assert.equal(await getUserBySession(server, token), null, "a disabled account");
    await updateAccountFlags(admin, user.id, { disabled: false });
    assert.equal((await getUserBySession(server, token))?.id, user.id);
    await revokeSession(admin, token);
    assert.equal(await getUserBySession(server, token), null, "a revoked session");
  } finally {
    server.close();
    admin.close();
    await Deno.remove(path);
  }
});
