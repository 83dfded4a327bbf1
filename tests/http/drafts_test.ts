/** Drafts over HTTP: PUT/GET/DELETE /api/conversations/:id/draft and the payload's `draft`. */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  json,
  okJson,
  registerUser,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";

const draftUrl = (id: string, query = "") => `/api/conversations/${id}/draft${query}`;

async function putDraft(app: TestApp, cookie: string, id: string, body: unknown) {
  return await app.fetch(draftUrl(id), json("PUT", body, cookie));
}

async function conversationOf(app: TestApp, cookie: string, id: string) {
  return (await okJson(await app.fetch(`/api/conversations/${id}`, withCookie(cookie))))
    .conversation;
}

async function listOf(app: TestApp, cookie: string) {
  const body = await okJson(await app.fetch("/api/conversations", withCookie(cookie)));
  return body.conversations as { id: string; draft: string | null }[];
}

Deno.test("a draft is stored for its author alone, shown in the payload, and blank deletes it", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    assert.equal((await conversationOf(app, ann.cookie, id)).draft, null);

    const put = await putDraft(app, ann.cookie, id, { content: "half a thought" });
    assert.equal(put.status, 204);
    assert.equal((await conversationOf(app, ann.cookie, id)).draft, "half a thought");
    assert.equal((await listOf(app, ann.cookie)).find((c) => c.id === id)?.draft, "half a thought");
    const got = await okJson(await app.fetch(draftUrl(id), withCookie(ann.cookie)));
    assert.equal(got.draft.content, "half a thought");
    assert.equal(got.draft.parentSeq, null);
    assert.ok(!Number.isNaN(Date.parse(got.draft.updatedAt)));

    // Ben takes part too: he never sees Ann's.
    assert.equal((await conversationOf(app, ben.cookie, id)).draft, null);
    assert.equal((await listOf(app, ben.cookie))[0].draft, null);
    assert.equal((await okJson(await app.fetch(draftUrl(id), withCookie(ben.cookie)))).draft, null);

    // Only spaces: gone. The same again: still 204.
    assert.equal((await putDraft(app, ann.cookie, id, { content: "  \n " })).status, 204);
    assert.equal((await conversationOf(app, ann.cookie, id)).draft, null);
    assert.equal((await putDraft(app, ann.cookie, id, { content: "" })).status, 204);
    assert.equal((await okJson(await app.fetch(draftUrl(id), withCookie(ann.cookie)))).draft, null);

    // DELETE is PUT "".
    await putDraft(app, ann.cookie, id, { content: "again" });
    assert.equal(
      (await app.fetch(draftUrl(id), json("DELETE", undefined, ann.cookie))).status,
      204,
    );
    assert.equal((await conversationOf(app, ann.cookie, id)).draft, null);
  });
});

Deno.test("only participants have drafts: others get the 404 of a missing conversation", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const eve = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    await assertError(await putDraft(app, eve.cookie, id, { content: "hi" }), 404, "not_found");
    await assertError(await app.fetch(draftUrl(id), withCookie(eve.cookie)), 404, "not_found");
    await assertError(
      await app.fetch(draftUrl(id), json("DELETE", undefined, eve.cookie)),
      404,
      "not_found",
    );
    const missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    await assertError(
      await putDraft(app, ann.cookie, missing, { content: "hi" }),
      404,
      "not_found",
    );
    await assertError(await putDraft(app, ann.cookie, "nope", { content: "hi" }), 404, "not_found");
    // Signed out: 401.
    await assertError(
      await app.fetch(draftUrl(id), json("PUT", { content: "x" })),
      401,
      "unauthorized",
    );
    // Nothing was stored for Eve.
    const kept = [];
    for await (const e of app.ctx.kv.list({ prefix: ["draft", eve.user.id] })) kept.push(e);
    assert.equal(kept.length, 0);
  });
});

Deno.test("a draft is at most 4,000 characters; other shapes are 400s", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    const long = await assertError(
      await putDraft(app, ann.cookie, id, { content: "x".repeat(4001) }),
      400,
      "invalid_input",
    );
    assert.ok(long.fields?.content);
    assert.equal((await putDraft(app, ann.cookie, id, { content: "é".repeat(4000) })).status, 204);
    assert.equal((await conversationOf(app, ann.cookie, id)).draft, "é".repeat(4000));
    await assertError(await putDraft(app, ann.cookie, id, {}), 400, "invalid_input");
    await assertError(await putDraft(app, ann.cookie, id, { content: 5 }), 400, "invalid_input");
    await assertError(
      await putDraft(app, ann.cookie, id, { content: "x", parentSeq: 0 }),
      400,
      "invalid_input",
    );
    const bad = await app.fetch(draftUrl(id), {
      method: "PUT",
      headers: {
        origin: "http://localhost",
        cookie: ann.cookie,
        "content-type": "application/json",
      },
      body: "{",
    });
    await assertError(bad, 400, "malformed_json");
  });
});

Deno.test("a thread's draft is kept apart, under an existing message", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    const posted = await app.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content: "the parent" }, ben.cookie),
    );
    const { message } = await okJson(posted, 201);
    const put = await putDraft(app, ann.cookie, id, {
      content: "in the thread",
      parentSeq: message.seq,
    });
    assert.equal(put.status, 204);
    // Not the conversation's draft.
    assert.equal((await conversationOf(app, ann.cookie, id)).draft, null);
    const got = await okJson(
      await app.fetch(draftUrl(id, `?parentSeq=${message.seq}`), withCookie(ann.cookie)),
    );
    assert.equal(got.draft.content, "in the thread");
    assert.equal(got.draft.parentSeq, message.seq);
    // No message there: 400 on parentSeq.
    const none = await assertError(
      await putDraft(app, ann.cookie, id, { content: "x", parentSeq: message.seq + 50 }),
      400,
      "invalid_input",
    );
    assert.ok(none.fields?.parentSeq);
    await assertError(
      await app.fetch(draftUrl(id, "?parentSeq=abc"), withCookie(ann.cookie)),
      400,
      "invalid_input",
    );
    // Cleared with DELETE ?parentSeq=.
    const del = await app.fetch(
      draftUrl(id, `?parentSeq=${message.seq}`),
      json("DELETE", undefined, ann.cookie),
    );
    assert.equal(del.status, 204);
    const after = await app.fetch(
      draftUrl(id, `?parentSeq=${message.seq}`),
      withCookie(ann.cookie),
    );
    assert.equal((await okJson(after)).draft, null);
  });
});

Deno.test("a long list carries each conversation's draft (one range read)", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ids: string[] = [];
    for (let i = 0; i < 14; i++) {
      const other = await registerUser(app);
      ids.push(await createConversationVia(app, ann.cookie, [other.user]));
    }
    await putDraft(app, ann.cookie, ids[0], { content: "first" });
    await putDraft(app, ann.cookie, ids[13], { content: "last" });
    const list = await listOf(app, ann.cookie);
    assert.equal(list.length, 14);
    const drafts = Object.fromEntries(list.map((c) => [c.id, c.draft]));
    assert.equal(drafts[ids[0]], "first");
    assert.equal(drafts[ids[13]], "last");
    assert.equal(list.filter((c) => c.draft !== null).length, 2);
    // A page of the list too.
    const page = await okJson(
      await app.fetch("/api/conversations?limit=5", withCookie(ann.cookie)),
    );
    assert.equal(page.conversations.find((c: { id: string }) => c.id === ids[13])?.draft, "last");
  });
});

Deno.test("the conversation's page carries your draft", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    await putDraft(app, ann.cookie, id, { content: "draft-on-the-page" });
    const page = await app.fetch(`/conversations/${id}`, withCookie(ann.cookie));
    assert.equal(page.status, 200);
    assert.match(await page.text(), /draft-on-the-page/);
    const bens = await app.fetch(`/conversations/${id}`, withCookie(ben.cookie));
    assert.doesNotMatch(await bens.text(), /draft-on-the-page/);
  });
});
