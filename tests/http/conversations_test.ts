import assert from "node:assert/strict";
import { createUser, type User } from "../../lib/accounts/mod.ts";
import {
  assertError,
  createConversationVia,
  form,
  json,
  okJson,
  ORIGIN,
  type Person,
  registerUser,
  startTestServer,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { eventually, nextMillisecond, range, seqs } from "../support/util.ts";

/** Registers people in parallel, each with the given display name. */
async function people(app: TestApp, ...displayNames: string[]): Promise<Person[]> {
  return await Promise.all(displayNames.map((displayName) => registerUser(app, { displayName })));
}

function post(app: TestApp, cookie: string, conversationId: string, body: unknown) {
  return app.fetch(`/api/conversations/${conversationId}/messages`, json("POST", body, cookie));
}

Deno.test("every conversations endpoint answers 401 unauthorized when signed out", async () => {
  await withApp(async (app) => {
    const id = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
    const requests: [string, RequestInit][] = [
      ["/api/conversations", {}],
      ["/api/conversations", json("POST", { usernames: ["someone"] })],
      ["/api/conversations/users?search=a", {}],
      [`/api/conversations/${id}`, {}],
      [`/api/conversations/${id}/messages`, {}],
      [`/api/conversations/${id}/messages`, json("POST", { content: "hello" })],
      [`/api/conversations/${id}/read`, json("POST", { seq: 1 })],
    ];
    for (const [path, init] of requests) {
      await assertError(await app.fetch(path, init), 401, "unauthorized");
      await assertError(
        await app.fetch(path, { ...init, headers: { ...init.headers, cookie: "sid=forged" } }),
        401,
        "unauthorized",
      );
    }
  });
});

Deno.test("POST /api/conversations for a direct pair answers 201, then 200 with the same one", async () => {
  await withApp(async (app) => {
    const [ann, ben] = await people(app, "Ann", "Ben");
    const first = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { participantIds: [ben.user.id] }, ann.cookie),
      ),
      201,
    );
    const c = first.conversation;
    assert.equal(c.kind, "direct");
    assert.equal(c.title, null);
    assert.equal(c.projectId, null);
    assert.deepEqual(c.participants, [ann.user, ben.user]);
    assert.equal(c.lastMessage, null);
    assert.equal(c.unreadCount, 0);
    assert.ok(!Number.isNaN(Date.parse(c.updatedAt)));

    const again = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { participantIds: [ben.user.id] }, ann.cookie),
      ),
      200,
    );
    assert.equal(again.conversation.id, c.id);
    const reverse = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { usernames: [ann.user.username] }, ben.cookie),
      ),
      200,
    );
    assert.equal(reverse.conversation.id, c.id, "the same pair from the other side");
  });
});

Deno.test("POST /api/conversations by usernames (any case) makes direct and group conversations", async () => {
  await withApp(async (app) => {
    const [ann, ben, cat] = await people(app, "Ann", "Ben", "Cat");
    const direct = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { usernames: [ben.user.username.toUpperCase()] }, ann.cookie),
      ),
      201,
    );
    assert.equal(direct.conversation.kind, "direct");
    assert.deepEqual(direct.conversation.participants.map((u: User) => u.id), [
      ann.user.id,
      ben.user.id,
    ]);

    const group = await okJson(
      await app.fetch(
        "/api/conversations",
        json(
          "POST",
          { usernames: [ben.user.username, cat.user.username], title: "Trio" },
          ann.cookie,
        ),
      ),
      201,
    );
    assert.equal(group.conversation.kind, "group");
    assert.equal(group.conversation.title, "Trio");
    assert.equal(group.conversation.participants.length, 3);

    const mixed = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { participantIds: [ben.user.id], usernames: [cat.user.username] }, ann.cookie),
      ),
      201,
    );
    assert.equal(mixed.conversation.kind, "group");
    assert.notEqual(mixed.conversation.id, group.conversation.id, "groups are never merged");
  });
});

Deno.test("a form post to /api/conversations answers 303 to the new conversation's page", async () => {
  await withApp(async (app) => {
    const [ann, ben, cat] = await people(app, "Ann", "Ben", "Cat");
    const res = await app.fetch(
      "/api/conversations",
      form({ usernames: `${ben.user.username}, ${cat.user.username}`, title: "" }, ann.cookie),
    );
    assert.equal(res.status, 303);
    const location = res.headers.get("location") ?? "";
    assert.match(location, /^\/conversations\/[0-9A-Z]{26}$/);
    const { conversation } = await okJson(
      await app.fetch(`/api/conversations/${location.split("/").pop()}`, withCookie(cat.cookie)),
    );
    assert.equal(conversation.kind, "group");
    assert.equal(conversation.participants.length, 3);
  });
});

Deno.test("POST /api/conversations with unknown or missing people answers 400 with fields", async () => {
  await withApp(async (app) => {
    const [ann, ben] = await people(app, "Ann", "Ben");
    const create = (body: unknown) =>
      app.fetch("/api/conversations", json("POST", body, ann.cookie));

    const unknownId = await assertError(
      await create({ participantIds: [ben.user.id, "01NOBODY"] }),
      400,
      "invalid_input",
    );
    assert.match(unknownId.fields?.participants ?? "", /01NOBODY/);
    const unknownName = await assertError(
      await create({ usernames: ["ghost"] }),
      400,
      "invalid_input",
    );
    assert.match(unknownName.fields?.participants ?? "", /ghost/);
    assert.ok((await assertError(await create({}), 400, "invalid_input")).fields?.participants);
    assert.ok(
      (await assertError(await create({ participantIds: [ann.user.id] }), 400, "invalid_input"))
        .fields?.participants,
      "yourself alone is not a conversation",
    );
    assert.ok(
      (await assertError(await create({ participantIds: [42] }), 400, "invalid_input")).fields,
    );
    assert.ok(
      (await assertError(
        await create({ usernames: [ben.user.username], title: "t".repeat(101) }),
        400,
        "invalid_input",
      ))
        .fields?.title,
    );
    const list = await okJson(await app.fetch("/api/conversations", withCookie(ann.cookie)));
    assert.deepEqual(list.conversations, [], "nothing was created");
  });
});

Deno.test("POST /api/conversations with malformed JSON answers 400, another content type 415", async () => {
  await withApp(async (app) => {
    const [ann] = await people(app, "Ann");
    const headers = { origin: ORIGIN, cookie: ann.cookie };
    await assertError(
      await app.fetch("/api/conversations", {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: '{"usernames": [',
      }),
      400,
      "malformed_json",
    );
    await assertError(
      await app.fetch("/api/conversations", {
        method: "POST",
        headers: { ...headers, "content-type": "text/plain" },
        body: '{"usernames": ["x"]}',
      }),
      415,
      "unsupported_media_type",
    );
  });
});

Deno.test("GET /api/conversations lists most recently active first, with lastMessage and unreadCount", async (t) => {
  await withApp(async (app) => {
    const [ann, ben, cat] = await people(app, "Ann", "Ben", "Cat");
    const withBen = await createConversationVia(app, ann.cookie, [ben.user]);
    await nextMillisecond();
    const withCat = await createConversationVia(app, ann.cookie, [cat.user]);
    const list = async (person: Person) =>
      (await okJson(await app.fetch("/api/conversations", withCookie(person.cookie))))
        .conversations;

    await t.step("newest conversation first while nobody has written", async () => {
      assert.deepEqual((await list(ann)).map((c: { id: string }) => c.id), [withCat, withBen]);
      assert.deepEqual((await list(ben)).map((c: { id: string }) => c.id), [withBen]);
    });
    await t.step("a message moves its conversation to the top and counts as unread", async () => {
      await nextMillisecond();
      await okJson(await post(app, ben.cookie, withBen, { content: "first from Ben" }), 201);
      await nextMillisecond();
      await okJson(await post(app, ben.cookie, withBen, { content: "second from Ben" }), 201);
      const [top, other] = await list(ann);
      assert.equal(top.id, withBen);
      assert.equal(top.unreadCount, 2);
      assert.equal(top.lastMessage.content, "second from Ben");
      assert.deepEqual(top.lastMessage.author, ben.user);
      assert.equal(top.lastMessage.seq, 2);
      assert.equal(top.updatedAt, top.lastMessage.createdAt);
      assert.equal(other.id, withCat);
      assert.equal(other.lastMessage, null);
      assert.equal(other.unreadCount, 0);
      assert.equal((await list(ben))[0].unreadCount, 0, "your own messages are read");
    });
    await t.step("a newer message elsewhere takes the top", async () => {
      await nextMillisecond();
      await okJson(await post(app, cat.cookie, withCat, { content: "hi from Cat" }), 201);
      const conversations = await list(ann);
      assert.deepEqual(conversations.map((c: { id: string }) => c.id), [withCat, withBen]);
      assert.equal(conversations[0].unreadCount, 1);
    });
    await t.step("POST read moves the read mark and lowers unreadCount", async () => {
      const res = await app.fetch(
        `/api/conversations/${withBen}/read`,
        json("POST", { seq: 1 }, ann.cookie),
      );
      assert.equal(res.status, 204);
      const conversation = (await list(ann)).find((c: { id: string }) => c.id === withBen);
      assert.equal(conversation.unreadCount, 1);
      const bad = await app.fetch(
        `/api/conversations/${withBen}/read`,
        json("POST", { seq: "latest" }, ann.cookie),
      );
      assert.ok((await assertError(bad, 400, "invalid_input")).fields?.seq);
    });
  });
});

Deno.test("GET /api/conversations without parameters answers every conversation, more than a page", async () => {
  await withApp(async (app) => {
    const [ann, ben] = await people(app, "Ann", "Ben");
    for (let i = 0; i < 55; i++) {
      await createConversationVia(app, ann.cookie, [ben.user], `Room ${i}`);
    }
    const all = await okJson(await app.fetch("/api/conversations", withCookie(ann.cookie)));
    assert.equal(all.conversations.length, 55);
    assert.equal(all.nextCursor, null);
    const page = await okJson(
      await app.fetch("/api/conversations?limit=50", withCookie(ann.cookie)),
    );
    assert.equal(page.conversations.length, 50);
    assert.equal(typeof page.nextCursor, "string");
  });
});

Deno.test("GET /api/conversations pages with limit and nextCursor, and refuses a bad cursor or limit", async (t) => {
  await withApp(async (app) => {
    const [ann, ben] = await people(app, "Ann", "Ben");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.unshift(await createConversationVia(app, ann.cookie, [ben.user], `Room ${i}`));
      await nextMillisecond();
    }
    const get = async (query: string) =>
      await okJson(await app.fetch(`/api/conversations${query}`, withCookie(ann.cookie)));

    await t.step("without parameters: all of them (the contract) and no cursor", async () => {
      const body = await get("");
      assert.deepEqual(body.conversations.map((c: { id: string }) => c.id), ids);
      assert.equal(body.nextCursor, null);
    });
    await t.step("limit=2 walks the list in three pages", async () => {
      const first = await get("?limit=2");
      assert.deepEqual(first.conversations.map((c: { id: string }) => c.id), ids.slice(0, 2));
      assert.equal(typeof first.nextCursor, "string");
      const second = await get(`?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`);
      assert.deepEqual(second.conversations.map((c: { id: string }) => c.id), ids.slice(2, 4));
      const third = await get(`?limit=2&cursor=${encodeURIComponent(second.nextCursor)}`);
      assert.deepEqual(third.conversations.map((c: { id: string }) => c.id), ids.slice(4));
      assert.equal(third.nextCursor, null);
    });
    await t.step("a malformed cursor or limit answers 400 naming it", async () => {
      for (
        const [query, field] of [["?cursor=abc", "cursor"], ["?limit=0", "limit"], [
          "?limit=201",
          "limit",
        ]]
      ) {
        const res = await app.fetch(`/api/conversations${query}`, withCookie(ann.cookie));
        assert.ok((await assertError(res, 400, "invalid_input")).fields?.[field], query);
      }
    });
  });
});

Deno.test("GET /api/conversations/:id answers 200 to participants and 404 to anyone else", async () => {
  await withApp(async (app) => {
    const [ann, ben, eve] = await people(app, "Ann", "Ben", "Eve");
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    const { conversation } = await okJson(
      await app.fetch(`/api/conversations/${id}`, withCookie(ben.cookie)),
    );
    assert.equal(conversation.id, id);
    assert.deepEqual(conversation.participants, [ann.user, ben.user]);

    await assertError(
      await app.fetch(`/api/conversations/${id}`, withCookie(eve.cookie)),
      404,
      "not_found",
    );
    await assertError(
      await app.fetch("/api/conversations/01HZZZZZZZZZZZZZZZZZZZZZZZ", withCookie(ann.cookie)),
      404,
      "not_found",
    );
    await assertError(
      await app.fetch("/api/conversations/not%20an%20id", withCookie(ann.cookie)),
      404,
      "not_found",
    );
  });
});

Deno.test("a non-participant gets 404 for a conversation's messages, posting and reading", async () => {
  await withApp(async (app) => {
    const [ann, ben, eve] = await people(app, "Ann", "Ben", "Eve");
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    await okJson(await post(app, ann.cookie, id, { content: "private" }), 201);

    await assertError(
      await app.fetch(`/api/conversations/${id}/messages`, withCookie(eve.cookie)),
      404,
      "not_found",
    );
    await assertError(await post(app, eve.cookie, id, { content: "let me in" }), 404, "not_found");
    await assertError(
      await app.fetch(`/api/conversations/${id}/read`, json("POST", { seq: 1 }, eve.cookie)),
      404,
      "not_found",
    );
    const { messages } = await okJson(
      await app.fetch(`/api/conversations/${id}/messages`, withCookie(ben.cookie)),
    );
    assert.deepEqual(messages.map((m: { content: string }) => m.content), ["private"]);
  });
});

Deno.test("GET /api/conversations/:id/messages pages with before, after and limit", async (t) => {
  await withApp(async (app) => {
    const [ann, ben] = await people(app, "Ann", "Ben");
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    // 120 messages, half from each, so neither reaches the sending limit (120 a minute).
    for (let i = 1; i <= 120; i++) {
      const { message } = await okJson(
        await post(app, i % 2 ? ann.cookie : ben.cookie, id, { content: `message ${i}` }),
        201,
      );
      assert.equal(message.seq, i);
    }
    const page = async (query: string) =>
      await okJson(
        await app.fetch(`/api/conversations/${id}/messages${query}`, withCookie(ann.cookie)),
      );

    await t.step("by default the newest 50, oldest first, with a cursor back", async () => {
      const { messages, nextCursor } = await page("");
      assert.deepEqual(seqs(messages), range(71, 120));
      assert.equal(nextCursor, "71");
      assert.equal(messages[0].content, "message 71");
      assert.deepEqual(messages[0].author, ann.user);
      assert.deepEqual(messages[1].author, ben.user);
      assert.equal(messages[0].conversationId, id);
      assert.equal(messages[0].clientId, null);
      assert.ok(!Number.isNaN(Date.parse(messages[0].createdAt)));
    });
    await t.step("before pages back until the cursor runs out", async () => {
      const second = await page("?before=71");
      assert.deepEqual(seqs(second.messages), range(21, 70));
      assert.equal(second.nextCursor, "21");
      const last = await page(`?before=${second.nextCursor}`);
      assert.deepEqual(seqs(last.messages), range(1, 20));
      assert.equal(last.nextCursor, null);
      assert.deepEqual(await page("?before=1"), { messages: [], nextCursor: null });
      assert.deepEqual(await page("?before=0"), { messages: [], nextCursor: null });
    });
    await t.step("after returns what came after that seq", async () => {
      const rest = await page("?after=100");
      assert.deepEqual(seqs(rest.messages), range(101, 120));
      assert.equal(rest.nextCursor, null);
      const start = await page("?after=0&limit=10");
      assert.deepEqual(seqs(start.messages), range(1, 10));
      assert.equal(start.nextCursor, "10");
      assert.deepEqual((await page("?after=120")).messages, []);
    });
    await t.step("limit up to 100 is honoured", async () => {
      assert.deepEqual(seqs((await page("?limit=3")).messages), [118, 119, 120]);
      const hundred = await page("?limit=100");
      assert.deepEqual(seqs(hundred.messages), range(21, 120));
      assert.equal(hundred.nextCursor, "21");
    });
    await t.step("a limit over 100 or any bad parameter answers 400 naming it", async () => {
      const get = (query: string) =>
        app.fetch(`/api/conversations/${id}/messages${query}`, withCookie(ann.cookie));
      for (
        const [query, field] of [
          ["?limit=101", "limit"],
          ["?limit=0", "limit"],
          ["?limit=ten", "limit"],
          ["?before=abc", "before"],
          ["?after=-1", "after"],
          ["?before=50&after=10", "before"],
        ]
      ) {
        const error = await assertError(await get(query), 400, "invalid_input");
        assert.ok(error.fields?.[field], `${query} names ${field}`);
      }
    });
  });
});

Deno.test("POST /api/conversations/:id/messages with a repeated clientId answers 201, then 200 with the same message", async () => {
  await withApp(async (app) => {
    const [ann, ben] = await people(app, "Ann", "Ben");
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    const first = await okJson(
      await post(app, ann.cookie, id, { content: "only once", clientId: "tab-1:7" }),
      201,
    );
    assert.equal(first.message.clientId, "tab-1:7");
    assert.equal(first.message.seq, 1);
    assert.deepEqual(first.message.author, ann.user);
    const again = await okJson(
      await post(app, ann.cookie, id, { content: "only once", clientId: "tab-1:7" }),
      200,
    );
    assert.deepEqual(again.message, first.message);
    const { messages } = await okJson(
      await app.fetch(`/api/conversations/${id}/messages`, withCookie(ben.cookie)),
    );
    assert.equal(messages.length, 1, "stored once");

    const bad = await post(app, ann.cookie, id, { content: "x", clientId: "has spaces" });
    assert.ok((await assertError(bad, 400, "invalid_input")).fields?.clientId);
  });
});

Deno.test("POST /api/conversations/:id/messages checks the content: 1 to 4000 characters after trimming", async () => {
  await withApp(async (app) => {
    const [ann, ben] = await people(app, "Ann", "Ben");
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    for (const content of ["", "   \n\t ", "a".repeat(4001), undefined, 42]) {
      const error = await assertError(
        await post(app, ann.cookie, id, { content }),
        400,
        "invalid_input",
      );
      assert.ok(
        error.fields?.content,
        `content ${JSON.stringify(content)?.slice(0, 20)} is refused`,
      );
    }
    const longest = await okJson(
      await post(app, ann.cookie, id, { content: `  ${"b".repeat(4000)}\n` }),
      201,
    );
    assert.equal(longest.message.content, "b".repeat(4000));
    assert.equal(longest.message.seq, 1, "none of the refused messages took a seq");

    await assertError(
      await app.fetch(`/api/conversations/${id}/messages`, {
        method: "POST",
        headers: { origin: ORIGIN, cookie: ann.cookie, "content-type": "application/json" },
        body: "{not json",
      }),
      400,
      "malformed_json",
    );
    await assertError(
      await app.fetch(`/api/conversations/${id}/messages`, {
        method: "POST",
        headers: { origin: ORIGIN, cookie: ann.cookie, "content-type": "text/plain" },
        body: "hello",
      }),
      415,
      "unsupported_media_type",
    );
  });
});

Deno.test("POST /api/conversations/:id/messages past the sending limit answers 429 with Retry-After", async () => {
  // RATE_LIMIT_SCALE 0.1 turns 120 messages a minute into 12 (and 20 registrations into 2).
  await withApp(async (app) => {
    const [ann, ben] = await people(app, "Ann", "Ben");
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    for (let i = 1; i <= 12; i++) {
      await okJson(await post(app, ann.cookie, id, { content: `m${i}` }), 201);
    }
    const limited = await post(app, ann.cookie, id, { content: "one too many" });
    await assertError(limited, 429, "rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    await okJson(await post(app, ben.cookie, id, { content: "Ben may still write" }), 201);
  }, { RATE_LIMIT_SCALE: "0.1" });
});

Deno.test("a cross-origin POST to /api/conversations answers 403 bad_origin", async () => {
  await withApp(async (app) => {
    const [ann, ben] = await people(app, "Ann", "Ben");
    const init = json("POST", { participantIds: [ben.user.id] }, ann.cookie);
    const res = await app.fetch("/api/conversations", {
      ...init,
      headers: { ...init.headers, origin: "https://evil.example" },
    });
    await assertError(res, 403, "bad_origin");
    const list = await okJson(await app.fetch("/api/conversations", withCookie(ann.cookie)));
    assert.deepEqual(list.conversations, []);
  });
});

Deno.test("GET /api/conversations/users searches usernames and display names, case-insensitively, without you", async (t) => {
  await withApp(async (app) => {
    const [ann, ben, cat] = await Promise.all([
      registerUser(app, { username: "alina", displayName: "Ann Adams" }),
      registerUser(app, { username: "benb", displayName: "Ben Brown" }),
      registerUser(app, { username: "catc", displayName: "Cat ALIson" }),
    ]);
    const search = async (person: Person, query: string) =>
      (await okJson(
        await app.fetch(
          `/api/conversations/users?search=${encodeURIComponent(query)}`,
          withCookie(person.cookie),
        ),
      )).users as User[];
    const ids = (users: User[]) => users.map((u) => u.id).sort();

    await t.step("by display name in any case", async () => {
      assert.deepEqual(ids(await search(ann, "BROWN")), [ben.user.id]);
      assert.deepEqual(ids(await search(ben, "adams")), [ann.user.id]);
    });
    await t.step("by username in any case", async () => {
      assert.deepEqual(ids(await search(cat, "ALINA")), [ann.user.id]);
    });
    await t.step("by either at once", async () => {
      assert.deepEqual(ids(await search(ben, "ali")), ids([ann.user, cat.user]));
    });
    await t.step("never yourself", async () => {
      assert.deepEqual(ids(await search(ann, "ali")), [cat.user.id]);
    });
    await t.step("public fields only", async () => {
      for (const user of await search(ann, "")) {
        assert.deepEqual(Object.keys(user).sort(), [
          "displayName",
          "id",
          "isAdmin",
          "isBot",
          "username",
        ]);
      }
    });
    await t.step("at most 20 users", async () => {
      await Promise.all(
        range(1, 22).map((i) =>
          createUser(app.ctx.kv, {
            username: `teammate${i}`,
            password: "correct horse battery",
            displayName: `Teammate ${i}`,
          })
        ),
      );
      const found = await search(ann, "TEAMMATE");
      assert.equal(found.length, 20);
      assert.ok(found.every((u) => u.username.startsWith("teammate")));
    });
    await t.step("an overlong search answers 400", async () => {
      const res = await app.fetch(
        `/api/conversations/users?search=${"a".repeat(65)}`,
        withCookie(ann.cookie),
      );
      assert.ok((await assertError(res, 400, "invalid_input")).fields?.search);
    });
  });
});

/** Ann's first conversation on the list (limit=1): what the sidebar's top shows. */
async function topOf(app: Pick<TestApp, "fetch">, cookie: string): Promise<string | undefined> {
  const res = await app.fetch("/api/conversations?limit=1", withCookie(cookie));
  return (await okJson(res)).conversations[0]?.id;
}

async function idsListed(app: Pick<TestApp, "fetch">, cookie: string): Promise<string[]> {
  const res = await app.fetch("/api/conversations", withCookie(cookie));
  return (await okJson(res)).conversations.map((c: { id: string }) => c.id);
}

/** Rooms 0..n-1 of `owner` with `others`, oldest first. */
async function rooms(app: Pick<TestApp, "fetch">, owner: Person, others: User[], n: number) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    await nextMillisecond();
    ids.push(await createConversationVia(app, owner.cookie, others, `Room ${i}`));
  }
  return ids;
}

Deno.test("GET /api/conversations shows a post, a new conversation and membership changes at once", async (t) => {
  await withApp(async (app) => {
    const [ann, ben] = await people(app, "Ann", "Ben");
    const ids = await rooms(app, ann, [ben.user], 3);
    assert.equal(await topOf(app, ann.cookie), ids[2]);

    await t.step("a post moves a conversation from beyond the first page to the top", async () => {
      await nextMillisecond();
      await okJson(await post(app, ben.cookie, ids[0], { content: "up you go" }), 201);
      assert.equal(await topOf(app, ann.cookie), ids[0]);
    });
    await t.step("a new conversation is on the list of everyone in it", async () => {
      await nextMillisecond();
      const id = await createConversationVia(app, ben.cookie, [ann.user], "Ben's room");
      assert.equal(await topOf(app, ann.cookie), id);
    });
    await t.step("a project member added and removed: in and out of their list", async () => {
      const { project } = await okJson(
        await app.fetch("/api/projects", json("POST", { name: "Roof" }, ann.cookie)),
        201,
      );
      assert.ok(!(await idsListed(app, ben.cookie)).includes(project.conversationId));
      const added = await app.fetch(
        `/api/projects/${project.id}/members`,
        json("POST", { username: ben.user.username }, ann.cookie),
      );
      await okJson(added, 201);
      assert.ok((await idsListed(app, ben.cookie)).includes(project.conversationId));
      const removed = await app.fetch(
        `/api/projects/${project.id}/members/${ben.user.id}`,
        json("DELETE", undefined, ann.cookie),
      );
      assert.equal(removed.status, 204);
      assert.ok(!(await idsListed(app, ben.cookie)).includes(project.conversationId));
    });
  });
});

Deno.test("GET /api/conversations on two servers of one KV file: the other's changes converge", async (t) => {
  const dir = await Deno.makeTempDir();
  const env = { KV_PATH: `${dir}/chat.kv` };
  const one = await startTestServer(env);
  const two = await startTestServer(env);
  try {
    const [ann, ben] = await people(one, "Ann", "Ben");
    const ids = await rooms(one, ann, [ben.user], 3);
    assert.equal(await topOf(two, ann.cookie), ids[2], "two remembers Ann's order now");

    await t.step("a post on one moves the conversation to the top on two", async () => {
      await okJson(await post(one, ben.cookie, ids[0], { content: "from one" }), 201);
      await eventually(async () => await topOf(two, ann.cookie) === ids[0], "top on two");
      const [top] = (await okJson(await two.fetch("/api/conversations", withCookie(ann.cookie))))
        .conversations;
      assert.equal(top.unreadCount, 1);
    });
    await t.step("a conversation made on one appears on two", async () => {
      const id = await createConversationVia(one, ben.cookie, [ann.user], "Made on one");
      await eventually(async () => (await idsListed(two, ann.cookie)).includes(id), "listed");
    });
  } finally {
    await one.close();
    await two.close();
    await Deno.remove(dir, { recursive: true });
  }
});
