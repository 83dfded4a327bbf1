/** Sessions, password change and password rules, through real HTTP and real sockets. */
import assert from "node:assert/strict";
import {
  assertError,
  form,
  json,
  okJson,
  registerUser,
  sessionCookieOf,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { chatTest } from "../support/ws_client.ts";

async function signedIn(app: Pick<TestApp, "fetch">, cookie: string): Promise<boolean> {
  return (await (await app.fetch("/api/auth/check", withCookie(cookie))).json()).authenticated;
}

async function login(app: Pick<TestApp, "fetch">, username: string, password: string) {
  const res = await app.fetch("/api/auth/login", json("POST", { username, password }));
  assert.equal(res.status, 200, `login as ${username}`);
  return sessionCookieOf(res);
}

Deno.test("registration refuses the most common passwords with a clear message, JSON and forms alike", async () => {
  await withApp(async (app) => {
    for (const password of ["password1", "12345678", "qwertyuiop", "iloveyou", "aaaaaaaa"]) {
      const res = await app.fetch(
        "/api/auth/register",
        json("POST", { username: `u${password.length}${password[0]}`, password }),
      );
      const error = await assertError(res, 400, "invalid_input");
      assert.match(error.fields?.password ?? "", /most common|too easy/, password);
    }
    const page = await app.fetch(
      "/api/auth/register",
      {
        ...form({ username: "formuser", password: "password123" }),
        headers: { ...form({}).headers, accept: "text/html" },
      },
    );
    assert.equal(page.status, 400);
    assert.match(await page.text(), /most common ones, or too easy to guess/);
    // A long, unusual passphrase is fine; 257 characters is not.
    assert.equal(
      (await registerUser(app, { password: "violet kettle rowing saturday" })).user.username
        .length > 0,
      true,
    );
    const long = await app.fetch(
      "/api/auth/register",
      json("POST", { username: "longpw", password: "x".repeat(257) }),
    );
    assert.match(
      (await assertError(long, 400, "invalid_input")).fields?.password ?? "",
      /at most 256/,
    );
  });
});

Deno.test("GET /api/auth/sessions lists the user's sessions, marks this one, and never shows a token", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    const second = await login(app, "ann", ann.password);
    const { sessions } = await okJson(await app.fetch("/api/auth/sessions", withCookie(second)));
    assert.equal(sessions.length, 2);
    assert.deepEqual(sessions.map((s: { current: boolean }) => s.current).sort(), [false, true]);
    const raw = JSON.stringify(sessions);
    for (const cookie of [ann.cookie, second]) assert.ok(!raw.includes(cookie.split("=")[1]));
    await assertError(await app.fetch("/api/auth/sessions"), 401, "unauthorized");
  });
});

Deno.test("a session can be signed out from another one; nobody else can sign it out", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    const laptop = await login(app, "ann", ann.password);
    const ben = await registerUser(app, { username: "ben" });
    const { sessions } = await okJson(await app.fetch("/api/auth/sessions", withCookie(laptop)));
    const other = sessions.find((s: { current: boolean }) => !s.current);

    const stranger = await app.fetch(
      `/api/auth/sessions/${other.id}`,
      json("DELETE", undefined, ben.cookie),
    );
    await assertError(stranger, 404, "not_found");
    assert.equal(await signedIn(app, ann.cookie), true);

    const res = await app.fetch(
      `/api/auth/sessions/${other.id}`,
      json("DELETE", undefined, laptop),
    );
    assert.equal(res.status, 204);
    assert.equal(await signedIn(app, ann.cookie), false);
    assert.equal(await signedIn(app, laptop), true);
    await assertError(
      await app.fetch(`/api/auth/sessions/${other.id}`, json("DELETE", undefined, laptop)),
      404,
      "not_found",
    );
  });
});

chatTest("sign out everywhere ends every session and closes their open sockets", async (chat) => {
  const { server } = chat;
  const ann = await chat.person();
  const phone = await login(server, ann.user.username, "correct horse battery");
  const socket = await chat.connect(ann);
  const res = await server.fetch("/api/auth/sessions/revoke-all", {
    ...form({}, phone),
    headers: { ...form({}, phone).headers, accept: "text/html" },
    redirect: "manual",
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/login");
  assert.equal(await signedIn(server, ann.cookie), false);
  assert.equal(await signedIn(server, phone), false);
  const closed = await socket.waitClosed();
  assert.equal(closed.code, 1008);
});

chatTest(
  "changing the password checks the current one, signs out the other sessions and rotates this one",
  async (chat) => {
    const { server } = chat;
    const ann = await chat.person();
    const desk = await login(server, ann.user.username, "correct horse battery");
    const socket = await chat.connect(ann); // a socket of the other session

    const wrong = await server.fetch(
      "/api/auth/password",
      json("POST", {
        currentPassword: "not it at all",
        newPassword: "violet kettle rowing saturday",
      }, desk),
    );
    assert.equal(
      (await assertError(wrong, 400, "wrong_password")).fields?.currentPassword !== undefined,
      true,
    );
    const weak = await server.fetch(
      "/api/auth/password",
      json("POST", { currentPassword: "correct horse battery", newPassword: "password1" }, desk),
    );
    await assertError(weak, 400, "invalid_input");
    assert.equal(await signedIn(server, ann.cookie), true, "failed attempts change nothing");

    const ok = await server.fetch(
      "/api/auth/password",
      json("POST", {
        currentPassword: "correct horse battery",
        newPassword: "violet kettle rowing saturday",
      }, desk),
    );
    assert.equal(ok.status, 204);
    const rotated = sessionCookieOf(ok);
    assert.notEqual(rotated, desk);
    assert.equal(await signedIn(server, rotated), true);
    assert.equal(await signedIn(server, desk), false, "this session got a fresh id");
    assert.equal(await signedIn(server, ann.cookie), false, "the other session ended");
    assert.equal((await socket.waitClosed()).code, 1008);

    const old = await server.fetch(
      "/api/auth/login",
      json("POST", { username: ann.user.username, password: "correct horse battery" }),
    );
    await assertError(old, 401, "invalid_credentials");
    await login(server, ann.user.username, "violet kettle rowing saturday");
  },
);

Deno.test("a password change form without JavaScript goes back to /account with what happened", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    const post = (fields: Record<string, string>) => {
      const init = form(fields, ann.cookie);
      return app.fetch("/api/auth/password", {
        ...init,
        headers: { ...init.headers, accept: "text/html", referer: "http://localhost/account" },
        redirect: "manual",
      });
    };
    const wrong = await post({
      currentPassword: "nope nope nope",
      newPassword: "violet kettle rowing saturday",
    });
    assert.equal(wrong.status, 303);
    assert.equal(wrong.headers.get("location"), "/account?error=wrong_password");
    const weak = await post({ currentPassword: ann.password, newPassword: "qwertyuiop" });
    assert.equal(weak.headers.get("location"), "/account?error=weak_password");
    const page = await app.fetch("/account?error=weak_password", withCookie(ann.cookie));
    assert.match(await page.text(), /not one of the most common ones/);

    const done = await post({
      currentPassword: ann.password,
      newPassword: "violet kettle rowing saturday",
    });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get("location"), "/account?done=password_changed");
    const after = await app.fetch(
      "/account?done=password_changed",
      withCookie(sessionCookieOf(done)),
    );
    assert.match(await after.text(), /Your password is changed/);
  });
});

Deno.test("the account page lists where you are signed in, with sign-out buttons", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    const res = await app.fetch("/api/auth/login", {
      ...json("POST", { username: "ann", password: ann.password }),
      headers: {
        ...json("POST", { username: "ann", password: ann.password }).headers,
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
      },
    });
    const page = await app.fetch("/account", withCookie(ann.cookie));
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("cache-control"), "no-store");
    const html = await page.text();
    assert.match(html, /Where you(&#39;|')re signed in/);
    assert.match(html, /Firefox on Linux/);
    assert.match(html, /This device/);
    assert.match(html, /Sign out everywhere/);
    assert.equal((html.match(/\/revoke"/g) ?? []).length, 1, "one button, for the other session");
    assert.equal(res.status, 200);
    const anonymous = await app.fetch("/account", { redirect: "manual" });
    assert.equal(anonymous.status, 303);
  });
});

Deno.test("an expired session is refused everywhere: API 401, pages to /login, no WebSocket", async () => {
  // 0.00002 days ≈ 1.7 s of absolute lifetime.
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    assert.equal(await signedIn(app, ann.cookie), true);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(await signedIn(app, ann.cookie), false);
    await assertError(
      await app.fetch("/api/conversations", withCookie(ann.cookie)),
      401,
      "unauthorized",
    );
    const page = await app.fetch("/account", { ...withCookie(ann.cookie), redirect: "manual" });
    assert.equal(page.status, 303);
    const ws = await app.fetch("/api/ws", {
      headers: { cookie: ann.cookie, origin: "http://localhost", upgrade: "websocket" },
    });
    assert.equal(ws.status, 401);
  }, { SESSION_TTL_DAYS: "0.00002" });
});
