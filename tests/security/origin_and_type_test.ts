/**
 * Issue 15, item 18 (the edge's part): the Origin check compares scheme and host, for posts
 * and WebSocket upgrades alike, and a body is JSON only when its type is exactly JSON.
 */
import assert from "node:assert/strict";
import { assertError, ORIGIN, registerUser, withApp } from "../support/helpers.ts";
import { chatTest, rawUpgrade } from "../support/ws_client.ts";

/** A JSON post of `body` to `path` with these headers (no cookie: a registration). */
function post(headers: Record<string, string>, body: unknown = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

let counter = 0;
const newcomer = () => ({ username: `origin${++counter}`, password: "correct horse battery" });

Deno.test("a post from the same host on the other scheme is refused 403 bad_origin", async (t) => {
  await withApp(async (app) => {
    await t.step("https://host posting to the site served over http", async () => {
      const res = await app.fetch(
        "/api/auth/register",
        post({ origin: "https://localhost" }, newcomer()),
      );
      await assertError(res, 403, "bad_origin");
    });
    await t.step("http://host posting to the site behind an https proxy", async () => {
      const res = await app.fetch(
        "/api/auth/register",
        post({ origin: "http://localhost", "x-forwarded-proto": "https" }, newcomer()),
      );
      await assertError(res, 403, "bad_origin");
    });
    await t.step("the same host on another port", async () => {
      const res = await app.fetch(
        "/api/auth/register",
        post({ origin: "http://localhost:8443" }, newcomer()),
      );
      await assertError(res, 403, "bad_origin");
    });
  });
});

Deno.test("a post from the site's own scheme and host is accepted, over http and behind https", async () => {
  await withApp(async (app) => {
    const plain = await app.fetch("/api/auth/register", post({ origin: ORIGIN }, newcomer()));
    assert.equal(plain.status, 201);
    const proxied = await app.fetch(
      "/api/auth/register",
      post({ origin: "https://localhost", "x-forwarded-proto": "https" }, newcomer()),
    );
    assert.equal(proxied.status, 201);
  });
});

chatTest(
  "a WebSocket upgrade from the same host on https is refused when the site is on http",
  async (chat) => {
    const ann = await chat.person();
    const https = chat.server.base.replace(/^http:/, "https:");
    const refused = await rawUpgrade(chat.server.base, { cookie: ann.cookie, origin: https });
    assert.equal(refused.status, 403);
    assert.equal(JSON.parse(refused.body).error.code, "bad_origin");
    const client = await chat.connect(ann, chat.server.base);
    await client.roundTrip();
  },
);

Deno.test("only application/json is JSON: application/jsonx and text/json are 415", async () => {
  await withApp(async (app) => {
    for (const type of ["application/jsonx", "application/json-patch+json", "text/json"]) {
      const res = await app.fetch(
        "/api/auth/register",
        post({ origin: ORIGIN, "content-type": type }, newcomer()),
      );
      await assertError(res, 415, "unsupported_media_type");
    }
  });
});

Deno.test("application/json with a charset, in any case, is JSON", async () => {
  await withApp(async (app) => {
    for (const type of ["application/json; charset=utf-8", "Application/JSON;charset=UTF-8"]) {
      const res = await app.fetch(
        "/api/auth/register",
        post({ origin: ORIGIN, "content-type": type }, newcomer()),
      );
      assert.equal(res.status, 201, type);
    }
  });
});

Deno.test("a form is a form only by its exact type: application/x-www-form-urlencodedx is 415", async () => {
  await withApp(async (app) => {
    const { username, password } = newcomer();
    const res = await app.fetch("/api/auth/register", {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencodedx" },
      body: new URLSearchParams({ username, password }).toString(),
    });
    await assertError(res, 415, "unsupported_media_type");
    const person = await registerUser(app);
    assert.ok(person.cookie);
  });
});
