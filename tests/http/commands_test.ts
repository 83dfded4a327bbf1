/**
 * Slash commands over HTTP: `POST /api/conversations/:id/commands` (what each command does,
 * with the same rules and system messages as its route), its refusals, and the composer's
 * form post without JavaScript (commandFromForm).
 */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  json,
  okJson,
  ORIGIN,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { history, people } from "../support/talk.ts";
import { COMMANDS } from "../../lib/shared/commands.ts";

const run = (app: TestApp, cookie: string, id: string, body: unknown) =>
  app.fetch(`/api/conversations/${id}/commands`, json("POST", body, cookie));

/** A composer's form post from the conversation's page, as a browser without JavaScript. */
function composerForm(id: string, content: string, cookie: string): RequestInit {
  return {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html",
      origin: ORIGIN,
      referer: `${ORIGIN}/conversations/${id}`,
      cookie,
    },
    body: new URLSearchParams({ content }).toString(),
    redirect: "manual",
  };
}

async function conversationOf(app: TestApp, cookie: string, id: string) {
  return (await okJson(await app.fetch(`/api/conversations/${id}`, withCookie(cookie))))
    .conversation;
}

Deno.test("slash commands over HTTP", async (t) => {
  await withApp(async (app) => {
    const { ann, ben, cat, eve } = await people(app, ["ann", "ben", "cat", "eve"], {
      displayNames: true,
    });
    const made = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { kind: "channel", title: "launch" }, ann.cookie),
      ),
      201,
    );
    const id: string = made.conversation.id;

    await t.step(
      "/invite adds people by @name, says whom, and tells the conversation",
      async () => {
        const body = await okJson(await run(app, ann.cookie, id, { text: "/invite @ben, CAT" }));
        assert.deepEqual(body, {
          command: "invite",
          result: { kind: "done", text: "Added Ben, Cat." },
        });
        const added = (await history(app, ann.cookie, id)).filter((m) =>
          m.system?.event === "added"
        );
        assert.equal(added.length, 1);
        assert.match(added[0].content, /Ann added Ben and Cat/);
        const again = await okJson(await run(app, ann.cookie, id, { text: "/invite @ben" }));
        assert.equal(again.result.text, "They are in this conversation already.");
      },
    );

    await t.step("/invite of an unknown name is a 400 naming it; nobody is added", async () => {
      const err = await assertError(
        await run(app, ann.cookie, id, { text: "/invite @eve @nobody" }),
        400,
        "invalid_input",
      );
      assert.equal(err.message, "Nobody is called @nobody.");
      await assertError(
        await app.fetch(`/api/conversations/${id}`, withCookie(eve.cookie)),
        404,
        "not_found",
      );
    });

    await t.step("/topic sets the topic, with its system message", async () => {
      const body = await okJson(await run(app, ann.cookie, id, { text: "/topic Ship on Friday" }));
      assert.deepEqual(body.result, { kind: "done", text: "Topic set: Ship on Friday" });
      assert.equal((await conversationOf(app, ben.cookie, id)).topic, "Ship on Friday");
      const told = (await history(app, ben.cookie, id)).filter((m) => m.system?.event === "topic");
      assert.equal(told.length, 1);
    });

    await t.step("/topic keeps the channel's rule: only its creator (403 for Ben)", async () => {
      await assertError(await run(app, ben.cookie, id, { text: "/topic mine" }), 403, "forbidden");
      assert.equal((await conversationOf(app, ben.cookie, id)).topic, "Ship on Friday");
    });

    await t.step("/me and /shrug send the caller's messages", async () => {
      const me = await okJson(await run(app, ben.cookie, id, { text: "/me waves" }));
      assert.equal(me.command, "me");
      assert.equal(me.result.kind, "sent");
      assert.equal(me.result.message.content, "_waves_");
      assert.equal(me.result.message.author.id, ben.user.id);
      const shrug = await okJson(await run(app, cat.cookie, id, { text: "/shrug dunno" }));
      assert.equal(shrug.result.message.content, "dunno ¯\\\\\\_(ツ)\\_/¯");
      const seqs = (await history(app, ann.cookie, id)).map((m) => m.seq);
      assert.ok(seqs.includes(me.result.message.seq) && seqs.includes(shrug.result.message.seq));
    });

    await t.step("a retried /me with its clientId is stored once", async () => {
      const body = { text: "/me retries", clientId: "retry-1" };
      const first = await okJson(await run(app, ben.cookie, id, body));
      const second = await okJson(await run(app, ben.cookie, id, body));
      assert.equal(second.result.message.seq, first.result.message.seq);
      const all = await history(app, ben.cookie, id);
      assert.equal(all.filter((m) => m.content === "_retries_").length, 1);
    });

    await t.step("/me from a thread replies in it", async () => {
      const parent = (await history(app, ann.cookie, id)).find((m) => m.content === "_waves_")!;
      const body = await okJson(
        await run(app, ann.cookie, id, { text: "/me waves back", parentSeq: parent.seq }),
      );
      assert.equal(body.result.message.parentSeq, parent.seq);
    });

    await t.step("with a token (no cookie, no Origin) a program runs commands too", async () => {
      const token = await okJson(
        await app.fetch("/api/tokens", json("POST", { name: "script" }, ann.cookie)),
        201,
      );
      /** A program's request: its token, JSON, and neither cookie nor Origin. */
      const bearer = (body: unknown, secret: string = token.secret): RequestInit => ({
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const me = await okJson(
        await app.fetch(`/api/conversations/${id}/commands`, bearer({ text: "/me deploys" })),
      );
      assert.equal(me.result.message.author.id, ann.user.id);
      const bot = await okJson(
        await app.fetch(
          "/api/bots",
          json("POST", { username: "deploybot", displayName: "Deploy" }, ann.cookie),
        ),
        201,
      );
      const asBot = (body: unknown) => bearer(body, bot.secret);
      // Not in the channel yet: the 404 of any outsider.
      await assertError(
        await app.fetch(`/api/conversations/${id}/commands`, asBot({ text: "/shrug" })),
        404,
        "not_found",
      );
      await okJson(await run(app, ann.cookie, id, { text: "/invite @deploybot" }));
      const shrug = await okJson(
        await app.fetch(`/api/conversations/${id}/commands`, asBot({ text: "/shrug" })),
      );
      assert.equal(shrug.result.message.author.id, bot.bot.id);
      assert.equal(shrug.result.message.author.isBot, true);
      const wrong = await app.fetch(
        `/api/conversations/${id}/commands`,
        bearer({ text: "/help" }, "hth_nope"),
      );
      await assertError(wrong, 401, "invalid_token");
    });

    await t.step("/mute toggles your notifications here", async () => {
      const muted = await okJson(await run(app, ben.cookie, id, { text: "/mute" }));
      assert.deepEqual(muted.result.notifications, { level: "mentions", muted: true });
      const pref = await okJson(
        await app.fetch(`/api/conversations/${id}/notifications`, withCookie(ben.cookie)),
      );
      assert.equal(pref.muted, true);
      const unmuted = await okJson(await run(app, ben.cookie, id, { text: "/MUTE" }));
      assert.equal(unmuted.result.notifications.muted, false);
    });

    await t.step("/help lists every command", async () => {
      const body = await okJson(await run(app, cat.cookie, id, { text: "/help" }));
      assert.deepEqual(body, { command: "help", result: { kind: "help", commands: COMMANDS } });
    });

    await t.step("an unknown command: 400 unknown_command that names it", async () => {
      const err = await assertError(
        await run(app, ann.cookie, id, { text: "/foo bar" }),
        400,
        "unknown_command",
      );
      assert.equal(err.message, "There is no /foo command. Type /help to see the commands.");
      await assertError(await run(app, ann.cookie, id, { text: "hello" }), 400, "unknown_command");
    });

    await t.step("a malformed body is a 400 naming the field", async () => {
      const err = await assertError(await run(app, ann.cookie, id, {}), 400, "invalid_input");
      assert.ok(err.fields?.text);
      const long = await assertError(
        await run(app, ann.cookie, id, { text: `/me ${"a".repeat(4000)}` }),
        400,
        "invalid_input",
      );
      assert.ok(long.fields?.text);
    });

    await t.step(
      "outsiders get the 404 of a missing conversation, even with a bad body",
      async () => {
        await assertError(await run(app, eve.cookie, id, { text: "/help" }), 404, "not_found");
        await assertError(await run(app, eve.cookie, id, {}), 404, "not_found");
        await assertError(await run(app, eve.cookie, "nope", { text: "/me" }), 404, "not_found");
        await assertError(await run(app, "", id, { text: "/help" }), 401, "unauthorized");
      },
    );

    await t.step("a direct conversation has no topic and cannot be left: 409", async () => {
      const direct = await createConversationVia(app, ann.cookie, [eve.user]);
      await assertError(
        await run(app, ann.cookie, direct, { text: "/topic hi" }),
        409,
        "direct_conversation",
      );
      await assertError(
        await run(app, ann.cookie, direct, { text: "/leave" }),
        409,
        "direct_conversation",
      );
    });

    await t.step("/leave takes you out and tells the conversation", async () => {
      const body = await okJson(await run(app, cat.cookie, id, { text: "/leave" }));
      assert.deepEqual(body, { command: "leave", result: { kind: "left" } });
      await assertError(
        await app.fetch(`/api/conversations/${id}`, withCookie(cat.cookie)),
        404,
        "not_found",
      );
      const left = (await history(app, ann.cookie, id)).filter((m) => m.system?.event === "left");
      assert.equal(left.length, 1);
    });

    await t.step("without JavaScript: a command in the composer runs and comes back", async () => {
      const topic = await app.fetch(
        `/api/conversations/${id}/messages`,
        composerForm(id, "/topic From a form", ann.cookie),
      );
      assert.equal(topic.status, 303);
      assert.equal(topic.headers.get("location"), `/conversations/${id}`);
      assert.equal((await conversationOf(app, ann.cookie, id)).topic, "From a form");

      const shrug = await app.fetch(
        `/api/conversations/${id}/messages`,
        composerForm(id, "/shrug", ann.cookie),
      );
      assert.equal(shrug.status, 303);
      const last = (await history(app, ann.cookie, id)).at(-1)!;
      assert.equal(last.content, "¯\\\\\\_(ツ)\\_/¯");
      assert.equal(shrug.headers.get("location"), `/conversations/${id}#m${last.seq}`);
    });

    await t.step("without JavaScript: `//etc` sends `/etc`; plain text is a message", async () => {
      const escaped = await app.fetch(
        `/api/conversations/${id}/messages`,
        composerForm(id, "//etc/hosts is odd", ben.cookie),
      );
      assert.equal(escaped.status, 303);
      const last = (await history(app, ben.cookie, id)).at(-1)!;
      assert.equal(last.content, "/etc/hosts is odd");
      assert.equal(escaped.headers.get("location"), `/conversations/${id}#m${last.seq}`);
      const plain = await app.fetch(
        `/api/conversations/${id}/messages`,
        composerForm(id, "no command here", ben.cookie),
      );
      assert.equal(plain.status, 303);
      assert.equal((await history(app, ben.cookie, id)).at(-1)!.content, "no command here");
    });

    await t.step("without JavaScript: an unknown command comes back as ?error=", async () => {
      const res = await app.fetch(
        `/api/conversations/${id}/messages`,
        composerForm(id, "/frobnicate", ann.cookie),
      );
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `/conversations/${id}?error=unknown_command`);
      const page = await app.fetch(`/conversations/${id}?error=unknown_command`, {
        headers: { cookie: ann.cookie },
      });
      assert.match(await page.text(), /Type \/help to see the commands/);
    });

    await t.step("without JavaScript: /help goes to the commands page, /leave home", async () => {
      const help = await app.fetch(
        `/api/conversations/${id}/messages`,
        composerForm(id, "/help", ben.cookie),
      );
      assert.equal(help.status, 303);
      assert.equal(help.headers.get("location"), `/commands?conversation=${id}`);
      const page = await app.fetch(`/commands?conversation=${id}`, withCookie(ben.cookie));
      assert.equal(page.status, 200);
      const html = await page.text();
      for (const info of COMMANDS) assert.ok(html.includes(`/${info.name}`), info.name);
      assert.ok(html.includes(`href="/conversations/${id}"`), "a way back");

      const leave = await app.fetch(
        `/api/conversations/${id}/messages`,
        composerForm(id, "/leave", ben.cookie),
      );
      assert.equal(leave.status, 303);
      assert.equal(leave.headers.get("location"), "/");
      await assertError(
        await app.fetch(`/api/conversations/${id}`, withCookie(ben.cookie)),
        404,
        "not_found",
      );
    });

    await t.step("an archived channel takes no /me: 409", async () => {
      const archived = await app.fetch(
        `/api/conversations/${id}`,
        json("PATCH", { archived: true }, ann.cookie),
      );
      assert.equal(archived.status, 200);
      await archived.body?.cancel();
      await assertError(await run(app, ann.cookie, id, { text: "/me hums" }), 409, "archived");
    });
  });
});
