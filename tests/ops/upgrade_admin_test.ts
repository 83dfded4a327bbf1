/**
 * Upgrading: a store made before site admins (accounts, a group, a project; no founded key)
 * opens, keeps working, and nobody in it is made admin silently. The operator names one with
 * `deno task admin grant-admin`. On a new store, the first account (registered, OAuth or
 * made with `deno task admin create-user`) is the admin.
 */
import assert from "node:assert/strict";
import { hashPassword, listAccounts, updateSiteSettings } from "../../lib/accounts/mod.ts";
import { createAccount, setSiteAdmin } from "../../lib/admin/mod.ts";
import { createConversation } from "../../lib/conversations/mod.ts";
import { createProject } from "../../lib/projects/mod.ts";
import { foundedKey, userKey, usernameKey } from "../../lib/storage/mod.ts";
import { assertError, json, okJson, sessionCookieOf, startTestApp } from "../support/helpers.ts";

const PASSWORD = "correct horse battery";

/** An account as the code before site admins wrote it: no siteAdmin, no founded key. */
async function oldAccount(kv: Deno.Kv, id: string, username: string) {
  const record = {
    id,
    username,
    displayName: username.toUpperCase(),
    password: await hashPassword(PASSWORD),
    createdAt: new Date(Date.UTC(2025, 0, 1 + id.length)).toISOString(),
  };
  await kv.atomic().set(userKey(id), record).set(usernameKey(username), id).commit();
  return { id, username, displayName: record.displayName };
}

Deno.test("a store made before site admins opens, works, and has no admin until the operator names one", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/old.kv`;
  try {
    const before = await Deno.openKv(path);
    const ann = await oldAccount(before, "01HOLDACCOUNT0000000000ANN", "ann");
    const ben = await oldAccount(before, "01HOLDACCOUNT0000000000BEN", "ben");
    const cy = await oldAccount(before, "01HOLDACCOUNT00000000000CY", "cy");
    const group = await createConversation(before, ann, { others: [ben, cy], title: "Old group" });
    const project = await createProject(before, ann, { name: "Old project" });
    before.close();

    const app = await startTestApp({ KV_PATH: path, REGISTRATION: "open" });
    try {
      const login = await app.fetch(
        "/api/auth/login",
        json("POST", { username: "ann", password: PASSWORD }),
      );
      const annCookie = sessionCookieOf(login);
      const me = (await okJson(login)).user;
      assert.equal(me.isAdmin, false, "the oldest account is not made admin");
      const { conversations } = await okJson(
        await app.fetch("/api/conversations", { headers: { cookie: annCookie } }),
      );
      const ids = conversations.map((c: { id: string }) => c.id);
      assert.ok(ids.includes(group.conversation.id), "the old group is there");
      assert.ok(ids.includes(project.conversationId), "the old project's conversation is there");

      const zed = await okJson(
        await app.fetch(
          "/api/auth/register",
          json("POST", { username: "zed", password: PASSWORD }),
        ),
        201,
      );
      assert.equal(zed.user.isAdmin, false, "a newcomer to an old store is not admin either");
      assert.equal(((await app.ctx.kv.get(foundedKey())).value as { userId: null }).userId, null);
      assert.deepEqual((await listAccounts(app.ctx.kv)).filter((a) => a.siteAdmin), []);
      // Not taken for a new site: with invites required, a stranger is refused.
      await updateSiteSettings(app.ctx.kv, app.ctx.config, { registration: "invite" });
      await assertError(
        await app.fetch(
          "/api/auth/register",
          json("POST", { username: "eve", password: PASSWORD }),
        ),
        403,
        "invite_required",
      );
      await assertError(
        await app.fetch("/api/invites", json("POST", {}, annCookie)),
        403,
        "forbidden",
      );

      // The operator: `deno task admin grant-admin ann` (the same call).
      await setSiteAdmin(app.ctx.kv, ann.id, true);
      const check = await okJson(
        await app.fetch("/api/auth/check", { headers: { cookie: annCookie } }),
      );
      assert.equal(check.user.isAdmin, true);
      await okJson(await app.fetch("/api/invites", json("POST", {}, annCookie)), 201);
      // A CLI-made account on the old store is not admin unless asked.
      const cli = await createAccount(app.ctx.kv, { username: "cli", password: PASSWORD });
      assert.equal(cli.siteAdmin, false);
    } finally {
      await app.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("on a new store, `deno task admin create-user` makes the first account the admin", async () => {
  const app = await startTestApp();
  try {
    const first = await createAccount(app.ctx.kv, { username: "root", password: PASSWORD });
    assert.equal(first.siteAdmin, true);
    assert.equal(first.isAdmin, true);
    const second = await createAccount(app.ctx.kv, { username: "two", password: PASSWORD });
    assert.equal(second.siteAdmin, false);
    const reg = await okJson(
      await app.fetch(
        "/api/auth/register",
        json("POST", { username: "three", password: PASSWORD }),
      ),
      201,
    );
    assert.equal(reg.user.isAdmin, false);
  } finally {
    await app.close();
  }
});
