/**
 * Email (issue 18) through HTTP, with a real SMTP server process receiving every mail:
 * giving and confirming an address, one account per address, the form twins, unsubscribing,
 * and password reset (202 whoever is named, a link that works once, every session ended).
 */
import assert from "node:assert/strict";
import {
  assertError,
  form,
  json,
  okJson,
  registerUser,
  sessionCookieOf,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { deliver, linkIn, withEmailApp } from "../support/email.ts";
import { openSocket } from "../support/ws_client.ts";
import { outboxQueuePrefix, resetTokenKey } from "../../lib/storage/mod.ts";
import { countKeys } from "../support/util.ts";

type App = Parameters<Parameters<typeof withEmailApp>[0]>[0];

/** Gives `cookie`'s person `address` and opens the link mailed to it. */
async function confirmAddress(
  app: App,
  sink: Parameters<Parameters<typeof withEmailApp>[0]>[1],
  who: { cookie: string; password: string },
  address: string,
) {
  const res = await app.fetch(
    "/api/me/email",
    json("PUT", { email: address, currentPassword: who.password }, who.cookie),
  );
  assert.equal(res.status, 202, await res.clone().text());
  await deliver(app.ctx);
  const mail = (await sink.waitFor(1, { to: address })).at(-1)!;
  const page = await app.fetch(linkIn(mail, "/email/confirm/").pathname);
  assert.equal(page.status, 200);
  return mail;
}

Deno.test("an address is given, confirmed by the mailed link once, and no other account may have it", async () => {
  await withEmailApp(async (app, sink) => {
    const [ann, ben] = await Promise.all([registerUser(app), registerUser(app)]);
    assert.deepEqual(await okJson(await app.fetch("/api/me/email", withCookie(ann.cookie))), {
      address: null,
      confirmed: false,
      notifications: true,
    });
    const put = await app.fetch(
      "/api/me/email",
      json("PUT", { email: "ann@example.com", currentPassword: ann.password }, ann.cookie),
    );
    assert.deepEqual(await okJson(put, 202), {
      address: "ann@example.com",
      confirmed: false,
      notifications: true,
    });
    assert.equal(await deliver(app.ctx), 1);
    const [mail] = await sink.waitFor(1);
    assert.deepEqual(mail.to, ["ann@example.com"]);
    assert.equal(mail.subject, "Confirm your email address for Hearth");
    const link = linkIn(mail, "/email/confirm/");
    assert.equal(link.origin, "http://localhost", "the origin Ann gave it from");
    const opened = await app.fetch(link.pathname);
    assert.equal(opened.status, 200);
    assert.match(await opened.text(), /data-testid="email-confirmed"/);
    const again = await app.fetch(link.pathname);
    assert.equal(again.status, 404, "one use");
    assert.match(await again.text(), /This link does not work/);
    assert.equal(
      (await okJson(await app.fetch("/api/me/email", withCookie(ann.cookie)))).confirmed,
      true,
    );

    // Ben cannot take it (in any case), and is not told whose it is.
    const taken = await app.fetch(
      "/api/me/email",
      json("PUT", { email: "ANN@example.com", currentPassword: ben.password }, ben.cookie),
    );
    const error = await assertError(taken, 409, "email_taken");
    assert.doesNotMatch(error.message, new RegExp(ann.user.username));
    await assertError(
      await app.fetch("/api/me/email", json("PUT", { email: "not an address" }, ben.cookie)),
      400,
      "invalid_input",
    );
    // An address can reset the password: giving one takes the password.
    for (const currentPassword of [undefined, "not ben's password"]) {
      const res = await app.fetch(
        "/api/me/email",
        json("PUT", { email: "ben@example.com", currentPassword }, ben.cookie),
      );
      const refused = await assertError(res, 400, "wrong_password");
      assert.ok(refused.fields?.currentPassword);
    }
    await assertError(
      await app.fetch("/api/me/email", json("PUT", { mail: "x@y.z" }, ben.cookie)),
      400,
      "invalid_input",
    );
    await assertError(
      await app.fetch("/api/me/email", json("PUT", { email: "b@example.com" })),
      401,
      "unauthorized",
    );
    await assertError(await app.fetch("/api/me/email"), 401, "unauthorized");
    await assertError(
      await app.fetch("/email/confirm/x".replace("/email", "/api/me/email")),
      404,
      "not_found",
    );

    // Removed: the address is free again.
    assert.equal(
      (await app.fetch("/api/me/email", json("DELETE", undefined, ann.cookie))).status,
      204,
    );
    assert.equal(
      (await okJson(await app.fetch("/api/me/email", withCookie(ann.cookie)))).address,
      null,
    );
    const now = await app.fetch(
      "/api/me/email",
      json("PUT", { email: "ann@example.com", currentPassword: ben.password }, ben.cookie),
    );
    assert.equal(now.status, 202);
  });
});

Deno.test("without JavaScript: the account page's forms give, remove and turn off the address", async () => {
  await withEmailApp(async (app, sink) => {
    const ann = await registerUser(app);
    const headers = { accept: "text/html" };
    const post = (path: string, fields: Record<string, string>) => {
      const init = form(fields, ann.cookie);
      return app.fetch(path, { ...init, headers: { ...init.headers, ...headers } });
    };
    const bad = await post("/api/me/email", { email: "nope" });
    assert.equal(bad.status, 303);
    assert.equal(bad.headers.get("location"), "/account?email_error=invalid_input#email");
    const page0 =
      await (await app.fetch("/account?email_error=invalid_input", withCookie(ann.cookie))).text();
    assert.match(page0, /Enter an email address, such as ann@example.com/);

    const sent = await post("/api/me/email", {
      email: "ann@example.com",
      currentPassword: ann.password,
    });
    assert.equal(sent.status, 303);
    assert.equal(sent.headers.get("location"), "/account?email=sent#email");
    const page1 = await (await app.fetch("/account?email=sent", withCookie(ann.cookie))).text();
    assert.match(page1, /We sent a confirmation link/);
    assert.match(page1, /Waiting for confirmation/);
    await deliver(app.ctx);
    const [mail] = await sink.waitFor(1);
    await app.fetch(linkIn(mail, "/email/confirm/").pathname);
    assert.match(await (await app.fetch("/account", withCookie(ann.cookie))).text(), />Confirmed</);

    const off = await post("/api/me/email/notifications", { enabled: "false" });
    assert.equal(off.headers.get("location"), "/account?email=off#email");
    assert.equal(
      (await okJson(await app.fetch("/api/me/email", withCookie(ann.cookie)))).notifications,
      false,
    );
    const on = await app.fetch(
      "/api/me/email/notifications",
      json("PUT", { enabled: true }, ann.cookie),
    );
    assert.equal((await okJson(on)).notifications, true);
    await assertError(
      await app.fetch("/api/me/email/notifications", json("PUT", { enabled: "maybe" }, ann.cookie)),
      400,
      "invalid_input",
    );

    const removed = await post("/api/me/email/remove", {});
    assert.equal(removed.headers.get("location"), "/account?email=removed#email");
    assert.equal(
      (await okJson(await app.fetch("/api/me/email", withCookie(ann.cookie)))).address,
      null,
    );
  });
});

Deno.test("the unsubscribe link: a page with a button, the POST (or a mail client's one-click) turns email off", async () => {
  await withEmailApp(async (app, sink) => {
    const ann = await registerUser(app);
    await confirmAddress(app, sink, ann, "ann@example.com");
    const { getEmailRecord, unsubscribeToken } = await import("../../lib/accounts/mod.ts");
    const record = (await getEmailRecord(app.ctx.kv, ann.user.id))!;
    const path = `/email/unsubscribe/${unsubscribeToken(ann.user.id, record)}`;
    const shown = await app.fetch(path);
    assert.equal(shown.status, 200);
    assert.match(await shown.text(), /Stop email notifications\?/);
    assert.equal(
      (await okJson(await app.fetch("/api/me/email", withCookie(ann.cookie)))).notifications,
      true,
      "a GET changes nothing",
    );
    const wrong = await app.fetch(`/email/unsubscribe/${ann.user.id}.${"A".repeat(43)}`, {
      method: "POST",
    });
    assert.equal(wrong.status, 404);
    // RFC 8058: the mail provider's server posts, with no Origin and no cookie.
    const oneClick = await app.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    assert.equal(oneClick.status, 200);
    assert.match(await oneClick.text(), /Unsubscribed/);
    assert.equal(
      (await okJson(await app.fetch("/api/me/email", withCookie(ann.cookie)))).notifications,
      false,
    );
    assert.equal((await app.fetch("/email/unsubscribe/garbage")).status, 404);
  });
});

Deno.test("password reset: 202 whoever is named, mail only for a real account, one use, every session and socket ended", async () => {
  await withEmailApp(async (app, sink) => {
    const ann = await registerUser(app, { password: "first long password 1" });
    const bystander = await registerUser(app);
    await confirmAddress(app, sink, ann, "Ann@Example.com");
    const before = sink.received.length;
    const socket = await openSocket(app.base!, ann.cookie);
    const login = await app.fetch(
      "/api/auth/login",
      json("POST", { username: ann.user.username, password: "first long password 1" }),
    );
    const otherDevice = sessionCookieOf(login);

    // Unknown names, a known name without a confirmed address, and Ann: the same answer and
    // the same work (one queued job each; no token, no mail queued by the request itself).
    for (
      const who of ["nobody-here", "nobody@example.com", bystander.user.username, ann.user.username]
    ) {
      const res = await app.fetch("/api/auth/password-reset", json("POST", { login: who }));
      assert.equal(res.status, 202, who);
      assert.deepEqual(await res.json(), {});
    }
    assert.equal(await countKeys(app.ctx.kv, outboxQueuePrefix("mail_digest")), 4);
    assert.equal(await countKeys(app.ctx.kv, outboxQueuePrefix("mail")), 0);
    assert.equal(await countKeys(app.ctx.kv, resetTokenKey("").slice(0, 1)), 0);
    await deliver(app.ctx);
    const mails = await sink.waitFor(before + 1);
    await deliver(app.ctx);
    assert.equal(sink.received.length, before + 1, "one mail: Ann's");
    const mail = mails.at(-1)!;
    assert.deepEqual(mail.to, ["Ann@example.com"], "the local part as given; domains have no case");
    assert.equal(mail.subject, "Reset your password on Hearth");

    // By address too, any case.
    await app.fetch("/api/auth/password-reset", json("POST", { login: "ann@EXAMPLE.com" }));
    await deliver(app.ctx);
    await sink.waitFor(before + 2);

    const link = linkIn(mail, "/reset/");
    const page = await app.fetch(link.pathname);
    assert.equal(page.status, 200);
    // The token never leaves in a Referer to another site.
    assert.equal(page.headers.get("referrer-policy"), "same-origin");
    assert.match(await page.text(), /Choose a new password/);
    const token = link.pathname.split("/").at(-1)!;
    await assertError(
      await app.fetch(
        "/api/auth/password-reset/complete",
        json("POST", { token, password: "password1" }),
      ),
      400,
      "invalid_input",
    );
    const done = await app.fetch(
      "/api/auth/password-reset/complete",
      json("POST", { token, password: "second long password 2" }),
    );
    assert.equal(done.status, 204);
    assert.equal((await socket.waitClosed(8000)).code, 1008, "the socket closed");
    for (const cookie of [ann.cookie, otherDevice]) {
      const check = await okJson(await app.fetch("/api/auth/check", withCookie(cookie)));
      assert.equal(check.authenticated, false, "every session ended");
    }
    const reused = await app.fetch(
      "/api/auth/password-reset/complete",
      json("POST", { token, password: "third long password 3" }),
    );
    await assertError(reused, 404, "reset_invalid");
    assert.equal((await app.fetch(link.pathname)).status, 404);
    // The second link was made against the old password: void now too.
    const second = linkIn(sink.received[before + 1], "/reset/");
    assert.equal((await app.fetch(second.pathname)).status, 404);
    const old = await app.fetch(
      "/api/auth/login",
      json("POST", { username: ann.user.username, password: "first long password 1" }),
    );
    assert.equal(old.status, 401);
    const fresh = await app.fetch(
      "/api/auth/login",
      json("POST", { username: ann.user.username, password: "second long password 2" }),
    );
    assert.equal(fresh.status, 200);
    await assertError(
      await app.fetch("/api/auth/password-reset", json("POST", { login: "" })),
      400,
      "invalid_input",
    );
  }, { server: true });
});

Deno.test("password reset without JavaScript: /forgot, the mailed link's form, a weak password shown beside the field", async () => {
  await withEmailApp(async (app, sink) => {
    const ann = await registerUser(app);
    await confirmAddress(app, sink, ann, "ann@example.com");
    const forgot = await app.fetch("/forgot");
    assert.equal(forgot.status, 200);
    assert.match(await forgot.text(), /action="\/api\/auth\/password-reset"/);
    assert.match(await (await app.fetch("/login")).text(), /href="\/forgot"/);
    const asked = await app.fetch("/api/auth/password-reset", form({ login: ann.user.username }));
    assert.equal(asked.status, 303);
    assert.equal(asked.headers.get("location"), "/forgot?sent=1");
    assert.match(await (await app.fetch("/forgot?sent=1")).text(), /Check your email/);
    await deliver(app.ctx);
    const mail = (await sink.waitFor(2)).at(-1)!;
    const token = linkIn(mail, "/reset/").pathname.split("/").at(-1)!;
    const weak = await app.fetch(
      "/api/auth/password-reset/complete",
      form({ token, password: "password1" }),
    );
    assert.equal(weak.status, 400);
    const weakPage = await weak.text();
    assert.match(weakPage, /role="alert"[^>]*>[^<]*common/);
    assert.match(weakPage, new RegExp(`value="${token}"`));
    const done = await app.fetch(
      "/api/auth/password-reset/complete",
      form({ token, password: "a much better password 9" }),
    );
    assert.equal(done.status, 303);
    assert.equal(done.headers.get("location"), "/reset/done");
    assert.match(await (await app.fetch("/reset/done")).text(), /Password changed/);
  });
});

Deno.test("password reset is rate limited per name, and email routes are 404 when the server sends no email", async () => {
  await withEmailApp(async (app) => {
    for (let i = 0; i < 5; i++) {
      const res = await app.fetch("/api/auth/password-reset", json("POST", { login: "carl" }));
      assert.equal(res.status, 202);
    }
    const limited = await app.fetch("/api/auth/password-reset", json("POST", { login: "Carl" }));
    await assertError(limited, 429, "rate_limited");
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    const other = await app.fetch("/api/auth/password-reset", json("POST", { login: "dora" }));
    assert.equal(other.status, 202);
  });
  await withApp(async (app) => {
    const ann = await registerUser(app);
    await assertError(await app.fetch("/api/me/email", withCookie(ann.cookie)), 404, "email_off");
    await assertError(
      await app.fetch("/api/me/email", json("PUT", { email: "a@example.com" }, ann.cookie)),
      404,
      "email_off",
    );
    await assertError(
      await app.fetch("/api/auth/password-reset", json("POST", { login: "ann" })),
      404,
      "email_off",
    );
    assert.equal((await app.fetch("/forgot")).status, 404);
    assert.doesNotMatch(await (await app.fetch("/login")).text(), /Forgot your password/);
    assert.doesNotMatch(
      await (await app.fetch("/account", withCookie(ann.cookie))).text(),
      /id="email"/,
    );
  });
});
