import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  createToken,
  getUserByToken,
  listTokens,
  liveTokenIds,
  MAX_TOKENS,
  revokeAllTokens,
  revokeToken,
  tokenIdOfSession,
  tokenSessionId,
} from "./tokens.ts";
import { createUser, updateAccountFlags } from "./users.ts";
import { ConflictError, ForbiddenError } from "../errors.ts";
import { accountEventsKey, apiTokenKey } from "../storage/mod.ts";

const DAY = 86_400_000;

async function withUser(fn: (kv: Deno.Kv, userId: string) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    const user = await createUser(kv, { username: "sam", password: "correct horse battery" });
    await fn(kv, user.id);
  } finally {
    kv.close();
  }
}

Deno.test("createToken() returns an hth_ secret, shown once, that signs in as the user", async () => {
  await withUser(async (kv, userId) => {
    const now = new Date("2030-01-01T00:00:00Z");
    const { token, secret } = await createToken(kv, userId, { name: "CI" }, { now });
    assert.match(secret, /^hth_[A-Za-z0-9_-]{43}$/, "hth_ and 32 random bytes, base64url");
    assert.equal(token.name, "CI");
    assert.equal(token.createdAt, now.toISOString());
    assert.equal(token.expiresAt, "2030-04-01T00:00:00.000Z", "90 days by default");
    assert.equal(token.lastUsedAt, null);
    assert.ok(!("secret" in token) && !("userId" in token));
    const found = await getUserByToken(kv, secret, { now });
    assert.equal(found?.user.id, userId);
    assert.equal(found?.tokenId, token.id);
  });
});

Deno.test("tokens are stored under the SHA-256 of the secret, never the secret", async () => {
  await withUser(async (kv, userId) => {
    const { secret } = await createToken(kv, userId, { name: "CI" });
    const hash = createHash("sha256").update(secret).digest("base64url");
    assert.ok((await kv.get(apiTokenKey(hash))).value, "found by its hash");
    for await (const entry of kv.list({ prefix: [] })) {
      assert.ok(!JSON.stringify(entry.key).includes(secret), "no key holds the secret");
      assert.ok(!JSON.stringify(entry.value).includes(secret), "no value holds the secret");
    }
  });
});

Deno.test("getUserByToken() refuses malformed, unknown and expired secrets", async () => {
  await withUser(async (kv, userId) => {
    const now = new Date("2030-01-01T00:00:00Z");
    const { secret } = await createToken(kv, userId, { name: "short", expiresInDays: 1 }, { now });
    assert.equal(await getUserByToken(kv, "", { now }), null);
    assert.equal(await getUserByToken(kv, secret.slice(4), { now }), null, "without hth_");
    assert.equal(await getUserByToken(kv, secret + "x", { now }), null);
    assert.equal(await getUserByToken(kv, `hth_${"A".repeat(43)}`, { now }), null);
    const justBefore = new Date(now.getTime() + DAY - 1);
    assert.equal((await getUserByToken(kv, secret, { now: justBefore }))?.user.id, userId);
    const atExpiry = new Date(now.getTime() + DAY);
    assert.equal(await getUserByToken(kv, secret, { now: atExpiry }), null, "expired");
    assert.deepEqual(await listTokens(kv, userId, { now: atExpiry }), [], "not listed either");
  });
});

Deno.test("getUserByToken() refuses a disabled account's token, and takes it again when enabled", async () => {
  await withUser(async (kv, userId) => {
    const { secret } = await createToken(kv, userId, { name: "CI" });
    assert.ok(await getUserByToken(kv, secret), "seen once: its owner is remembered");
    await updateAccountFlags(kv, userId, { disabled: true });
    assert.equal(await getUserByToken(kv, secret), null);
    await updateAccountFlags(kv, userId, { disabled: false });
    assert.equal((await getUserByToken(kv, secret))?.user.id, userId);
  });
});

Deno.test("createToken() refuses a disabled account", async () => {
  await withUser(async (kv, userId) => {
    await updateAccountFlags(kv, userId, { disabled: true });
    await assert.rejects(
      () => createToken(kv, userId, { name: "CI" }),
      (err) => err instanceof ForbiddenError && err.code === "account_disabled",
    );
  });
});

Deno.test("getUserByToken() records lastUsedAt at most once a minute", async () => {
  await withUser(async (kv, userId) => {
    const t0 = new Date("2030-01-01T00:00:00Z");
    const { secret } = await createToken(kv, userId, { name: "CI" }, { now: t0 });
    const at = (ms: number) => new Date(t0.getTime() + ms);
    await getUserByToken(kv, secret, { now: at(1000) });
    assert.equal(
      (await listTokens(kv, userId, { now: at(1000) }))[0].lastUsedAt,
      at(1000).toISOString(),
    );
    await getUserByToken(kv, secret, { now: at(30_000) });
    assert.equal(
      (await listTokens(kv, userId, { now: at(30_000) }))[0].lastUsedAt,
      at(1000).toISOString(),
      "not written again within the minute",
    );
    await getUserByToken(kv, secret, { now: at(62_000) });
    assert.equal(
      (await listTokens(kv, userId, { now: at(62_000) }))[0].lastUsedAt,
      at(62_000).toISOString(),
    );
  });
});

Deno.test("revokeToken() ends that token at once, tells every hub, and leaves the others", async () => {
  await withUser(async (kv, userId) => {
    const a = await createToken(kv, userId, { name: "a" });
    const b = await createToken(kv, userId, { name: "b" });
    const epoch = (await kv.get<{ epoch: number }>(accountEventsKey())).value?.epoch ?? 0;
    assert.equal(await revokeToken(kv, "someone-else", a.token.id), false, "not theirs");
    assert.equal(await revokeToken(kv, userId, a.token.id), true);
    assert.equal(await revokeToken(kv, userId, a.token.id), false, "only once");
    assert.equal(await revokeToken(kv, userId, "../../x"), false);
    assert.equal(await getUserByToken(kv, a.secret), null);
    assert.equal((await getUserByToken(kv, b.secret))?.user.id, userId);
    assert.deepEqual((await listTokens(kv, userId)).map((t) => t.name), ["b"]);
    const events = (await kv.get<{ epoch: number }>(accountEventsKey())).value;
    assert.equal(events?.epoch, epoch + 1, "one account event, in the revoking commit");
  });
});

Deno.test("liveTokenIds() names the tokens still live; revokeAllTokens() ends them all", async () => {
  await withUser(async (kv, userId) => {
    const a = await createToken(kv, userId, { name: "a" });
    const b = await createToken(kv, userId, { name: "b" });
    await revokeToken(kv, userId, a.token.id);
    const asked = [a, b].map((t) => ({ userId, tokenId: t.token.id }));
    assert.deepEqual([...await liveTokenIds(kv, asked)], [b.token.id]);
    assert.deepEqual(
      [...await liveTokenIds(kv, [{ userId: "other", tokenId: b.token.id }])],
      [],
      "a token is live only for its owner",
    );
    assert.deepEqual(await revokeAllTokens(kv, userId), [b.token.id]);
    assert.equal((await liveTokenIds(kv, asked)).size, 0);
  });
});

Deno.test(`a person holds at most ${MAX_TOKENS} tokens (409 limit_reached), newest listed first`, async () => {
  await withUser(async (kv, userId) => {
    for (let i = 0; i < MAX_TOKENS; i++) await createToken(kv, userId, { name: `t${i}` });
    await assert.rejects(
      () => createToken(kv, userId, { name: "one more" }),
      (err) => err instanceof ConflictError && err.code === "limit_reached",
    );
    const listed = await listTokens(kv, userId);
    assert.equal(listed.length, MAX_TOKENS);
    assert.equal(listed[0].name, `t${MAX_TOKENS - 1}`);
    await revokeToken(kv, userId, listed[0].id);
    await createToken(kv, userId, { name: "room again" });
  });
});

Deno.test("a token's socket session id names the token, and a cookie session's names none", () => {
  assert.equal(
    tokenIdOfSession(tokenSessionId("01J0000000000000000000000A")),
    "01J0000000000000000000000A",
  );
  assert.equal(tokenIdOfSession("Zm9vYmFy"), null);
});
