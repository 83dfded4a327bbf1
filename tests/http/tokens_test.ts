/**
 * Personal access tokens through the app: made, listed and revoked by their owner; accepted as
 * `Authorization: Bearer` on /api routes (without cookies and without the Origin check), and
 * refused with 401 invalid_token when revoked, expired, unknown or of a disabled account.
 */
import assert from "node:assert/strict";
import { createToken, updateAccountFlags } from "../../lib/accounts/mod.ts";
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

const DAY = 86_400_000;

/** A request signed in with `secret` only (no cookie, no Origin), with a JSON body if given. */
function bearer(secret: string, method = "GET", body?: unknown): RequestInit {
  const headers: Record<string, string> = { authorization: `Bearer ${secret}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
}

async function makeToken(app: TestApp, cookie: string, body: unknown = { name: "CI" }) {
  const res = await app.fetch("/api/tokens", json("POST", body, cookie));
  assert.equal(res.headers.get("cache-control"), "no-store", "the secret is never cached");
  return await okJson(res, 201);
}

async function assertInvalidToken(res: Response) {
  assert.equal(res.headers.get("www-authenticate"), 'Bearer error="invalid_token"');
  await assertError(res, 401, "invalid_token");
}

Deno.test("POST /api/tokens answers the secret once; the list never shows it", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const made = await makeToken(app, ann.cookie, { name: "  Deploy script " });
    assert.match(made.secret, /^hth_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(Object.keys(made.token).sort(), [
      "createdAt",
      "expiresAt",
      "id",
      "lastUsedAt",
      "name",
    ]);
    assert.equal(made.token.name, "Deploy script");
    const days = (Date.parse(made.token.expiresAt) - Date.parse(made.token.createdAt)) / DAY;
    assert.equal(days, 90, "90 days unless asked");
    const listed = await okJson(await app.fetch("/api/tokens", withCookie(ann.cookie)));
    assert.deepEqual(listed.tokens, [made.token]);
    assert.ok(!JSON.stringify(listed).includes(made.secret.slice(4)));
    const year = await makeToken(app, ann.cookie, { name: "long", expiresInDays: 365 });
    assert.equal((Date.parse(year.token.expiresAt) - Date.parse(year.token.createdAt)) / DAY, 365);
  });
});

Deno.test("POST /api/tokens refuses a missing name, an expiry out of 1–365 and a 21st token", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const bad = async (body: unknown, field: string) => {
      const error = await assertError(
        await app.fetch("/api/tokens", json("POST", body, ann.cookie)),
        400,
        "invalid_input",
      );
      assert.ok(error.fields?.[field], `${JSON.stringify(body)} names ${field}`);
    };
    await bad({}, "name");
    await bad({ name: "\u200b " }, "name");
    await bad({ name: "x".repeat(65) }, "name");
    await bad({ name: "a", expiresInDays: 0 }, "expiresInDays");
    await bad({ name: "a", expiresInDays: 366 }, "expiresInDays");
    await bad({ name: "a", expiresInDays: 1.5 }, "expiresInDays");
    await assertError(
      await app.fetch("/api/tokens", json("POST", { name: "x" })),
      401,
      "unauthorized",
    );
    for (let i = 0; i < 20; i++) await makeToken(app, ann.cookie, { name: `t${i}` });
    await assertError(
      await app.fetch("/api/tokens", json("POST", { name: "t20" }, ann.cookie)),
      409,
      "limit_reached",
    );
  });
});

Deno.test("a bearer token signs in on /api routes, with no cookie and no Origin check", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const { secret, token } = await makeToken(app, ann.cookie);
    const check = await okJson(await app.fetch("/api/auth/check", bearer(secret)));
    assert.equal(check.user.id, ann.user.id);
    // A program sends no Origin; even a foreign one is no forgery with a bearer token.
    const made = await app.fetch("/api/conversations", {
      ...bearer(secret, "POST", { participantIds: [ben.user.id] }),
      headers: {
        ...bearer(secret).headers,
        "content-type": "application/json",
        origin: "https://elsewhere.example",
      },
    });
    const { conversation } = await okJson(made, 201);
    const sent = await app.fetch(
      `/api/conversations/${conversation.id}/messages`,
      bearer(secret, "POST", { content: "from a script" }),
    );
    assert.equal((await okJson(sent, 201)).message.author.id, ann.user.id);
    const [listed] = (await okJson(await app.fetch("/api/tokens", bearer(secret)))).tokens;
    assert.equal(listed.id, token.id);
    assert.ok(listed.lastUsedAt, "its use is recorded");
  });
});

Deno.test("a bearer request ignores cookies: a bad token with a good cookie is 401, a good one leaves the cookie alone", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const res = await app.fetch("/api/auth/check", {
      headers: { cookie: ann.cookie, authorization: `Bearer hth_${"x".repeat(43)}` },
    });
    await assertInvalidToken(res);
    // Never "signed out" instead: a route that answers signed-out people refuses too.
    for (const header of ["Bearer", "Bearer ", "bearer nonsense", "Bearer hth_short"]) {
      await assertInvalidToken(
        await app.fetch("/api/auth/check", { headers: { authorization: header } }),
      );
    }
    // A good token with a cookie: the routes that act on the cookie's session leave it alone.
    const { secret } = await makeToken(app, ann.cookie);
    const out = await app.fetch("/api/auth/logout", {
      method: "POST",
      headers: { cookie: ann.cookie, authorization: `Bearer ${secret}` },
    });
    assert.equal(out.status, 204);
    const still = await okJson(await app.fetch("/api/auth/check", withCookie(ann.cookie)));
    assert.equal(still.user?.id, ann.user.id, "the cookie's session was not signed out");
    // Another scheme is not a token: the cookie signs in as before.
    const basic = await app.fetch("/api/auth/check", {
      headers: { cookie: ann.cookie, authorization: "Basic YTpi" },
    });
    assert.equal((await okJson(basic)).user.id, ann.user.id);
  });
});

Deno.test("pages ignore bearer tokens: only /api routes take them", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const { secret } = await makeToken(app, ann.cookie);
    const page = await app.fetch("/account", { ...bearer(secret), redirect: "manual" });
    assert.equal(page.status, 303, "signed out on a page: sent to sign in");
    assert.match(page.headers.get("location") ?? "", /^\/login/);
    const junk = await app.fetch("/account", {
      headers: { authorization: "Bearer junk" },
      redirect: "manual",
    });
    assert.equal(junk.status, 303, "a bad token on a page is no 401 either");
  });
});

Deno.test("revoked, expired and disabled accounts' tokens are refused with 401 invalid_token", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const a = await makeToken(app, ann.cookie, { name: "a" });
    const b = await makeToken(app, ann.cookie, { name: "b" });

    await okJson(await app.fetch("/api/conversations", bearer(a.secret)));
    // Someone else's token, or a made-up id: 404, and nothing is revoked.
    await assertError(
      await app.fetch(`/api/tokens/${a.token.id}`, json("DELETE", undefined, ben.cookie)),
      404,
      "not_found",
    );
    await assertError(
      await app.fetch("/api/tokens/nonsense", json("DELETE", undefined, ann.cookie)),
      404,
      "not_found",
    );
    const revoked = await app.fetch(
      `/api/tokens/${a.token.id}`,
      json("DELETE", undefined, ann.cookie),
    );
    assert.equal(revoked.status, 204);
    await assertInvalidToken(await app.fetch("/api/conversations", bearer(a.secret)));
    await okJson(await app.fetch("/api/conversations", bearer(b.secret)));

    // A token made two days ago for one day (the lib's clock).
    const old = await createToken(app.ctx.kv, ann.user.id, { name: "old", expiresInDays: 1 }, {
      now: new Date(Date.now() - 2 * DAY),
    });
    await assertInvalidToken(await app.fetch("/api/conversations", bearer(old.secret)));
    const names = (await okJson(await app.fetch("/api/tokens", withCookie(ann.cookie)))).tokens
      .map((t: { name: string }) => t.name);
    assert.deepEqual(names, ["b"], "neither the revoked nor the expired one is listed");

    await updateAccountFlags(app.ctx.kv, ann.user.id, { disabled: true });
    await assertInvalidToken(await app.fetch("/api/conversations", bearer(b.secret)));
    // A token revoked with a token: allowed (a script may end its own).
    await updateAccountFlags(app.ctx.kv, ann.user.id, { disabled: false });
    const self = await app.fetch(`/api/tokens/${b.token.id}`, bearer(b.secret, "DELETE"));
    assert.equal(self.status, 204);
    await assertInvalidToken(await app.fetch("/api/conversations", bearer(b.secret)));
  });
});

Deno.test("the account page makes a token without JavaScript and shows its secret once", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const asPage = (fields: Record<string, string>, path: string) => {
      const init = form(fields, ann.cookie);
      return app.fetch(path, {
        ...init,
        headers: { ...init.headers as Record<string, string>, accept: "text/html" },
        redirect: "manual",
      });
    };
    const made = await asPage({ name: "Backup job", expiresInDays: "30" }, "/api/tokens");
    assert.equal(made.status, 200);
    assert.match(made.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(made.headers.get("cache-control"), "no-store");
    const html = await made.text();
    const secret = /hth_[A-Za-z0-9_-]{43}/.exec(html)?.[0];
    assert.ok(secret, "the page shows the new secret");
    assert.match(html, /not shown again/);
    assert.equal(
      (await okJson(await app.fetch("/api/auth/check", bearer(secret)))).user.id,
      ann.user.id,
    );

    const again = await (await app.fetch("/account", withCookie(ann.cookie))).text();
    assert.ok(!again.includes(secret), "the account page never shows it again");
    assert.match(again, /Backup job/);
    const [token] = (await okJson(await app.fetch("/api/tokens", withCookie(ann.cookie)))).tokens;
    assert.equal((Date.parse(token.expiresAt) - Date.parse(token.createdAt)) / DAY, 30);

    const bad = await asPage({ name: "", expiresInDays: "90" }, "/api/tokens");
    assert.equal(bad.status, 303);
    assert.match(bad.headers.get("location") ?? "", /\?error=invalid_input$/);

    const revoked = await asPage({}, `/api/tokens/${token.id}/revoke`);
    assert.equal(revoked.status, 303);
    assert.equal(revoked.headers.get("location"), "/account?done=token_revoked");
    await assertInvalidToken(await app.fetch("/api/auth/check", bearer(secret)));
    assert.match(
      await (await app.fetch("/account?done=token_revoked", withCookie(ann.cookie))).text(),
      /That token is revoked/,
    );
  });
});
