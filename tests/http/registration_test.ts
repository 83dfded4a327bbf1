/**
 * Who may join (contract: "Who may join, and the site admin"): the first account is the site
 * admin; REGISTRATION invite / open / closed, with JSON and with plain forms (no JavaScript);
 * the /join/:code page; the admin's run-time setting wins over the variable.
 */
import assert from "node:assert/strict";
import { updateSiteSettings } from "../../lib/accounts/mod.ts";
import {
  assertError,
  form,
  json,
  okJson,
  registerUser,
  sessionCookieOf,
  startTestServer,
  type TestApp,
  withApp,
} from "../support/helpers.ts";
import { Jar, startProvider } from "../support/oauth_client.ts";

const PASSWORD = "correct horse battery";

function register(app: TestApp, username: string, extra: Record<string, unknown> = {}) {
  return app.fetch("/api/auth/register", json("POST", { username, password: PASSWORD, ...extra }));
}

/** As a browser without JavaScript posts the register form (it asks for a page). */
function registerForm(app: TestApp, fields: Record<string, string>) {
  const init = form({ password: PASSWORD, ...fields });
  (init.headers as Record<string, string>).accept = "text/html";
  return app.fetch("/api/auth/register", init);
}

async function newInvite(
  app: Pick<TestApp, "fetch">,
  cookie: string,
  body: Record<string, unknown> = {},
) {
  return (await okJson(await app.fetch("/api/invites", json("POST", body, cookie)), 201)).invite;
}

Deno.test("the first account is the site admin, and only the first", async () => {
  await withApp(async (app) => {
    const ann = await okJson(await register(app, "ann"), 201);
    assert.equal(ann.user.isAdmin, true);
    assert.equal(ann.user.isBot, false);
    const ben = await registerUser(app, { username: "ben" });
    assert.equal(ben.user.isAdmin, false);
    const check = await okJson(
      await app.fetch("/api/auth/check", { headers: { cookie: ben.cookie } }),
    );
    assert.equal(check.user.isAdmin, false);
  });
});

Deno.test("REGISTRATION=invite: the first account needs no invite; then 403 invite_required / invite_invalid", async () => {
  await withApp(async (app) => {
    const page = await app.fetch("/register");
    assert.match(await page.text(), /your account will administer/);
    const first = await register(app, "admin");
    const cookie = sessionCookieOf(first);
    assert.equal((await okJson(first, 201)).user.isAdmin, true);
    await assertError(await register(app, "nocode"), 403, "invite_required");
    await assertError(await register(app, "blank", { inviteCode: "  " }), 403, "invite_required");
    await assertError(await register(app, "bogus", { inviteCode: "nope" }), 403, "invite_invalid");
    await assertError(
      await register(app, "bogus2", { inviteCode: "x".repeat(101) }),
      400,
      "invalid_input",
    );

    const invite = await newInvite(app, cookie, { maxUses: 1 });
    const joined = await okJson(await register(app, "cat", { inviteCode: invite.code }), 201);
    assert.equal(joined.user.isAdmin, false);
    await assertError(
      await register(app, "dan", { inviteCode: invite.code }),
      403,
      "invite_invalid",
    );

    // The register page asks for the code.
    const html = await (await app.fetch("/register")).text();
    assert.match(html, /name="inviteCode"/);
  }, { REGISTRATION: "invite" });
});

Deno.test("without JavaScript: the form refuses without a code and joins through /join/:code", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    const refused = await registerForm(app, { username: "eve" });
    assert.equal(refused.status, 403);
    const page = await refused.text();
    assert.match(page, /You need an invite/);
    assert.match(page, /value="eve"/, "what was typed stays");

    const invite = await newInvite(app, admin.cookie, { maxUses: 2 });
    const join = await app.fetch(`/join/${invite.code}`);
    assert.equal(join.status, 200);
    const joinHtml = await join.text();
    assert.match(joinHtml, /admin invited you to Hearth/);
    assert.match(joinHtml, new RegExp(`name="inviteCode" value="${invite.code}"`));
    const made = await registerForm(app, { username: "eve", inviteCode: invite.code, next: "/" });
    assert.equal(made.status, 303);
    assert.equal(made.headers.get("location"), "/");
    assert.ok(sessionCookieOf(made));

    // A bad code on the form: the page again with the reason, 403.
    const bad = await registerForm(app, { username: "fay", inviteCode: "Zm9vYmFyYmF6cXV4cXV1eA" });
    assert.equal(bad.status, 403);
    assert.match(await bad.text(), /used up, has expired or was revoked/);
  }, { REGISTRATION: "invite" });
});

Deno.test("/join/:code with a bad, used-up or expired code shows a clear page", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    const unknown = await app.fetch("/join/AAAAAAAAAAAAAAAAAAAAAA");
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /data-join-error="invite_invalid"/);
    const garbage = await app.fetch("/join/%3Cscript%3E");
    assert.equal(garbage.status, 404);
    await garbage.body?.cancel();

    const invite = await newInvite(app, admin.cookie, { maxUses: 1 });
    await okJson(await register(app, "gus", { inviteCode: invite.code }), 201);
    const used = await app.fetch(`/join/${invite.code}`);
    assert.equal(used.status, 403);
    assert.match(await used.text(), /used up or has expired/);

    // Signed in already: home.
    const signedIn = await app.fetch(`/join/${invite.code}`, { headers: { cookie: admin.cookie } });
    assert.equal(signedIn.status, 303);
  }, { REGISTRATION: "invite" });
});

Deno.test("REGISTRATION=open: anyone registers; a code given is counted", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    await okJson(await register(app, "hal"), 201);
    const invite = await newInvite(app, admin.cookie, { maxUses: 3 });
    await okJson(await register(app, "ida", { inviteCode: invite.code }), 201);
    await okJson(await register(app, "jon", { inviteCode: "not-a-real-code" }), 201);
    const { invites } = await okJson(
      await app.fetch("/api/invites", { headers: { cookie: admin.cookie } }),
    );
    assert.equal(invites[0].uses, 1);
    assert.doesNotMatch(await (await app.fetch("/register")).text(), /name="inviteCode"/);
  }, { REGISTRATION: "open" });
});

Deno.test("REGISTRATION=closed: 403 registration_closed, invites too; the first account still", async () => {
  await withApp(async (app) => {
    const first = await okJson(await register(app, "root"), 201);
    assert.equal(first.user.isAdmin, true);
    await assertError(await register(app, "kim"), 403, "registration_closed");
    const cookie = sessionCookieOf(
      await app.fetch("/api/auth/login", json("POST", { username: "root", password: PASSWORD })),
    );
    const invite = await newInvite(app, cookie);
    await assertError(
      await register(app, "kim", { inviteCode: invite.code }),
      403,
      "registration_closed",
    );
    const page = await (await app.fetch("/register")).text();
    assert.match(page, /data-registration="closed"/);
    assert.doesNotMatch(page, /name="password"/);
    const join = await app.fetch(`/join/${invite.code}`);
    assert.equal(join.status, 403);
    assert.match(await join.text(), /data-join-error="registration_closed"/);
  }, { REGISTRATION: "closed" });
});

Deno.test("the admin's run-time setting wins over REGISTRATION", async () => {
  await withApp(async (app) => {
    await registerUser(app, { username: "admin" });
    await okJson(await register(app, "lea"), 201);
    await updateSiteSettings(app.ctx.kv, app.ctx.config, { registration: "invite" });
    await assertError(await register(app, "max"), 403, "invite_required");
    await updateSiteSettings(app.ctx.kv, app.ctx.config, { registration: "closed" });
    await assertError(await register(app, "max"), 403, "registration_closed");
    await updateSiteSettings(app.ctx.kv, app.ctx.config, { registration: "open" });
    await okJson(await register(app, "max"), 201);
  }, { REGISTRATION: "open" });
});

Deno.test("two people racing for an invite's last use: one account", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app, { username: "admin" });
    const invite = await newInvite(app, admin.cookie, { maxUses: 1 });
    const answers = await Promise.all(
      ["racer1", "racer2", "racer3"].map((u) => register(app, u, { inviteCode: invite.code })),
    );
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 403, 403]);
    for (const r of answers) {
      if (r.status === 403) assert.equal((await r.json()).error.code, "invite_invalid");
      else await r.body?.cancel();
    }
  }, { REGISTRATION: "invite" });
});

Deno.test({
  name:
    "OAuth: a new account obeys REGISTRATION (the /join page's invite goes along); a linked one always signs in",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const provider = await startProvider();
    const server = await startTestServer({
      REGISTRATION: "invite",
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: "hearth",
      OIDC_CLIENT_SECRET: "hearth-secret",
      OIDC_NAME: "Acme SSO",
    });
    const app = server.base;
    const whoIs = async (jar: Jar) =>
      (await (await jar.get(`${app}/api/auth/check`)).json()).user as { username: string } | null;
    const refused = async (res: Response, status: number, code: string) => {
      assert.equal(res.status, status);
      assert.match(await res.text(), new RegExp(`data-oauth-error="${code}"`));
    };
    try {
      const admin = await registerUser(server, { username: "admin" });
      await provider.control({ identity: { sub: "oidc-zoe", preferred_username: "zoe" } });
      const stranger = new Jar();
      const first = await stranger.follow(`${app}/auth/oauth/oidc/signin`);
      await refused(first.res, 403, "invite_required");
      assert.equal(await whoIs(stranger), null);

      const invite = await newInvite(server, admin.cookie, { maxUses: 1 });
      const invited = new Jar();
      const join = await invited.get(`${app}/join/${invite.code}`);
      assert.equal(join.status, 200);
      assert.match(await join.text(), /Continue with Acme SSO/);
      await provider.control({ identity: { sub: "oidc-zoe", preferred_username: "zoe" } });
      const signedUp = await invited.follow(`${app}/auth/oauth/oidc/signin`);
      await signedUp.res.body?.cancel();
      assert.equal((await whoIs(invited))?.username, "zoe");

      // Zoe again, from a browser with no invite: her linked identity signs her in.
      await provider.control({ identity: { sub: "oidc-zoe", preferred_username: "zoe" } });
      const again = new Jar();
      const back = await again.follow(`${app}/auth/oauth/oidc/signin`);
      await back.res.body?.cancel();
      assert.equal((await whoIs(again))?.username, "zoe");

      // The used-up invite in the start link: refused; a fresh one: in.
      await provider.control({ identity: { sub: "oidc-yan", preferred_username: "yan" } });
      const late = new Jar();
      const lateRes = await late.follow(`${app}/auth/oauth/oidc/signin?invite=${invite.code}`);
      await refused(lateRes.res, 403, "invite_invalid");
      const fresh = await newInvite(server, admin.cookie);
      await provider.control({ identity: { sub: "oidc-yan", preferred_username: "yan" } });
      const yan = new Jar();
      const yanRes = await yan.follow(`${app}/auth/oauth/oidc/signin?invite=${fresh.code}`);
      await yanRes.res.body?.cancel();
      assert.equal((await whoIs(yan))?.username, "yan");
    } finally {
      await server.close();
      await provider.close();
    }
  },
});
