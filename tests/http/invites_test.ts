/** The invites API (contract: "Who may join, and the site admin") and the /invites page. */
import assert from "node:assert/strict";
import { updateSiteSettings } from "../../lib/accounts/mod.ts";
import {
  assertError,
  form,
  json,
  okJson,
  registerUser,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";

async function create(app: TestApp, cookie: string, body: Record<string, unknown> = {}) {
  return await app.fetch("/api/invites", json("POST", body, cookie));
}

async function list(app: TestApp, cookie: string) {
  return (await okJson(await app.fetch("/api/invites", withCookie(cookie)))).invites;
}

Deno.test("POST /api/invites: 201 with the contract's shape; defaults one use, seven days", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    const { invite } = await okJson(await create(app, admin.cookie), 201);
    assert.deepEqual(Object.keys(invite).sort(), [
      "code",
      "createdAt",
      "createdBy",
      "expiresAt",
      "id",
      "maxUses",
      "url",
      "uses",
    ]);
    assert.match(invite.code, /^[A-Za-z0-9_-]{22}$/, "128 random bits, URL-safe");
    assert.equal(invite.url, `http://localhost/join/${invite.code}`);
    assert.equal(invite.maxUses, 1);
    assert.equal(invite.uses, 0);
    assert.equal(invite.createdBy.username, "admin");
    const days = (Date.parse(invite.expiresAt) - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `${days} days`);

    const custom = await okJson(
      await create(app, admin.cookie, { maxUses: 50, expiresInDays: 90 }),
      201,
    );
    assert.equal(custom.invite.maxUses, 50);
    const codes = new Set((await list(app, admin.cookie)).map((i: { code: string }) => i.code));
    assert.equal(codes.size, 2, "every code differs");
  }, { REGISTRATION: "invite" });
});

Deno.test("invite links use PUBLIC_URL when it is set", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    const { invite } = await okJson(await create(app, admin.cookie), 201);
    assert.equal(invite.url, `https://chat.example.org/join/${invite.code}`);
  }, { PUBLIC_URL: "https://chat.example.org/" });
});

Deno.test("POST /api/invites refuses bad numbers (400), members (403) unless allowed, strangers (401)", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    const mia = await registerUser(app, { username: "mia" });
    for (
      const body of [
        { maxUses: 0 },
        { maxUses: 1001 },
        { maxUses: 2.5 },
        { maxUses: "many" },
        { expiresInDays: 0 },
        { expiresInDays: 91 },
      ]
    ) {
      const err = await assertError(await create(app, admin.cookie, body), 400, "invalid_input");
      assert.ok(err.fields && Object.keys(err.fields).length === 1, JSON.stringify(body));
    }
    await assertError(await create(app, mia.cookie), 403, "forbidden");
    await assertError(await app.fetch("/api/invites", json("POST", {})), 401, "unauthorized");
    await assertError(await app.fetch("/api/invites"), 401, "unauthorized");

    await updateSiteSettings(app.ctx.kv, app.ctx.config, { membersMayInvite: true });
    const { invite } = await okJson(await create(app, mia.cookie, { maxUses: 2 }), 201);
    assert.equal(invite.createdBy.username, "mia");
  });
});

Deno.test("GET /api/invites: an admin sees every invite, a member their own, newest first", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    const mia = await registerUser(app, { username: "mia" });
    const noa = await registerUser(app, { username: "noa" });
    await updateSiteSettings(app.ctx.kv, app.ctx.config, { membersMayInvite: true });
    const a = (await okJson(await create(app, admin.cookie), 201)).invite;
    const m = (await okJson(await create(app, mia.cookie), 201)).invite;
    const ids = (invites: { id: string }[]) => invites.map((i) => i.id);
    assert.deepEqual(ids(await list(app, admin.cookie)), [m.id, a.id]);
    assert.deepEqual(ids(await list(app, mia.cookie)), [m.id]);
    assert.deepEqual(await list(app, noa.cookie), []);
  });
});

Deno.test("DELETE /api/invites/:id: its creator or an admin (204); anyone else 404; the code stops working", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    const mia = await registerUser(app, { username: "mia" });
    const noa = await registerUser(app, { username: "noa" });
    await updateSiteSettings(app.ctx.kv, app.ctx.config, { membersMayInvite: true });
    const byMia = (await okJson(await create(app, mia.cookie), 201)).invite;
    const byMia2 = (await okJson(await create(app, mia.cookie), 201)).invite;
    const del = (id: string, cookie?: string) =>
      app.fetch(`/api/invites/${id}`, json("DELETE", undefined, cookie));
    await assertError(await del(byMia.id), 401, "unauthorized");
    await assertError(await del(byMia.id, noa.cookie), 404, "not_found");
    await assertError(await del("nonsense", mia.cookie), 404, "not_found");
    assert.equal((await del(byMia.id, mia.cookie)).status, 204);
    await assertError(await del(byMia.id, mia.cookie), 404, "not_found");
    assert.equal((await del(byMia2.id, admin.cookie)).status, 204);
    await updateSiteSettings(app.ctx.kv, app.ctx.config, { registration: "invite" });
    const res = await app.fetch(
      "/api/auth/register",
      json("POST", { username: "late", password: "correct horse battery", inviteCode: byMia.code }),
    );
    await assertError(res, 403, "invite_invalid");
  });
});

Deno.test("without JavaScript: create and revoke by form, back to the page with a notice", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    const made = await app.fetch(
      "/api/invites",
      form({ maxUses: "3", expiresInDays: "2", next: "/invites" }, admin.cookie),
    );
    assert.equal(made.status, 303);
    assert.equal(made.headers.get("location"), "/invites?done=invite_created");
    const [invite] = await list(app, admin.cookie);
    assert.equal(invite.maxUses, 3);

    const page = await app.fetch("/invites?done=invite_created", withCookie(admin.cookie));
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Invite link created/);
    assert.ok(html.includes(invite.url), "the page shows the link");
    assert.match(html, /3 of 3 uses left/);

    const revoked = await app.fetch(
      `/api/invites/${invite.id}/revoke`,
      form({ next: "https://evil.example/" }, admin.cookie),
    );
    assert.equal(revoked.status, 303);
    assert.equal(revoked.headers.get("location"), "/?done=invite_revoked", "no open redirect");
    assert.deepEqual(await list(app, admin.cookie), []);

    // Defaults when the form leaves the numbers empty.
    const blank = await app.fetch(
      "/api/invites",
      form({ maxUses: "", expiresInDays: "" }, admin.cookie),
    );
    assert.equal(blank.status, 303);
    assert.equal((await list(app, admin.cookie))[0].maxUses, 1);
  });
});

Deno.test("/invites: a member who may not invite sees why; signed out goes to sign in", async () => {
  await withApp(async (app) => {
    await registerUser(app, { username: "admin" });
    const mia = await registerUser(app, { username: "mia" });
    const html = await (await app.fetch("/invites", withCookie(mia.cookie))).text();
    assert.match(html, /Only administrators can invite people/);
    assert.doesNotMatch(html, /Create invite link/);
    const out = await app.fetch("/invites");
    assert.equal(out.status, 303);
    await out.body?.cancel();
  });
});

Deno.test("invite creation is rate limited per person", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    let status = 201;
    for (let i = 0; i < 10 && status === 201; i++) {
      const res = await create(app, admin.cookie);
      status = res.status;
      await res.body?.cancel();
    }
    assert.equal(status, 429);
  }, { RATE_LIMIT_SCALE: "0.1" });
});
