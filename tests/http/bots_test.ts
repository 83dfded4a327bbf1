/**
 * Bots through the app: a person makes one (and its token), adds it to a channel like anyone,
 * and it posts there with its token; outside its conversations it is an outsider (404); it
 * cannot make bots or tokens; it is rate-limited like a person; deleting it ends its token.
 */
import assert from "node:assert/strict";
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

function bearer(secret: string, method = "GET", body?: unknown): RequestInit {
  const headers: Record<string, string> = { authorization: `Bearer ${secret}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
}

async function makeBot(app: TestApp, cookie: string, username = "deploy-bot") {
  const res = await app.fetch(
    "/api/bots",
    json("POST", { username, displayName: "Deploy bot" }, cookie),
  );
  assert.equal(res.headers.get("cache-control"), "no-store");
  return await okJson(res, 201) as { bot: { id: string; username: string }; secret: string };
}

async function channelOf(app: TestApp, cookie: string, title = "builds") {
  const res = await app.fetch(
    "/api/conversations",
    json("POST", { kind: "channel", title }, cookie),
  );
  return (await okJson(res, 201)).conversation.id as string;
}

Deno.test("POST /api/bots makes a bot with a token; its owner lists it; it signs in with the token only", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const { bot, secret } = await makeBot(app, ann.cookie);
    assert.deepEqual(
      { ...bot },
      {
        id: bot.id,
        username: "deploy-bot",
        displayName: "Deploy bot",
        isAdmin: false,
        isBot: true,
      },
    );
    assert.match(secret, /^hth_/);
    const listed = await okJson(await app.fetch("/api/bots", withCookie(ann.cookie)));
    assert.deepEqual(listed.bots.map((b: { id: string }) => b.id), [bot.id]);
    const ben = await registerUser(app);
    assert.deepEqual((await okJson(await app.fetch("/api/bots", withCookie(ben.cookie)))).bots, []);
    const me = await okJson(await app.fetch("/api/auth/check", bearer(secret)));
    assert.equal(me.user.id, bot.id);
    assert.equal(me.user.isBot, true);
    // No password: signing in with one fails like a wrong password.
    const login = await app.fetch(
      "/api/auth/login",
      json("POST", { username: bot.username, password: "anything at all" }),
    );
    await assertError(login, 401, "invalid_credentials");
  });
});

Deno.test("POST /api/bots refuses bad names, taken names and an 11th bot", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    for (
      const [body, field] of [
        [{ username: "x", displayName: "X" }, "username"],
        [{ username: "no spaces", displayName: "X" }, "username"],
        [{ username: "okname", displayName: "" }, "displayName"],
        [{ displayName: "X" }, "username"],
      ] as const
    ) {
      const error = await assertError(
        await app.fetch("/api/bots", json("POST", body, ann.cookie)),
        400,
        "invalid_input",
      );
      assert.ok(error.fields?.[field], `${JSON.stringify(body)} names ${field}`);
    }
    await assertError(
      await app.fetch(
        "/api/bots",
        json("POST", { username: ann.user.username, displayName: "Me?" }, ann.cookie),
      ),
      409,
      "username_taken",
    );
    for (let i = 0; i < 10; i++) await makeBot(app, ann.cookie, `bot${i}`);
    await assertError(
      await app.fetch(
        "/api/bots",
        json("POST", { username: "bot10", displayName: "B" }, ann.cookie),
      ),
      409,
      "limit_reached",
    );
  });
});

Deno.test("a bot may not create bots or tokens (403 not_for_bots)", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const { secret } = await makeBot(app, ann.cookie);
    await assertError(
      await app.fetch("/api/bots", bearer(secret, "POST", { username: "child", displayName: "C" })),
      403,
      "not_for_bots",
    );
    await assertError(
      await app.fetch("/api/tokens", bearer(secret, "POST", { name: "another" })),
      403,
      "not_for_bots",
    );
  });
});

Deno.test("a bot is refused outside its conversations (404) and posts once added like anyone", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const { bot, secret } = await makeBot(app, ann.cookie);
    const id = await channelOf(app, ann.cookie);
    await assertError(
      await app.fetch(`/api/conversations/${id}`, bearer(secret)),
      404,
      "not_found",
    );
    await assertError(
      await app.fetch(
        `/api/conversations/${id}/messages`,
        bearer(secret, "POST", { content: "hi" }),
      ),
      404,
      "not_found",
    );
    const added = await app.fetch(
      `/api/conversations/${id}/members`,
      json("POST", { usernames: [bot.username] }, ann.cookie),
    );
    assert.equal(added.status, 200, await added.clone().text());
    const sent = await app.fetch(
      `/api/conversations/${id}/messages`,
      bearer(secret, "POST", { content: "Build 42 passed" }),
    );
    const { message } = await okJson(sent, 201);
    assert.equal(message.author.id, bot.id);
    assert.equal(message.author.isBot, true);
    // People see it with the Bot badge on the page.
    const page = await (await app.fetch(`/conversations/${id}`, withCookie(ann.cookie))).text();
    assert.match(page, /Deploy bot<\/span>\s*<span[^>]*data-bot-badge[^>]*>Bot<\/span>/);
  });
});

Deno.test("a bot is rate-limited like a person (429 with Retry-After)", async () => {
  // RATE_LIMIT_SCALE 0.1 turns 120 messages a minute into 12.
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const { bot, secret } = await makeBot(app, ann.cookie);
    const id = await channelOf(app, ann.cookie);
    await app.fetch(
      `/api/conversations/${id}/members`,
      json("POST", { usernames: [bot.username] }, ann.cookie),
    );
    const send = (n: number) =>
      app.fetch(`/api/conversations/${id}/messages`, bearer(secret, "POST", { content: `m${n}` }));
    for (let i = 1; i <= 12; i++) await okJson(await send(i), 201);
    const limited = await send(13);
    await assertError(limited, 429, "rate_limited");
    assert.ok(Number(limited.headers.get("retry-after")) >= 1);
  }, { RATE_LIMIT_SCALE: "0.1" });
});

Deno.test("DELETE /api/bots/:id: owner or site admin; the bot's token ends, its messages stay", async () => {
  await withApp(async (app) => {
    const admin = await registerUser(app); // the first account is the site admin
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const one = await makeBot(app, ann.cookie, "one-bot");
    const two = await makeBot(app, ann.cookie, "two-bot");
    const id = await channelOf(app, ann.cookie);
    await app.fetch(
      `/api/conversations/${id}/members`,
      json("POST", { usernames: ["one-bot"] }, ann.cookie),
    );
    await okJson(
      await app.fetch(
        `/api/conversations/${id}/messages`,
        bearer(one.secret, "POST", { content: "still here" }),
      ),
      201,
    );
    await assertError(
      await app.fetch(`/api/bots/${one.bot.id}`, json("DELETE", undefined, ben.cookie)),
      403,
      "forbidden",
    );
    await assertError(
      await app.fetch(`/api/bots/${ben.user.id}`, json("DELETE", undefined, ann.cookie)),
      404,
      "not_found",
    );
    const gone = await app.fetch(`/api/bots/${one.bot.id}`, json("DELETE", undefined, ann.cookie));
    assert.equal(gone.status, 204);
    await assertError(await app.fetch("/api/auth/check", bearer(one.secret)), 401, "invalid_token");
    const history = await okJson(
      await app.fetch(`/api/conversations/${id}/messages`, withCookie(ann.cookie)),
    );
    const kept = history.messages.find((m: { content: string }) => m.content === "still here");
    assert.equal(kept?.author.displayName, "Deploy bot", "its messages keep their author");
    const byAdmin = await app.fetch(
      `/api/bots/${two.bot.id}`,
      json("DELETE", undefined, admin.cookie),
    );
    assert.equal(byAdmin.status, 204);
    await assertError(await app.fetch("/api/auth/check", bearer(two.secret)), 401, "invalid_token");
    assert.deepEqual((await okJson(await app.fetch("/api/bots", withCookie(ann.cookie)))).bots, []);
  });
});

Deno.test("the account page makes and deletes a bot without JavaScript", async () => {
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
    const made = await asPage({ username: "Nightly", displayName: "Nightly build" }, "/api/bots");
    assert.equal(made.status, 200);
    assert.equal(made.headers.get("cache-control"), "no-store");
    const html = await made.text();
    const secret = /hth_[A-Za-z0-9_-]{43}/.exec(html)?.[0];
    assert.ok(secret, "the bot's token is shown once");
    assert.match(html, /Nightly build/);
    const me = await okJson(await app.fetch("/api/auth/check", bearer(secret)));
    assert.equal(me.user.username, "nightly");
    const taken = await asPage({ username: "nightly", displayName: "Again" }, "/api/bots");
    assert.equal(taken.status, 303);
    assert.match(taken.headers.get("location") ?? "", /\?error=username_taken$/);
    const deleted = await asPage({}, `/api/bots/${me.user.id}/delete`);
    assert.equal(deleted.status, 303);
    assert.equal(deleted.headers.get("location"), "/account?done=bot_deleted");
    await assertError(await app.fetch("/api/auth/check", bearer(secret)), 401, "invalid_token");
  });
});
