/**
 * Channels (issue 16, item 3): creating one (names unique in any case), the directory (public
 * channels and your private ones, search, pages), joining (public only; a private channel you
 * are not in is a 404 everywhere), renaming, the topic, archiving (read-only, out of the list,
 * still in the directory), who may change them, and the last person leaving.
 */
import assert from "node:assert/strict";
import type { Message } from "../../lib/shared/message.ts";
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
import { people } from "../support/talk.ts";

type Person = Awaited<ReturnType<typeof registerUser>>;

/** The site admin (the first account), then three people who are not. */
const everyone = (app: TestApp) => people(app, ["root", "ann", "ben", "cat"]);

async function createChannel(
  app: TestApp,
  who: Person,
  fields: { title: string; topic?: string; visibility?: string },
) {
  const res = await app.fetch(
    "/api/conversations",
    json("POST", { kind: "channel", ...fields }, who.cookie),
  );
  return (await okJson(res, 201)).conversation;
}

/** The conversation's system messages, as `who` reads its history: `event` each. */
async function systemEvents(app: TestApp, who: Person, id: string): Promise<string[]> {
  const res = await app.fetch(`/api/conversations/${id}/messages`, withCookie(who.cookie));
  const { messages } = await okJson(res);
  return (messages as Message[]).filter((m) => m.kind === "system").map((m) => m.system!.event);
}

async function directory(app: TestApp, who: Person, query = "") {
  return await okJson(await app.fetch(`/api/channels${query}`, withCookie(who.cookie)));
}

async function listIds(app: TestApp, who: Person): Promise<string[]> {
  const { conversations } = await okJson(
    await app.fetch("/api/conversations", withCookie(who.cookie)),
  );
  return conversations.map((c: { id: string }) => c.id);
}

Deno.test("creating a channel: 201 with its fields, names checked and unique in any case", async (t) => {
  await withApp(async (app) => {
    const { ann, ben } = await everyone(app);
    let general: { id: string };

    await t.step(
      "201: kind, name, topic, public, not archived, one member, its creator",
      async () => {
        general = await createChannel(app, ann, { title: " #General ", topic: "Everything" });
        assert.equal(general.id.length, 26);
        const c = general as Record<string, unknown>;
        assert.equal(c.kind, "channel");
        assert.equal(c.title, "General");
        assert.equal(c.topic, "Everything");
        assert.equal(c.visibility, "public");
        assert.equal(c.archived, false);
        assert.equal(c.memberCount, 1);
        assert.equal((c.createdBy as { id: string }).id, ann.user.id);
        assert.deepEqual(await systemEvents(app, ann, general.id), ["created"]);
        assert.ok((await listIds(app, ann)).includes(general.id), "in the creator's list");
      },
    );

    await t.step("the same name in another case, or with '#': 409 name_taken", async () => {
      for (const title of ["general", "GENERAL", "#general"]) {
        const res = await app.fetch(
          "/api/conversations",
          json("POST", { kind: "channel", title }, ben.cookie),
        );
        await assertError(res, 409, "name_taken");
      }
    });

    await t.step("two people racing for one name: one channel", async () => {
      const results = await Promise.all(
        [ann, ben, ann, ben].map((who) =>
          app.fetch(
            "/api/conversations",
            json("POST", { kind: "channel", title: "race" }, who.cookie),
          )
        ),
      );
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409]);
      await Promise.all(results.map((r) => r.body?.cancel()));
      const { channels } = await directory(app, ann, "?search=race");
      assert.equal(channels.length, 1);
    });

    await t.step("no name, a long one, a long topic, a bad visibility: 400 naming it", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{}, "title"],
        [{ title: "#" }, "title"],
        [{ title: "x".repeat(81) }, "title"],
        [{ title: "ok", topic: "t".repeat(251) }, "topic"],
        [{ title: "ok", visibility: "secret" }, "visibility"],
      ];
      for (const [fields, field] of cases) {
        const res = await app.fetch(
          "/api/conversations",
          json("POST", { kind: "channel", ...fields }, ann.cookie),
        );
        const error = await assertError(res, 400, "invalid_input");
        assert.ok(error.fields?.[field], `${JSON.stringify(fields)} names ${field}`);
      }
    });

    await t.step("80 characters and a topic of 250 are fine", async () => {
      await createChannel(app, ann, { title: "n".repeat(80), topic: "t".repeat(250) });
    });

    await t.step("a form post: 303 to the channel's page", async () => {
      const res = await app.fetch(
        "/api/conversations",
        form({ kind: "channel", title: "random", topic: "", visibility: "private" }, ann.cookie),
      );
      assert.equal(res.status, 303);
      const id = res.headers.get("location")?.match(/^\/conversations\/([0-9A-Z]{26})$/)?.[1];
      assert.ok(id);
      const { channel } = await okJson(
        await app.fetch(`/api/channels/${id}`, withCookie(ann.cookie)),
      );
      assert.equal(channel.visibility, "private");
      assert.equal(channel.joined, true);
    });

    await t.step("signed out: 401", async () => {
      const res = await app.fetch(
        "/api/conversations",
        json("POST", { kind: "channel", title: "x" }),
      );
      await assertError(res, 401, "unauthorized");
    });
  });
});

Deno.test("a private channel is a 404 to anyone not in it, wherever they look", async (t) => {
  await withApp(async (app) => {
    const { root, ann, ben } = await everyone(app);
    const secret = await createChannel(app, ann, { title: "secret", visibility: "private" });

    await t.step("its creator sees it, in the directory as joined", async () => {
      const { channels } = await directory(app, ann);
      assert.deepEqual(
        channels.map((c: { title: string; joined: boolean }) => [c.title, c.joined]),
        [
          ["secret", true],
        ],
      );
    });

    await t.step(
      "ben: not in the directory; 404 by id, join, messages, members, PATCH",
      async () => {
        assert.deepEqual((await directory(app, ben)).channels, []);
        const id = secret.id;
        const tries: [string, RequestInit][] = [
          [`/api/conversations/${id}`, withCookie(ben.cookie)],
          [`/api/channels/${id}`, withCookie(ben.cookie)],
          [`/api/conversations/${id}/messages`, withCookie(ben.cookie)],
          [`/api/conversations/${id}/join`, json("POST", {}, ben.cookie)],
          [`/api/conversations/${id}/members`, json("POST", { usernames: ["ben"] }, ben.cookie)],
          [
            `/api/conversations/${id}/members/${ann.user.id}`,
            json("DELETE", undefined, ben.cookie),
          ],
          [`/api/conversations/${id}`, json("PATCH", { title: "mine" }, ben.cookie)],
          [`/api/conversations/${id}/leave`, json("POST", {}, ben.cookie)],
        ];
        for (const [path, init] of tries) {
          await assertError(await app.fetch(path, init), 404, "not_found");
        }
      },
    );

    await t.step("the site admin too: a private channel they are not in is hidden", async () => {
      assert.deepEqual((await directory(app, root)).channels, []);
      const res = await app.fetch(
        `/api/conversations/${secret.id}`,
        json("PATCH", { topic: "x" }, root.cookie),
      );
      await assertError(res, 404, "not_found");
    });

    await t.step("added by ann, ben sees it (joined) and its history", async () => {
      const res = await app.fetch(
        `/api/conversations/${secret.id}/members`,
        json("POST", { usernames: ["ben"] }, ann.cookie),
      );
      assert.equal((await okJson(res)).conversation.memberCount, 2);
      const { channels } = await directory(app, ben);
      assert.equal(channels[0].joined, true);
      assert.deepEqual(await systemEvents(app, ben, secret.id), ["created", "added"]);
    });

    await t.step("its name is taken for everyone all the same", async () => {
      const res = await app.fetch(
        "/api/conversations",
        json("POST", { kind: "channel", title: "Secret" }, root.cookie),
      );
      await assertError(res, 409, "name_taken");
    });
  });
});

Deno.test("GET /api/channels: public channels by name, joined marked, search and pages", async (t) => {
  await withApp(async (app) => {
    const { ann, ben } = await everyone(app);
    for (const title of ["delta", "Alpha", "charlie", "bravo", "echo"]) {
      await createChannel(app, ann, { title, topic: title === "echo" ? "Sound and FURY" : "" });
    }
    await createChannel(app, ann, { title: "hidden", visibility: "private" });

    await t.step("by name in any case; ben has joined none; counts and creator", async () => {
      const { channels, nextCursor } = await directory(app, ben);
      assert.deepEqual(channels.map((c: { title: string }) => c.title), [
        "Alpha",
        "bravo",
        "charlie",
        "delta",
        "echo",
      ]);
      assert.equal(nextCursor, null);
      for (const c of channels) {
        assert.equal(c.joined, false);
        assert.equal(c.memberCount, 1);
        assert.equal(c.createdBy.id, ann.user.id);
        assert.equal(c.unreadCount, 0, "nothing is unread in a channel you are not in");
      }
    });

    await t.step("search: in the name or topic, any case", async () => {
      const titles = async (q: string) =>
        (await directory(app, ben, `?search=${encodeURIComponent(q)}`)).channels.map((
          c: { title: string },
        ) => c.title);
      assert.deepEqual(await titles("ALP"), ["Alpha"]);
      assert.deepEqual(await titles("fury"), ["echo"]);
      assert.deepEqual(await titles("hidden"), [], "a private channel is never found");
      assert.deepEqual(await titles("nothing like it"), []);
    });

    await t.step("limit=2 walks the directory in three pages", async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
        const page = await directory(app, ben, query);
        seen.push(...page.channels.map((c: { title: string }) => c.title));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen, ["Alpha", "bravo", "charlie", "delta", "echo"]);
    });

    await t.step("a bad cursor or limit: 400 naming it", async () => {
      let error = await assertError(
        await app.fetch("/api/channels?cursor=bm90IGpzb24", withCookie(ben.cookie)),
        400,
        "invalid_input",
      );
      assert.ok(error.fields?.cursor);
      error = await assertError(
        await app.fetch("/api/channels?cursor=a%20b", withCookie(ben.cookie)),
        400,
        "invalid_input",
      );
      assert.ok(error.fields?.cursor);
      error = await assertError(
        await app.fetch("/api/channels?limit=0", withCookie(ben.cookie)),
        400,
        "invalid_input",
      );
      assert.ok(error.fields?.limit);
    });

    await t.step("signed out: 401", async () => {
      await assertError(await app.fetch("/api/channels"), 401, "unauthorized");
    });
  });
});

Deno.test("joining a public channel: 200, in your list, a system message once", async (t) => {
  await withApp(async (app) => {
    const { ann, ben, cat } = await everyone(app);
    const general = await createChannel(app, ann, { title: "general" });
    await app.fetch(
      `/api/conversations/${general.id}/messages`,
      json("POST", { content: "hello before ben" }, ann.cookie),
    );

    await t.step(
      "before joining: the directory and /api/channels/:id show it, the rest is 404",
      async () => {
        const { channel } = await okJson(
          await app.fetch(`/api/channels/${general.id}`, withCookie(ben.cookie)),
        );
        assert.equal(channel.joined, false);
        assert.equal(channel.title, "general");
        await assertError(
          await app.fetch(`/api/conversations/${general.id}/messages`, withCookie(ben.cookie)),
          404,
          "not_found",
        );
        const send = await app.fetch(
          `/api/conversations/${general.id}/messages`,
          json("POST", { content: "let me in" }, ben.cookie),
        );
        await assertError(send, 404, "not_found");
      },
    );

    await t.step("join: 200 with the conversation, two members, in ben's list", async () => {
      const res = await app.fetch(
        `/api/conversations/${general.id}/join`,
        json("POST", {}, ben.cookie),
      );
      const { conversation } = await okJson(res);
      assert.equal(conversation.memberCount, 2);
      assert.ok(conversation.participants.some((u: { id: string }) => u.id === ben.user.id));
      assert.ok((await listIds(app, ben)).includes(general.id));
      const { channels } = await directory(app, ben);
      assert.equal(channels[0].joined, true);
    });

    await t.step("the history is his now, with 'joined' after it", async () => {
      const res = await app.fetch(
        `/api/conversations/${general.id}/messages`,
        withCookie(ben.cookie),
      );
      const { messages } = await okJson(res);
      assert.deepEqual(messages.map((m: Message) => m.system?.event ?? m.content), [
        "created",
        "hello before ben",
        "joined",
      ]);
      assert.equal(messages[2].system.actor.id, ben.user.id);
    });

    await t.step("joining again: 200, nothing new", async () => {
      const res = await app.fetch(
        `/api/conversations/${general.id}/join`,
        json("POST", {}, ben.cookie),
      );
      assert.equal((await okJson(res)).conversation.memberCount, 2);
      assert.deepEqual(await systemEvents(app, ann, general.id), ["created", "joined"]);
    });

    await t.step("a form post: 303 to the channel", async () => {
      const res = await app.fetch(`/api/conversations/${general.id}/join`, form({}, cat.cookie));
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `/conversations/${general.id}`);
    });

    await t.step("a group or a direct conversation is not joined: 404", async () => {
      const group = await okJson(
        await app.fetch(
          "/api/conversations",
          json("POST", { usernames: ["ann"], title: "pair" }, ben.cookie),
        ),
        201,
      );
      const dan = await registerUser(app, { username: "dan" });
      await assertError(
        await app.fetch(
          `/api/conversations/${group.conversation.id}/join`,
          json("POST", {}, dan.cookie),
        ),
        404,
        "not_found",
      );
      await assertError(
        await app.fetch(`/api/channels/${group.conversation.id}`, withCookie(ben.cookie)),
        404,
        "not_found",
      );
    });
  });
});

Deno.test("PATCH a channel: its creator or a site admin; rename, topic, archive", async (t) => {
  await withApp(async (app) => {
    const { root, ann, ben } = await everyone(app);
    const general = await createChannel(app, ann, { title: "general" });
    await createChannel(app, ann, { title: "random" });
    await app.fetch(`/api/conversations/${general.id}/join`, json("POST", {}, ben.cookie));
    const patch = (who: Person, body: unknown) =>
      app.fetch(`/api/conversations/${general.id}`, json("PATCH", body, who.cookie));

    await t.step("a member who did not create it: 403", async () => {
      await assertError(await patch(ben, { topic: "mine now" }), 403, "forbidden");
    });

    await t.step("the creator renames and sets the topic: 200, two system messages", async () => {
      const { conversation } = await okJson(
        await patch(ann, { title: "town-square", topic: "Hi" }),
      );
      assert.equal(conversation.title, "town-square");
      assert.equal(conversation.topic, "Hi");
      const events = await systemEvents(app, ben, general.id);
      assert.deepEqual(events.slice(-2), ["renamed", "topic"]);
    });

    await t.step(
      "the old name is free; a taken one is 409; a case change of its own is fine",
      async () => {
        await assertError(await patch(ann, { title: "RANDOM" }), 409, "name_taken");
        await createChannel(app, ben, { title: "general" });
        const { conversation } = await okJson(await patch(ann, { title: "Town-Square" }));
        assert.equal(conversation.title, "Town-Square");
        const res = await app.fetch(
          "/api/conversations",
          json("POST", { kind: "channel", title: "town-square" }, ben.cookie),
        );
        await assertError(res, 409, "name_taken");
      },
    );

    await t.step("nothing changed: 200 and no system message", async () => {
      const before = (await systemEvents(app, ann, general.id)).length;
      await okJson(await patch(ann, { title: "Town-Square", topic: "Hi" }));
      assert.equal((await systemEvents(app, ann, general.id)).length, before);
    });

    await t.step("bad input: 400 naming it; an unknown field: 400", async () => {
      let error = await assertError(await patch(ann, { title: "" }), 400, "invalid_input");
      assert.ok(error.fields?.title);
      error = await assertError(await patch(ann, { topic: "t".repeat(251) }), 400, "invalid_input");
      assert.ok(error.fields?.topic);
      await assertError(await patch(ann, { visibility: "private" }), 400, "invalid_input");
    });

    await t.step("the site admin, not in it, may change a public channel", async () => {
      const { conversation } = await okJson(await patch(root, { topic: "Set by the admin" }));
      assert.equal(conversation.topic, "Set by the admin");
      assert.equal(conversation.memberCount, 2, "and is not made a member");
    });

    await t.step("archived: read-only, out of the list, still in the directory", async () => {
      await okJson(
        await app.fetch(
          `/api/conversations/${general.id}/messages`,
          json("POST", { content: "the banana plan" }, ben.cookie),
        ),
        201,
      );
      const { conversation } = await okJson(await patch(ann, { archived: true }));
      assert.equal(conversation.archived, true);
      assert.ok(!(await listIds(app, ben)).includes(general.id));
      assert.ok(!(await listIds(app, ann)).includes(general.id));
      const { channels } = await directory(app, ben);
      const found = channels.find((c: { id: string }) => c.id === general.id);
      assert.equal(found.archived, true);
      const send = await app.fetch(
        `/api/conversations/${general.id}/messages`,
        json("POST", { content: "anyone?" }, ben.cookie),
      );
      await assertError(send, 409, "archived");
      // Its history stays readable, by id.
      await okJson(
        await app.fetch(`/api/conversations/${general.id}/messages`, withCookie(ben.cookie)),
      );
      await okJson(await app.fetch(`/api/conversations/${general.id}`, withCookie(ben.cookie)));
      // And searchable.
      await app.ctx.hub.indexed();
      const { results } = await okJson(
        await app.fetch("/api/search?q=banana", withCookie(ann.cookie)),
      );
      assert.deepEqual(
        results.map((r: { message: Message }) => [r.message.conversationId, r.message.content]),
        [[general.id, "the banana plan"]],
      );
    });

    await t.step("an archived channel takes no rename, topic or people: 409 archived", async () => {
      await assertError(await patch(ann, { topic: "x" }), 409, "archived");
      await assertError(await patch(ann, { title: "y" }), 409, "archived");
      const add = await app.fetch(
        `/api/conversations/${general.id}/members`,
        json("POST", { usernames: ["root"] }, ann.cookie),
      );
      await assertError(add, 409, "archived");
    });

    await t.step(
      "unarchived (with a new topic at once): back in the list, sends work",
      async () => {
        const { conversation } = await okJson(await patch(ann, { archived: false, topic: "Back" }));
        assert.equal(conversation.archived, false);
        assert.ok((await listIds(app, ben)).includes(general.id));
        const send = await app.fetch(
          `/api/conversations/${general.id}/messages`,
          json("POST", { content: "we're back" }, ben.cookie),
        );
        assert.equal(send.status, 201);
        const events = await systemEvents(app, ann, general.id);
        assert.deepEqual(events.slice(-4), ["topic", "archived", "unarchived", "topic"]);
      },
    );

    await t.step("the form twin: POST /:id/settings answers 303", async () => {
      const res = await app.fetch(
        `/api/conversations/${general.id}/settings`,
        form({ title: "Town-Square", topic: "From a form" }, ann.cookie),
      );
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `/conversations/${general.id}`);
      const { channel } = await okJson(
        await app.fetch(`/api/channels/${general.id}`, withCookie(ann.cookie)),
      );
      assert.equal(channel.topic, "From a form");
    });

    await t.step("signed out: 401", async () => {
      await assertError(
        await app.fetch(`/api/conversations/${general.id}`, json("PATCH", { topic: "x" })),
        401,
        "unauthorized",
      );
    });
  });
});

Deno.test("the last person leaving: a public channel stays findable, a private one goes", async (t) => {
  await withApp(async (app) => {
    const { ann, ben } = await everyone(app);
    const open = await createChannel(app, ann, { title: "open" });
    const closed = await createChannel(app, ann, { title: "closed", visibility: "private" });
    const leave = (id: string) =>
      app.fetch(`/api/conversations/${id}/leave`, json("POST", {}, ann.cookie));

    await t.step(
      "public: 204, then 0 members in the directory; ben may join and read it",
      async () => {
        assert.equal((await leave(open.id)).status, 204);
        const { channel } = await okJson(
          await app.fetch(`/api/channels/${open.id}`, withCookie(ben.cookie)),
        );
        assert.equal(channel.memberCount, 0);
        await okJson(
          await app.fetch(`/api/conversations/${open.id}/join`, json("POST", {}, ben.cookie)),
        );
        assert.deepEqual(await systemEvents(app, ben, open.id), ["created", "left", "joined"]);
      },
    );

    await t.step(
      "private: 204, then gone (nobody could open it again) and its name free",
      async () => {
        assert.equal((await leave(closed.id)).status, 204);
        await assertError(
          await app.fetch(`/api/channels/${closed.id}`, withCookie(ann.cookie)),
          404,
          "not_found",
        );
        const again = await createChannel(app, ben, { title: "closed", visibility: "private" });
        assert.notEqual(again.id, closed.id);
        const { channels } = await directory(app, ann);
        assert.deepEqual(channels.map((c: { title: string }) => c.title), ["open"]);
      },
    );
  });
});
