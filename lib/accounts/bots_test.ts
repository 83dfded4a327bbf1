import assert from "node:assert/strict";
import { createBot, deleteBot, deleteBotsOf, listBots, MAX_BOTS } from "./bots.ts";
import { getUserByToken, listTokens } from "./tokens.ts";
import { authenticate } from "./sign_in.ts";
import { createUser, getUserById, updateAccountFlags, type User } from "./users.ts";
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from "../errors.ts";

const options = { clientAddress: "192.0.2.1", rateLimitScale: 1 };

async function withPeople(fn: (kv: Deno.Kv, ann: User, ben: User) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    // The store's first account is the site admin: an admin first, then two people.
    await createUser(kv, { username: "root", password: "correct horse battery" });
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    await fn(kv, ann, ben);
  } finally {
    kv.close();
  }
}

Deno.test("createBot() makes a bot account owned by its maker, with a token that never expires", async () => {
  await withPeople(async (kv, ann) => {
    const { bot, secret } = await createBot(kv, ann.id, {
      username: "Deploy-Bot",
      displayName: "Deploy bot",
    });
    assert.equal(bot.isBot, true);
    assert.equal(bot.username, "deploy-bot");
    assert.equal(bot.isAdmin, false);
    const found = await getUserByToken(kv, secret, { now: new Date("2100-01-01T00:00:00Z") });
    assert.equal(found?.user.id, bot.id, "still valid in 2100");
    const [token] = await listTokens(kv, bot.id);
    assert.equal(token.expiresAt, null);
    assert.equal(token.name, "deploy-bot");
    assert.deepEqual((await listBots(kv, ann.id)).map((b) => b.username), ["deploy-bot"]);
    assert.equal(typeof (await listBots(kv, ann.id))[0].createdAt, "string");
    assert.deepEqual(await listTokens(kv, ann.id), [], "the owner's own tokens are apart");
  });
});

Deno.test("a bot has no password: password sign-in fails for it like a wrong password", async () => {
  await withPeople(async (kv, ann) => {
    const { bot } = await createBot(kv, ann.id, { username: "nopass", displayName: "No pass" });
    for (const password of ["", "correct horse battery"]) {
      await assert.rejects(
        () => authenticate(kv, { username: bot.username, password }, options),
        UnauthorizedError,
      );
    }
  });
});

Deno.test("createBot() refuses a bot as owner, a taken username and more than the limit", async () => {
  await withPeople(async (kv, ann) => {
    const { bot } = await createBot(kv, ann.id, { username: "b0", displayName: "B0" });
    await assert.rejects(
      () => createBot(kv, bot.id, { username: "child", displayName: "Child" }),
      (err) => err instanceof ForbiddenError && err.code === "not_for_bots",
    );
    await assert.rejects(
      () => createBot(kv, ann.id, { username: "ben", displayName: "Not Ben" }),
      (err) => err instanceof ConflictError && err.code === "username_taken",
    );
    for (let i = 1; i < MAX_BOTS; i++) {
      await createBot(kv, ann.id, { username: `b${i}`, displayName: `B${i}` });
    }
    await assert.rejects(
      () => createBot(kv, ann.id, { username: "toomany", displayName: "Too many" }),
      (err) => err instanceof ConflictError && err.code === "limit_reached",
    );
    assert.equal((await listBots(kv, ann.id)).length, MAX_BOTS);
  });
});

Deno.test("createBot() refuses a disabled owner", async () => {
  await withPeople(async (kv, ann) => {
    await updateAccountFlags(kv, ann.id, { disabled: true });
    await assert.rejects(
      () => createBot(kv, ann.id, { username: "late", displayName: "Late" }),
      (err) => err instanceof ForbiddenError && err.code === "account_disabled",
    );
  });
});

Deno.test("deleteBot(): the owner or a site admin; the bot is disabled, its token dead, its name kept", async () => {
  await withPeople(async (kv, ann, ben) => {
    const one = await createBot(kv, ann.id, { username: "one", displayName: "One" });
    const two = await createBot(kv, ann.id, { username: "two", displayName: "Two" });
    await assert.rejects(() => deleteBot(kv, ben, one.bot.id), ForbiddenError);
    await assert.rejects(() => deleteBot(kv, ann, ann.id), NotFoundError, "a person is no bot");
    await assert.rejects(() => deleteBot(kv, ann, "nonsense"), NotFoundError);
    await deleteBot(kv, ann, one.bot.id);
    assert.equal(await getUserByToken(kv, one.secret), null);
    assert.equal((await getUserById(kv, one.bot.id))?.displayName, "One", "messages keep a name");
    assert.deepEqual((await listBots(kv, ann.id)).map((b) => b.username), ["two"]);
    await assert.rejects(() => deleteBot(kv, ann, one.bot.id), NotFoundError, "only once");
    const admin = { ...ben, isAdmin: true };
    await deleteBot(kv, admin, two.bot.id);
    assert.equal(await getUserByToken(kv, two.secret), null);
    assert.deepEqual(await listBots(kv, ann.id), []);
  });
});

Deno.test("a bot acts for its owner: a disabled owner's bots are refused, a deleted owner's bots go", async () => {
  await withPeople(async (kv, ann) => {
    const one = await createBot(kv, ann.id, { username: "one", displayName: "One" });
    const two = await createBot(kv, ann.id, { username: "two", displayName: "Two" });
    assert.ok(await getUserByToken(kv, one.secret), "seen once: its owner is remembered");
    await updateAccountFlags(kv, ann.id, { disabled: true });
    assert.equal(await getUserByToken(kv, one.secret), null);
    assert.equal(await getUserByToken(kv, two.secret), null, "also when not seen before");
    await updateAccountFlags(kv, ann.id, { disabled: false });
    assert.equal((await getUserByToken(kv, one.secret))?.user.id, one.bot.id);
    assert.equal(await deleteBotsOf(kv, ann.id), 2);
    assert.equal(await getUserByToken(kv, one.secret), null);
    assert.equal(await getUserByToken(kv, two.secret), null);
    assert.deepEqual(await listBots(kv, ann.id), []);
  });
});
