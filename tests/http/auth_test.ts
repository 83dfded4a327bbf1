import assert from "node:assert/strict";
import { passwordHashing } from "../../lib/accounts/mod.ts";
import {
  assertError,
  form,
  json,
  ORIGIN,
  registerUser,
  sessionCookieOf,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";

const PASSWORD = "correct horse battery";

async function check(app: TestApp, cookie?: string) {
  const res = await app.fetch("/api/auth/check", cookie ? withCookie(cookie) : undefined);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return await res.json();
}

function rawBody(method: string, body: string, contentType?: string): RequestInit {
  const headers: Record<string, string> = { origin: ORIGIN };
  if (contentType) headers["content-type"] = contentType;
  return { method, headers, body };
}

Deno.test("POST /api/auth/register answers 201 with the user and an HttpOnly, SameSite=Lax session cookie", async () => {
  await withApp(async (app) => {
    const res = await app.fetch(
      "/api/auth/register",
      json("POST", { username: "Alice", password: PASSWORD, displayName: "Alice Adams" }),
    );
    assert.equal(res.status, 201);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    const { user } = await res.json();
    assert.deepEqual(Object.keys(user).sort(), [
      "displayName",
      "id",
      "isAdmin",
      "isBot",
      "username",
    ]);
    assert.equal(user.username, "alice");
    assert.equal(user.displayName, "Alice Adams");
    assert.equal(typeof user.id, "string");

    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("sid="));
    assert.ok(setCookie, "a session cookie is set");
    assert.match(setCookie, /;\s*HttpOnly/i);
    assert.match(setCookie, /;\s*SameSite=Lax/i);
    assert.match(setCookie, /;\s*Path=\//i);
    assert.doesNotMatch(setCookie, /;\s*Secure/i, "plain http in tests: no Secure flag");
    assert.deepEqual(await check(app, sessionCookieOf(res)), { authenticated: true, user });
  });
});

Deno.test("POST /api/auth/register over https sets a Secure __Host- cookie", async () => {
  await withApp(async (app) => {
    const init = json("POST", { username: "secure", password: PASSWORD });
    const res = await app.fetch("/api/auth/register", {
      ...init,
      // Behind an https proxy the browser's origin is https too.
      headers: { ...init.headers, origin: "https://localhost", "x-forwarded-proto": "https" },
    });
    assert.equal(res.status, 201);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith("__Host-sid="));
    assert.ok(setCookie, "a __Host- session cookie is set");
    assert.match(setCookie, /;\s*Secure/i);
    assert.match(setCookie, /;\s*HttpOnly/i);
  });
});

Deno.test("POST /api/auth/register without displayName uses the username", async () => {
  await withApp(async (app) => {
    const { user } = await registerUser(app, { username: "plainname" });
    assert.equal(user.displayName, "plainname");
  });
});

Deno.test("POST /api/auth/register with a username taken in another case answers 409 username_taken", async () => {
  await withApp(async (app) => {
    await registerUser(app, { username: "taken" });
    const res = await app.fetch(
      "/api/auth/register",
      json("POST", { username: "TAKEN", password: PASSWORD }),
    );
    await assertError(res, 409, "username_taken");
    assert.equal(res.headers.getSetCookie().length, 0, "no session for a failed registration");
  });
});

Deno.test("POST /api/auth/register with invalid fields answers 400 naming each field", async () => {
  await withApp(async (app) => {
    const res = await app.fetch(
      "/api/auth/register",
      json("POST", { username: "ab", password: "short", displayName: "x".repeat(65) }),
    );
    const error = await assertError(res, 400, "invalid_input");
    assert.deepEqual(Object.keys(error.fields ?? {}).sort(), [
      "displayName",
      "password",
      "username",
    ]);

    for (const username of ["has space", "semi;colon", "a".repeat(33), 42]) {
      const bad = await app.fetch(
        "/api/auth/register",
        json("POST", { username, password: PASSWORD }),
      );
      const { fields } = await assertError(bad, 400, "invalid_input");
      assert.ok(fields?.username, `username ${JSON.stringify(username)} is refused`);
    }
    const long = await app.fetch(
      "/api/auth/register",
      json("POST", { username: "longpass", password: "p".repeat(257) }),
    );
    assert.ok((await assertError(long, 400, "invalid_input")).fields?.password);
    const missing = await app.fetch("/api/auth/register", json("POST", {}));
    const { fields } = await assertError(missing, 400, "invalid_input");
    assert.ok(fields?.username && fields.password);
  });
});

Deno.test("POST /api/auth/register and /login with malformed JSON answer 400 malformed_json", async () => {
  await withApp(async (app) => {
    for (const path of ["/api/auth/register", "/api/auth/login"]) {
      for (const body of ["{", '{"username": "a",}', ""]) {
        const res = await app.fetch(path, rawBody("POST", body, "application/json"));
        await assertError(res, 400, "malformed_json");
      }
    }
  });
});

Deno.test("POST /api/auth/register and /login with another content type answer 415", async () => {
  await withApp(async (app) => {
    const body = JSON.stringify({ username: "someone", password: PASSWORD });
    for (const path of ["/api/auth/register", "/api/auth/login"]) {
      await assertError(
        await app.fetch(path, rawBody("POST", body, "text/plain")),
        415,
        "unsupported_media_type",
      );
      await assertError(
        await app.fetch(path, rawBody("POST", body)),
        415,
        "unsupported_media_type",
      );
    }
  });
});

Deno.test("POST /api/auth/login with the right password answers 200 with the user and a new session cookie", async () => {
  await withApp(async (app) => {
    const registered = await registerUser(app, { username: "logan" });
    const res = await app.fetch(
      "/api/auth/login",
      json("POST", { username: "  LOGAN ", password: PASSWORD }),
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(await res.json(), { user: registered.user });
    const cookie = sessionCookieOf(res);
    assert.notEqual(cookie, registered.cookie);
    assert.match(res.headers.getSetCookie().join("\n"), /HttpOnly/i);
    assert.equal((await check(app, cookie)).user.id, registered.user.id);
    assert.equal(
      (await check(app, registered.cookie)).authenticated,
      true,
      "a sign-in elsewhere leaves other sessions alone",
    );
  });
});

Deno.test("POST /api/auth/login revokes the session whose cookie it was sent with (rotation)", async () => {
  await withApp(async (app) => {
    const { user, cookie: old } = await registerUser(app, { username: "rotor" });
    const res = await app.fetch(
      "/api/auth/login",
      json("POST", { username: "rotor", password: PASSWORD }, old),
    );
    assert.equal(res.status, 200);
    const fresh = sessionCookieOf(res);
    assert.notEqual(fresh, old);
    assert.deepEqual(await check(app, old), { authenticated: false, user: null });
    assert.deepEqual(await check(app, fresh), { authenticated: true, user });
  });
});

Deno.test("POST /api/auth/login with a wrong password answers 401 invalid_credentials", async () => {
  await withApp(async (app) => {
    await registerUser(app, { username: "wrongpw" });
    const wrong = await app.fetch(
      "/api/auth/login",
      json("POST", { username: "wrongpw", password: "not the password" }),
    );
    const error = await assertError(wrong, 401, "invalid_credentials");
    assert.equal(wrong.headers.getSetCookie().length, 0, "no session cookie");

    const unknown = await app.fetch(
      "/api/auth/login",
      json("POST", { username: "nobody-here", password: PASSWORD }),
    );
    const same = await assertError(unknown, 401, "invalid_credentials");
    assert.equal(same.message, error.message, "unknown usernames are not revealed");
  });
});

Deno.test("POST /api/auth/login with empty fields answers 400 naming them", async () => {
  await withApp(async (app) => {
    const res = await app.fetch("/api/auth/login", json("POST", { username: "", password: "" }));
    const { fields } = await assertError(res, 400, "invalid_input");
    assert.deepEqual(Object.keys(fields ?? {}).sort(), ["password", "username"]);
  });
});

Deno.test("POST /api/auth/login past the per-username limit answers 429 with Retry-After", async () => {
  // RATE_LIMIT_SCALE 0.2 turns the limit of 10 attempts per username into 2.
  await withApp(async (app) => {
    await registerUser(app, { username: "target" });
    await registerUser(app, { username: "bystander" });
    const attempt = (username: string, password: string) =>
      app.fetch("/api/auth/login", json("POST", { username, password }));

    await assertError(await attempt("target", "guess one"), 401, "invalid_credentials");
    await assertError(await attempt("target", "guess two"), 401, "invalid_credentials");
    const limited = await attempt("TARGET", PASSWORD);
    await assertError(limited, 429, "rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 15 * 60,
      `Retry-After is a number of seconds within the window: ${retryAfter}`,
    );
    assert.equal(limited.headers.getSetCookie().length, 0, "even the right password is refused");

    const other = await attempt("bystander", PASSWORD);
    assert.equal(other.status, 200, "other usernames are not limited");
  }, { RATE_LIMIT_SCALE: "0.2" });
});

Deno.test("POST /api/auth/login while the password hashing queue is full answers 503 busy with Retry-After, and works once it drains", async () => {
  await withApp(async (app) => {
    await registerUser(app, { username: "waiter" });
    // Every slot and queue place taken by work that waits for us.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = Array.from(
      { length: passwordHashing.concurrency + passwordHashing.maxQueue },
      () => passwordHashing.run(() => gate),
    );
    try {
      const busy = await app.fetch(
        "/api/auth/login",
        json("POST", { username: "waiter", password: PASSWORD }),
      );
      await assertError(busy, 503, "busy");
      assert.equal(busy.headers.get("retry-after"), "1");
      assert.equal(busy.headers.getSetCookie().length, 0);

      const page = await app.fetch(
        "/api/auth/login",
        form({ username: "waiter", password: PASSWORD }),
      );
      assert.equal(page.status, 503);
      assert.equal(page.headers.get("retry-after"), "1");
      assert.match(await page.text(), /The server is busy/);
    } finally {
      release();
      await Promise.all(held);
    }
    const ok = await app.fetch(
      "/api/auth/login",
      json("POST", { username: "waiter", password: PASSWORD }),
    );
    assert.equal(ok.status, 200);
  });
});

Deno.test("POST /api/auth/logout answers 204, clears the cookie and revokes the session", async () => {
  await withApp(async (app) => {
    const { user, cookie } = await registerUser(app, { username: "leaver" });
    assert.deepEqual(await check(app, cookie), { authenticated: true, user });
    const res = await app.fetch("/api/auth/logout", json("POST", undefined, cookie));
    assert.equal(res.status, 204);
    assert.equal(await res.text(), "");
    const cleared = res.headers.getSetCookie().find((c) => c.startsWith("sid="));
    assert.ok(cleared, "the cookie is cleared");
    assert.match(cleared, /Max-Age=0/i);
    assert.deepEqual(await check(app, cookie), { authenticated: false, user: null });
    const again = await app.fetch("/api/conversations", withCookie(cookie));
    await assertError(again, 401, "unauthorized");
  });
});

Deno.test("POST /api/auth/logout without a session still answers 204", async () => {
  await withApp(async (app) => {
    const res = await app.fetch("/api/auth/logout", json("POST"));
    assert.equal(res.status, 204);
  });
});

Deno.test("GET /api/auth/check answers authenticated false or true with the user", async () => {
  await withApp(async (app) => {
    assert.deepEqual(await check(app), { authenticated: false, user: null });
    assert.deepEqual(await check(app, "sid=not-a-real-token"), {
      authenticated: false,
      user: null,
    });
    const { user, cookie } = await registerUser(app, { displayName: "Checked Person" });
    assert.deepEqual(await check(app, cookie), { authenticated: true, user });
  });
});

Deno.test("a form post to /api/auth/register answers 303 to the next page with a session cookie", async () => {
  await withApp(async (app) => {
    const res = await app.fetch(
      "/api/auth/register",
      form({ username: "formuser", password: PASSWORD, displayName: "", next: "/conversations/x" }),
    );
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/conversations/x");
    const me = await check(app, sessionCookieOf(res));
    assert.equal(me.user.username, "formuser");
    assert.equal(me.user.displayName, "formuser", "an empty display name means none");

    const offsite = await app.fetch(
      "/api/auth/register",
      form({ username: "formuser2", password: PASSWORD, next: "//evil.example/" }),
    );
    assert.equal(offsite.status, 303);
    assert.equal(offsite.headers.get("location"), "/", "no open redirect");

    // Browsers drop tabs and line breaks ("/\t/evil.example" is "//evil.example") and read
    // "\" as "/"; a CR/LF would break the Location header.
    for (
      const [i, next] of ["/\t/evil.example", "/\\evil.example", "/x\r\nSet-Cookie: a=b"].entries()
    ) {
      const res = await app.fetch(
        "/api/auth/register",
        form({ username: `formtrick${i}`, password: PASSWORD, next }),
      );
      assert.equal(res.status, 303, JSON.stringify(next));
      assert.equal(res.headers.get("location"), "/", JSON.stringify(next));
    }
  });
});

Deno.test("a form post to /api/auth/register with errors answers the page again with them", async () => {
  await withApp(async (app) => {
    const res = await app.fetch(
      "/api/auth/register",
      form({ username: "x", password: PASSWORD, displayName: "Shown Again" }),
    );
    assert.equal(res.status, 400);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.match(html, /Use at least 3 characters\./);
    assert.match(html, /value="Shown Again"/, "what was typed is kept");
    assert.equal(res.headers.getSetCookie().length, 0);
  });
});

Deno.test("a form post to /api/auth/login answers 303, and a failing one the page with a 401", async () => {
  await withApp(async (app) => {
    await registerUser(app, { username: "formlogin" });
    const ok = await app.fetch(
      "/api/auth/login",
      form({ username: "formlogin", password: PASSWORD, next: "" }),
    );
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get("location"), "/");
    assert.equal((await check(app, sessionCookieOf(ok))).user.username, "formlogin");

    const bad = await app.fetch(
      "/api/auth/login",
      form({ username: "formlogin", password: "wrong password" }),
    );
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get("content-type") ?? "", /^text\/html/);
    const html = await bad.text();
    assert.match(html, /role="alert"[^>]*>That username and password do not match\.</);
    assert.match(html, /value="formlogin"/);
    assert.equal(bad.headers.getSetCookie().length, 0);
  });
});

Deno.test("a form post to /api/auth/logout answers 303 to /login", async () => {
  await withApp(async (app) => {
    const { cookie } = await registerUser(app);
    const res = await app.fetch("/api/auth/logout", form({}, cookie));
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/login");
    assert.equal((await check(app, cookie)).authenticated, false);
  });
});

Deno.test("a POST from another origin answers 403 bad_origin and changes nothing", async () => {
  await withApp(async (app) => {
    const { cookie } = await registerUser(app, { username: "victim" });
    const evil = (init: RequestInit): RequestInit => ({
      ...init,
      headers: { ...init.headers, origin: "https://evil.example" },
    });

    const register = await app.fetch(
      "/api/auth/register",
      evil(json("POST", { username: "intruder", password: PASSWORD })),
    );
    await assertError(register, 403, "bad_origin");
    const login = await app.fetch(
      "/api/auth/login",
      evil(form({ username: "intruder", password: PASSWORD })),
    );
    await assertError(login, 403, "bad_origin");
    const logout = await app.fetch("/api/auth/logout", evil(json("POST", undefined, cookie)));
    await assertError(logout, 403, "bad_origin");
    assert.equal((await check(app, cookie)).authenticated, true, "the session survives");

    const noOrigin = await app.fetch("/api/auth/logout", {
      method: "POST",
      headers: { cookie, "sec-fetch-site": "cross-site" },
    });
    await assertError(noOrigin, 403, "bad_origin");
    assert.equal((await check(app, cookie)).authenticated, true);

    const stillFree = await app.fetch(
      "/api/auth/login",
      json("POST", { username: "intruder", password: PASSWORD }),
    );
    await assertError(stillFree, 401, "invalid_credentials");
  });
});

Deno.test("a POST from an origin listed in ALLOWED_ORIGINS is accepted", async () => {
  await withApp(async (app) => {
    const init = json("POST", { username: "partner", password: PASSWORD });
    const res = await app.fetch("/api/auth/register", {
      ...init,
      headers: { ...init.headers, origin: "https://app.example.com" },
    });
    assert.equal(res.status, 201);
  }, { ALLOWED_ORIGINS: "https://app.example.com" });
});
