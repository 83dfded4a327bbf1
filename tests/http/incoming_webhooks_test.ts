/**
 * Incoming webhooks (issue 19): participants of groups and channels add them (not direct or
 * project conversations; at most 10), a program posts Slack's shape to the secret address
 * with no cookie (JSON, `payload=` form, plain fields) and the message comes from the
 * webhook's bot, named by `username` when sent; wrong secrets and unknown ids are the same
 * 404; bad bodies are clear 400s; posts are rate limited; deleting takes the bot out.
 */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  createProjectVia,
  form,
  json,
  okJson,
  ORIGIN,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { history, people, type Registered } from "../support/talk.ts";
import { getActiveUserById, getUsersByIds } from "../../lib/accounts/mod.ts";

type Hook = { id: string; name: string; url: string; botId: string; createdBy: { id: string } };

const hooksOf = (id: string) => `/api/conversations/${id}/webhooks`;

async function addHook(app: TestApp, who: Registered, id: string, name: string): Promise<Hook> {
  const res = await app.fetch(hooksOf(id), json("POST", { name }, who.cookie));
  return (await okJson(res, 201)).webhook;
}

/** What a program does: a POST to the address, no cookie, from another origin. */
function post(app: TestApp, url: string, body: unknown, type = "application/json") {
  const path = new URL(url).pathname;
  const headers = { "content-type": type, origin: "https://ci.example" };
  const payload = typeof body === "string" ? body : JSON.stringify(body);
  return app.fetch(path, { method: "POST", headers, body: payload });
}

async function channel(app: TestApp, who: Registered, title: string): Promise<string> {
  const made = await app.fetch(
    "/api/conversations",
    json("POST", { kind: "channel", title }, who.cookie),
  );
  return (await okJson(made, 201)).conversation.id;
}

Deno.test("a participant adds an incoming webhook: its address, its bot in the conversation, told as a system message", async (t) => {
  await withApp(async (app) => {
    const { ann, ben, cat } = await people(app, ["ann", "ben", "cat"], { displayNames: true });
    const group = await createConversationVia(app, ann.cookie, [ben.user, cat.user], "Ops");
    let hook!: Hook;

    await t.step(
      "ben adds “Deploys”: 201 with an address under the site, a 32-character secret",
      async () => {
        hook = await addHook(app, ben, group, "  Deploys ");
        assert.equal(hook.name, "Deploys");
        assert.equal(hook.createdBy.id, ben.user.id);
        assert.match(hook.url, new RegExp(`^${ORIGIN}/hooks/${hook.id}/[A-Za-z0-9_-]{32}$`));
      },
    );

    await t.step("every participant sees it, with the same address", async () => {
      const { webhooks } = await okJson(await app.fetch(hooksOf(group), withCookie(cat.cookie)));
      assert.deepEqual(webhooks.map((w: Hook) => [w.id, w.url]), [[hook.id, hook.url]]);
    });

    await t.step(
      "its bot takes part, marked as a bot, and the addition is a system message",
      async () => {
        const res = await app.fetch(`/api/conversations/${group}`, withCookie(ann.cookie));
        const { conversation } = await okJson(res);
        const bot = conversation.participants.find((u: { id: string }) => u.id === hook.botId);
        assert.equal(bot?.displayName, "Deploys");
        assert.equal(bot?.isBot, true);
        const last = (await history(app, ann.cookie, group)).at(-1)!;
        assert.equal(last.system?.event, "added");
        assert.equal(last.content, "Ben added Deploys");
      },
    );

    await t.step(
      "the bot has no password: signing in as it fails like a wrong password",
      async () => {
        const { username } =
          (await okJson(await app.fetch(`/api/conversations/${group}`, withCookie(ann.cookie))))
            .conversation.participants.find((u: { id: string }) => u.id === hook.botId);
        const res = await app.fetch(
          "/api/auth/login",
          json("POST", { username, password: "x".repeat(12) }),
        );
        assert.equal(res.status, 401);
      },
    );
  });
});

Deno.test("adding a webhook is refused outside groups and channels, to outsiders, past 10, and in archived channels", async (t) => {
  await withApp(async (app) => {
    const { ann, ben, cat } = await people(app, ["ann", "ben", "cat"]);
    const group = await createConversationVia(app, ann.cookie, [ben.user, cat.user]);

    await t.step("a direct conversation: 409 direct_conversation", async () => {
      const direct = await createConversationVia(app, ann.cookie, [ben.user]);
      const res = await app.fetch(hooksOf(direct), json("POST", { name: "CI" }, ann.cookie));
      await assertError(res, 409, "direct_conversation");
    });

    await t.step("a project's conversation: 409 project_conversation", async () => {
      const project = await createProjectVia(app, ann.cookie, { name: "Apollo" }, ["ben"]);
      const res = await app.fetch(
        hooksOf(project.conversationId),
        json("POST", { name: "CI" }, ann.cookie),
      );
      await assertError(res, 409, "project_conversation");
    });

    await t.step(
      "an outsider: the 404 of a missing conversation, to list, add and delete",
      async () => {
        const { dan } = await people(app, ["dan"]);
        const hook = await addHook(app, ann, group, "CI");
        await assertError(
          await app.fetch(hooksOf(group), withCookie(dan.cookie)),
          404,
          "not_found",
        );
        await assertError(
          await app.fetch(hooksOf(group), json("POST", { name: "Mine" }, dan.cookie)),
          404,
          "not_found",
        );
        await assertError(
          await app.fetch(`${hooksOf(group)}/${hook.id}`, json("DELETE", undefined, dan.cookie)),
          404,
          "not_found",
        );
      },
    );

    await t.step(
      "a name that is empty once cleaned, or over 64 characters: 400 naming `name`",
      async () => {
        for (const name of ["", " \u200b ", "x".repeat(65)]) {
          const res = await app.fetch(hooksOf(group), json("POST", { name }, ann.cookie));
          const error = await assertError(res, 400, "invalid_input");
          assert.ok(error.fields?.name, JSON.stringify(error));
        }
      },
    );

    await t.step(
      "a bot (bearer token) in the group lists them but may not add one: 403 not_for_bots",
      async () => {
        const made = await app.fetch(
          "/api/bots",
          json("POST", { username: "helper", displayName: "Helper" }, ann.cookie),
        );
        const { secret } = await okJson(made, 201);
        const added = await app.fetch(
          `/api/conversations/${group}/members`,
          json("POST", { usernames: ["helper"] }, ann.cookie),
        );
        assert.equal(added.status, 200);
        const bearer = { authorization: `Bearer ${secret}` };
        await okJson(await app.fetch(hooksOf(group), { headers: bearer }));
        const res = await app.fetch(hooksOf(group), {
          method: "POST",
          headers: { ...bearer, "content-type": "application/json" },
          body: JSON.stringify({ name: "Bot-made" }),
        });
        await assertError(res, 403, "not_for_bots");
      },
    );

    await t.step("the 11th webhook of a conversation: 409 limit_reached", async () => {
      for (let i = 1; i < 10; i++) await addHook(app, ben, group, `Hook ${i}`);
      const res = await app.fetch(hooksOf(group), json("POST", { name: "One more" }, cat.cookie));
      await assertError(res, 409, "limit_reached");
    });

    await t.step("an archived channel: 409 archived", async () => {
      const id = await channel(app, ann, "old-news");
      const archived = await app.fetch(
        `/api/conversations/${id}`,
        json("PATCH", { archived: true }, ann.cookie),
      );
      assert.equal(archived.status, 200);
      const res = await app.fetch(hooksOf(id), json("POST", { name: "CI" }, ann.cookie));
      await assertError(res, 409, "archived");
    });
  });
});

Deno.test("POST /hooks/:id/:secret posts Slack's shape as the webhook's bot, with no cookie", async (t) => {
  await withApp(async (app) => {
    const { ann, ben } = await people(app, ["ann", "ben"]);
    const id = await channel(app, ann, "builds");
    await app.fetch(`/api/conversations/${id}/join`, json("POST", {}, ben.cookie));
    const hook = await addHook(app, ann, id, "Builds");

    await t.step("JSON {text}: 200 {ok: true, message} from the bot, in the history", async () => {
      const body = await okJson(await post(app, hook.url, { text: "Build *42* passed" }));
      assert.equal(body.ok, true);
      assert.equal(body.message.content, "Build *42* passed");
      assert.equal(body.message.author.id, hook.botId);
      assert.equal(body.message.author.isBot, true);
      assert.equal(body.message.author.displayName, "Builds");
      assert.equal(body.message.senderName, undefined);
      const last = (await history(app, ben.cookie, id)).at(-1)!;
      assert.equal(last.seq, body.message.seq);
      assert.equal(last.author.id, hook.botId);
    });

    await t.step(
      "`username` names the message (cleaned); unknown Slack fields are ignored",
      async () => {
        const body = await okJson(
          await post(app, hook.url, {
            text: "Deployed",
            username: " Deploy\u202ebot ",
            icon_emoji: ":ship:",
          }),
        );
        assert.equal(body.message.senderName, "Deploybot");
        const last = (await history(app, ben.cookie, id)).at(-1)!;
        assert.equal(last.senderName, "Deploybot");
      },
    );

    await t.step("a form with payload=<JSON>, and a form with plain fields", async () => {
      const payload = new URLSearchParams({
        payload: JSON.stringify({ text: "from payload", username: "Jenkins" }),
      }).toString();
      const one = await okJson(
        await post(app, hook.url, payload, "application/x-www-form-urlencoded"),
      );
      assert.equal(one.message.content, "from payload");
      assert.equal(one.message.senderName, "Jenkins");
      const fields = new URLSearchParams({ text: "from fields" }).toString();
      const two = await okJson(
        await post(app, hook.url, fields, "application/x-www-form-urlencoded"),
      );
      assert.equal(two.message.content, "from fields");
    });

    await t.step(
      "a wrong secret and an unknown id get the same 404, and post nothing",
      async () => {
        const before = (await history(app, ann.cookie, id)).length;
        const wrong = hook.url.replace(/[^/]+$/, "A".repeat(32));
        const unknown = hook.url.replace(hook.id, "01ARZ3NDEKTSV4RRFFQ69G5FAV");
        const a = await assertError(await post(app, wrong, { text: "x" }), 404, "not_found");
        const b = await assertError(await post(app, unknown, { text: "x" }), 404, "not_found");
        assert.equal(a.message, b.message);
        await assertError(
          await post(app, `${ORIGIN}/hooks/${hook.id}/bad%20secret`, { text: "x" }),
          404,
          "not_found",
        );
        assert.equal((await history(app, ann.cookie, id)).length, before);
      },
    );

    await t.step("no text, empty text, text over 4,000 characters: 400 naming `text`", async () => {
      for (const body of [{}, { text: "   " }, { text: 42 }, { text: "x".repeat(4001) }]) {
        const error = await assertError(await post(app, hook.url, body), 400, "invalid_input");
        assert.match(error.fields?.text ?? "", /`text`/, JSON.stringify(error));
      }
      const ok = await okJson(await post(app, hook.url, { text: "y".repeat(4000) }));
      assert.equal(ok.message.content.length, 4000);
    });

    await t.step(
      "a payload that is not JSON, a username over 64, malformed JSON, plain text: clear 4xx",
      async () => {
        const bad = new URLSearchParams({ payload: "{text:" }).toString();
        const error = await assertError(
          await post(app, hook.url, bad, "application/x-www-form-urlencoded"),
          400,
          "invalid_input",
        );
        assert.ok(error.fields?.payload);
        const long = await assertError(
          await post(app, hook.url, { text: "hi", username: "n".repeat(65) }),
          400,
          "invalid_input",
        );
        assert.ok(long.fields?.username);
        await assertError(
          await post(app, hook.url, "{", "application/json"),
          400,
          "malformed_json",
        );
        await assertError(
          await post(app, hook.url, "hello", "text/plain"),
          415,
          "unsupported_media_type",
        );
      },
    );

    await t.step("an archived channel: 409 archived", async () => {
      await app.fetch(`/api/conversations/${id}`, json("PATCH", { archived: true }, ann.cookie));
      await assertError(await post(app, hook.url, { text: "late" }), 409, "archived");
    });
  });
});

Deno.test("posts are limited per webhook: past the limit 429 with Retry-After, another webhook unaffected", async () => {
  await withApp(async (app) => {
    // RATE_LIMIT_SCALE 0.1: 60 posts a minute become 6.
    const { ann } = await people(app, ["ann"]);
    const id = await channel(app, ann, "noisy");
    const [one, two] = [await addHook(app, ann, id, "One"), await addHook(app, ann, id, "Two")];
    for (let i = 0; i < 6; i++) await okJson(await post(app, one.url, { text: `n${i}` }));
    const res = await post(app, one.url, { text: "too many" });
    await assertError(res, 429, "rate_limited");
    assert.ok(Number(res.headers.get("retry-after")) >= 1);
    await okJson(await post(app, two.url, { text: "still fine" }));
  }, { RATE_LIMIT_SCALE: "0.1" });
});

Deno.test("deleting a webhook: its creator or a site admin; its bot leaves and is disabled, its messages stay", async (t) => {
  await withApp(async (app) => {
    const { root, ann, ben } = await people(app, ["root", "ann", "ben"], { displayNames: true });
    const id = await channel(app, ann, "alerts");
    for (const who of [ben, root]) {
      await app.fetch(`/api/conversations/${id}/join`, json("POST", {}, who.cookie));
    }
    const hook = await addHook(app, ann, id, "Pager");
    const posted = (await okJson(await post(app, hook.url, { text: "disk full" }))).message;

    await t.step("ben, neither its creator nor an admin: 403", async () => {
      const res = await app.fetch(
        `${hooksOf(id)}/${hook.id}`,
        json("DELETE", undefined, ben.cookie),
      );
      await assertError(res, 403, "forbidden");
    });

    await t.step("an unknown webhook id: 404", async () => {
      const res = await app.fetch(`${hooksOf(id)}/NOPE`, json("DELETE", undefined, ann.cookie));
      await assertError(res, 404, "not_found");
    });

    await t.step(
      "ann deletes it: 204; the address answers 404; the bot is gone from the members",
      async () => {
        const res = await app.fetch(
          `${hooksOf(id)}/${hook.id}`,
          json("DELETE", undefined, ann.cookie),
        );
        assert.equal(res.status, 204);
        await assertError(await post(app, hook.url, { text: "again" }), 404, "not_found");
        const { conversation } = await okJson(
          await app.fetch(`/api/conversations/${id}`, withCookie(ben.cookie)),
        );
        assert.ok(!conversation.participants.some((u: { id: string }) => u.id === hook.botId));
        // Disabled, not deleted: its old messages still name it.
        assert.equal(await getActiveUserById(app.ctx.kv, hook.botId), null);
        assert.equal((await getUsersByIds(app.ctx.kv, [hook.botId]))[0]?.displayName, "Pager");
        const { webhooks } = await okJson(await app.fetch(hooksOf(id), withCookie(ben.cookie)));
        assert.deepEqual(webhooks, []);
        const seen = await history(app, ben.cookie, id);
        assert.ok(seen.some((m) => m.id === posted.id && m.content === "disk full"));
        assert.equal(seen.at(-1)?.system?.event, "removed");
      },
    );

    await t.step("the site admin deletes a webhook someone else made", async () => {
      const other = await addHook(app, ben, id, "Other");
      const res = await app.fetch(
        `${hooksOf(id)}/${other.id}`,
        json("DELETE", undefined, root.cookie),
      );
      assert.equal(res.status, 204);
    });
  });
});

Deno.test("the form twins: create and delete answer 303 back to the panel; a refusal comes back as ?error=", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await people(app, ["ann", "ben"]);
    const id = await channel(app, ann, "forms");
    const page = { accept: "text/html", referer: `${ORIGIN}/conversations/${id}` };
    const made = await app.fetch(hooksOf(id), {
      ...form({ name: "Forms" }, ann.cookie),
      headers: { ...form({ name: "Forms" }, ann.cookie).headers, ...page },
    });
    assert.equal(made.status, 303);
    const [hook] = (await okJson(await app.fetch(hooksOf(id), withCookie(ann.cookie)))).webhooks;
    assert.equal(made.headers.get("location"), `/conversations/${id}#webhook-${hook.id}`);

    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    const refused = await app.fetch(hooksOf(direct), {
      ...form({ name: "X" }, ann.cookie),
      headers: { ...form({ name: "X" }, ann.cookie).headers, ...page },
    });
    assert.equal(refused.status, 303);
    assert.equal(refused.headers.get("location"), `/conversations/${id}?error=direct_conversation`);

    const removed = await app.fetch(`${hooksOf(id)}/${hook.id}/delete`, form({}, ann.cookie));
    assert.equal(removed.status, 303);
    assert.equal(removed.headers.get("location"), `/conversations/${id}#integrations`);
    assert.deepEqual(
      (await okJson(await app.fetch(hooksOf(id), withCookie(ann.cookie)))).webhooks,
      [],
    );
  });
});

Deno.test("with PUBLIC_URL set, webhook addresses are under it, whatever host the request came to", async () => {
  await withApp(async (app) => {
    const { ann } = await people(app, ["ann"]);
    const id = await channel(app, ann, "public-url");
    const hook = await addHook(app, ann, id, "CI");
    assert.match(hook.url, /^https:\/\/chat\.example\.com\/hooks\/[0-9A-Z]+\/[A-Za-z0-9_-]{32}$/);
    // The address works as its path on this server.
    await okJson(await post(app, hook.url, { text: "via the public address" }));
  }, { PUBLIC_URL: "https://chat.example.com/" });
});
