/**
 * The REST message page reads its membership, head and authors' revision in the session's
 * own getMany (routes/_http.ts prefetchRoute) and answers from the history cache: what
 * another process changes in the store (`deno task admin`, another instance) is in the very
 * next answer, never an older one. The other process is a second handle on the same file.
 */
import assert from "node:assert/strict";
import {
  json,
  okJson,
  ORIGIN,
  registerUser,
  startTestApp,
  withCookie,
} from "../support/helpers.ts";
import { parseConfig } from "../../config.ts";
import { createApp, createContext } from "../../main.ts";
import { deleteUserRecord, revokeAllSessions, updateAccountFlags } from "../../lib/accounts/mod.ts";
import { removeParticipant } from "../../lib/conversations/mod.ts";
import { sendMessage } from "../../lib/messages/mod.ts";

Deno.test("the REST message page answers what another process changed, at once", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const app = await startTestApp({ KV_PATH: path });
  const other = await Deno.openKv(path);
  try {
    const ann = await registerUser(app, { username: "ann" });
    const ben = await registerUser(app, { username: "ben" });
    const cal = await registerUser(app, { username: "cal" });
    const eve = await registerUser(app, { username: "eve" });
    const created = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { participantIds: [ben.user.id, cal.user.id], title: "Three" }, ann.cookie),
      ),
      201,
    );
    const id: string = created.conversation.id;
    const url = `/api/conversations/${id}/messages?limit=50`;
    for (const content of ["one", "two"]) {
      await okJson(
        await app.fetch(`/api/conversations/${id}/messages`, json("POST", { content }, ann.cookie)),
        201,
      );
    }
    const contents = async (cookie: string) =>
      (await okJson(await app.fetch(url, withCookie(cookie)))).messages.map((
        m: { content: string },
      ) => m.content);
    // Twice each: the second request's session is known, so its reads come with the session's.
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await contents(ben.cookie), ["one", "two"]);
      assert.deepEqual(await contents(cal.cookie), ["one", "two"]);
      assert.equal((await app.fetch(url, withCookie(eve.cookie))).status, 404, "an outsider");
    }

    // A message sent by another process: in the next answer.
    const annUser = { ...ann.user };
    await sendMessage(other, annUser, { conversationId: id, content: "three" });
    assert.deepEqual(await contents(ben.cookie), ["one", "two", "three"]);

    // Ben removed by another process: 404 at once; Cal still reads.
    await removeParticipant(other, id, ben.user.id);
    assert.equal((await app.fetch(url, withCookie(ben.cookie))).status, 404, "removed");
    assert.deepEqual(await contents(cal.cookie), ["one", "two", "three"]);

    // Ann (the first account: the site admin) unmade admin, then deleted, by another process:
    // her messages show it at once.
    const authorOf = async () =>
      (await okJson(await app.fetch(url, withCookie(cal.cookie)))).messages[0].author;
    assert.equal((await authorOf()).isAdmin, true);
    await updateAccountFlags(other, ann.user.id, { siteAdmin: false });
    assert.equal((await authorOf()).isAdmin, false);
    assert.ok(await deleteUserRecord(other, ann.user.id));
    assert.equal((await authorOf()).displayName, "Deleted user");

    // Cal's sessions ended by another process: signed out at once.
    await revokeAllSessions(other, cal.user.id);
    assert.equal((await app.fetch(url, withCookie(cal.cookie))).status, 401, "revoked");
    // Eve disabled by another process: signed out at once too.
    await updateAccountFlags(other, eve.user.id, { disabled: true });
    assert.equal((await app.fetch(url, withCookie(eve.cookie))).status, 401, "disabled");
  } finally {
    other.close();
    await app.close();
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("the REST message page never answers with another conversation's reads", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const app = await startTestApp({ KV_PATH: path });
  try {
    const ann = await registerUser(app, { username: "ann" });
    const ben = await registerUser(app, { username: "ben" });
    const mine = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { participantIds: [ben.user.id] }, ann.cookie),
      ),
      201,
    );
    const id: string = mine.conversation.id;
    await okJson(
      await app.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: "hi" }, ann.cookie),
      ),
      201,
    );
    // Spellings of the path that a prefix rule could read differently from the router.
    for (
      const p of [`${id}/messages/`, `${id.toLowerCase()}/messages`, `%30${id.slice(1)}/messages`]
    ) {
      const res = await app.fetch(`/api/conversations/${p}?limit=5`, withCookie(ben.cookie));
      const body = await res.text();
      if (res.status === 200) assert.ok(body.includes('"hi"'), `${p}: ${body.slice(0, 200)}`);
      else assert.ok([404].includes(res.status), `${p}: ${res.status}`);
    }
    const res = await app.fetch(
      `/api/conversations/${id}/messages?limit=5`,
      withCookie(ben.cookie),
    );
    assert.ok((await okJson(res)).messages.some((m: { content: string }) => m.content === "hi"));
  } finally {
    await app.close();
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("a program's REST message page (bearer token) answers what another process changed, at once", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  const app = await startTestApp({ KV_PATH: path });
  const other = await Deno.openKv(path);
  try {
    const ann = await registerUser(app, { username: "ann" });
    const ben = await registerUser(app, { username: "ben" });
    const made = await okJson(
      await app.fetch("/api/tokens", json("POST", { name: "script" }, ben.cookie)),
      201,
    );
    const auth = { headers: { authorization: `Bearer ${made.secret}` } };
    const created = await okJson(
      await app.fetch(
        "/api/conversations",
        json("POST", { participantIds: [ben.user.id] }, ann.cookie),
      ),
      201,
    );
    const id: string = created.conversation.id;
    const url = `/api/conversations/${id}/messages?limit=50`;
    await sendMessage(other, ann.user, { conversationId: id, content: "one" });
    for (let i = 0; i < 2; i++) {
      const body = await okJson(await app.fetch(url, auth));
      assert.deepEqual(body.messages.map((m: { content: string }) => m.content), ["one"]);
    }
    await sendMessage(other, ann.user, { conversationId: id, content: "two" });
    const body = await okJson(await app.fetch(url, auth));
    assert.deepEqual(body.messages.map((m: { content: string }) => m.content), ["one", "two"]);
    await removeParticipant(other, id, ben.user.id);
    assert.equal((await app.fetch(url, auth)).status, 404, "removed by another process");
    await updateAccountFlags(other, ben.user.id, { disabled: true });
    assert.equal((await app.fetch(url, auth)).status, 401, "disabled by another process");
  } finally {
    other.close();
    await app.close();
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("a known session's REST message page reads the head in the session's own getMany, once", async () => {
  // Every getMany the app makes, by the kinds of its keys (the store wrapped as the bench's is).
  const reads: string[][] = [];
  const config = parseConfig({
    KV_PATH: ":memory:",
    DENO_ENV: "test",
    LOG_LEVEL: "error",
    REGISTRATION: "open",
  });
  const ctx = await createContext(config, {
    channelName: `rest-reads-${Deno.pid}`,
    wrapKv: (kv) =>
      new Proxy(kv, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target);
          if (prop !== "getMany") return typeof value === "function" ? value.bind(target) : value;
          return (keys: Deno.KvKey[], o?: { consistency?: Deno.KvConsistencyLevel }) => {
            reads.push(keys.map((k) => String(k[0])));
            return target.getMany(keys, o);
          };
        },
      }),
  });
  const app = createApp(ctx);
  const fetch = async (path: string, init?: RequestInit) =>
    await app.fetch(new Request(new URL(path, ORIGIN), init));
  try {
    const ann = await registerUser({ fetch }, { username: "ann" });
    const ben = await registerUser({ fetch }, { username: "ben" });
    const created = await okJson(
      await fetch(
        "/api/conversations",
        json("POST", { participantIds: [ben.user.id] }, ann.cookie),
      ),
      201,
    );
    const id: string = created.conversation.id;
    await okJson(
      await fetch(`/api/conversations/${id}/messages`, json("POST", { content: "hi" }, ann.cookie)),
      201,
    );
    const url = `/api/conversations/${id}/messages?limit=50`;
    for (let i = 0; i < 2; i++) await okJson(await fetch(url, withCookie(ben.cookie)));
    reads.length = 0;
    const body = await okJson(await fetch(url, withCookie(ben.cookie)));
    assert.deepEqual(body.messages.map((m: { content: string }) => m.content), ["hi"]);
    const withHead = reads.filter((kinds) => kinds.includes("conv_head"));
    assert.equal(withHead.length, 1, JSON.stringify(reads));
    assert.ok(withHead[0].includes("session"), JSON.stringify(reads));
    assert.ok(
      !reads.flat().includes("user") || withHead[0].includes("user"),
      JSON.stringify(reads),
    );
  } finally {
    await ctx.hub.indexed();
    ctx.hub.close();
    ctx.kv.close();
  }
});
