/**
 * What a person keeps for themself goes with their account (saved messages, drafts), and a
 * pin's system message says which message it is about.
 */
import assert from "node:assert/strict";
import { draftsPrefix, savedPrefix } from "../../lib/storage/mod.ts";
import {
  createConversationVia,
  form,
  json,
  okJson,
  registerUser,
  withApp,
  withCookie,
} from "../support/helpers.ts";

async function count(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

Deno.test("deleting an account deletes its saved messages and drafts", async () => {
  await withApp(async (app) => {
    const root = await registerUser(app, { username: "root" });
    const ann = await registerUser(app, { username: "ann" });
    const ben = await registerUser(app, { username: "ben" });
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Plans");
    const sent = await okJson(
      await app.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: "hi" }, ben.cookie),
      ),
      201,
    );
    const seq = sent.message.seq;
    const saved = await app.fetch(`/api/saved/${id}/${seq}`, json("PUT", undefined, ann.cookie));
    assert.equal(saved.status, 204);
    const draft = await app.fetch(
      `/api/conversations/${id}/draft`,
      json("PUT", { content: "half a thought" }, ann.cookie),
    );
    assert.equal(draft.status, 204);
    const kv = app.ctx.kv;
    assert.equal(await count(kv, savedPrefix(ann.user.id)), 1);
    assert.equal(await count(kv, draftsPrefix(ann.user.id)), 1);

    const gone = await app.fetch(
      `/api/admin/users/${ann.user.id}`,
      json("DELETE", undefined, root.cookie),
    );
    assert.equal(gone.status, 204);
    assert.equal(await count(kv, savedPrefix(ann.user.id)), 0);
    assert.equal(await count(kv, draftsPrefix(ann.user.id)), 0);
  });
});

Deno.test("a pin's system message names the message it is about", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    const ben = await registerUser(app, { username: "ben" });
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Plans");
    const sent = await okJson(
      await app.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: "keep" }, ben.cookie),
      ),
      201,
    );
    const pin = await app.fetch(
      `/api/conversations/${id}/messages/${sent.message.seq}/pin`,
      json("PUT", undefined, ann.cookie),
    );
    assert.equal(pin.status, 204);
    const { messages } = await okJson(
      await app.fetch(`/api/conversations/${id}/messages`, json("GET", undefined, ann.cookie)),
    );
    const system = messages.find((m: { kind?: string; system?: { event: string } }) =>
      m.kind === "system" && m.system?.event === "pinned"
    );
    assert.ok(system, "a pinned system message");
    assert.equal(system.system.seq, sent.message.seq);
  });
});

Deno.test("a message sent from a page without JavaScript clears the draft it started from", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    const ben = await registerUser(app, { username: "ben" });
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Plans");
    const put = await app.fetch(
      `/api/conversations/${id}/draft`,
      json("PUT", { content: "see you at 3" }, ann.cookie),
    );
    assert.equal(put.status, 204);
    const sent = await app.fetch(`/api/conversations/${id}/messages`, {
      ...form({ content: "see you at 3, ok?" }, ann.cookie),
      redirect: "manual",
    });
    assert.equal(sent.status, 303);
    const after = await okJson(
      await app.fetch(`/api/conversations/${id}/draft`, withCookie(ann.cookie)),
    );
    assert.equal(after.draft, null);
  });
});

Deno.test("the sidebar links to Saved, marked as the page on /saved", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    const home = await (await app.fetch("/", withCookie(ann.cookie))).text();
    assert.match(home, /<a href="\/saved" class="[^"]*"[^>]*>[\s\S]*?Saved<\/a>/);
    const saved = await (await app.fetch("/saved", withCookie(ann.cookie))).text();
    assert.match(saved, /<a href="\/saved" aria-current="page"/);
  });
});

Deno.test("a reply changed from a page without JavaScript goes back to its thread", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    const ben = await registerUser(app, { username: "ben" });
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Plans");
    const post = async (body: Record<string, unknown>) =>
      (await okJson(
        await app.fetch(`/api/conversations/${id}/messages`, json("POST", body, ann.cookie)),
        201,
      )).message.seq as number;
    const parent = await post({ content: "top" });
    const reply = await post({ content: "in the thread", parentSeq: parent });
    const edited = await app.fetch(`/api/conversations/${id}/messages/${reply}/edit`, {
      ...form({ content: "in the thread, edited" }, ann.cookie),
      redirect: "manual",
    });
    assert.equal(edited.status, 303);
    assert.equal(edited.headers.get("location"), `/conversations/${id}?thread=${parent}#m${reply}`);
    const top = await app.fetch(`/api/conversations/${id}/messages/${parent}/edit`, {
      ...form({ content: "top, edited" }, ann.cookie),
      redirect: "manual",
    });
    assert.equal(top.headers.get("location"), `/conversations/${id}#m${parent}`);
  });
});
