/** Saved messages over HTTP: private, participants only, paging, left conversations, forms. */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  form,
  json,
  okJson,
  registerUser,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { say } from "../support/talk.ts";
import type { Message } from "../../lib/shared/message.ts";
import type { SavedItem } from "../../lib/messages/mod.ts";

async function saved(app: TestApp, cookie: string, query = "") {
  return await okJson(await app.fetch(`/api/saved${query}`, withCookie(cookie))) as {
    items: SavedItem[];
    nextCursor: string | null;
  };
}

const put = (app: TestApp, cookie: string, id: string, seq: number | string, method = "PUT") =>
  app.fetch(`/api/saved/${id}/${seq}`, json(method, undefined, cookie));

Deno.test("saved messages", async (t) => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const eve = await registerUser(app, { displayName: "Eve" });
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Plans");
    const other = await createConversationVia(app, ben.cookie, [ann.user], "Other");
    const a = await say(app, ann.cookie, id, "remember this");
    const b = await say(app, ben.cookie, id, "and this");
    const c = await say(app, ben.cookie, other, "elsewhere");

    await t.step("save: 204; the list shows it with its conversation, private", async () => {
      assert.equal((await put(app, ann.cookie, id, a.seq)).status, 204);
      const { items, nextCursor } = await saved(app, ann.cookie);
      assert.equal(items.length, 1);
      assert.equal(items[0].message.seq, a.seq);
      assert.equal(items[0].message.content, "remember this");
      assert.equal(items[0].message.author.id, ann.user.id);
      assert.equal(items[0].conversation.id, id);
      assert.equal(items[0].conversation.title, "Plans");
      assert.deepEqual(
        items[0].conversation.participants.map((p) => p.id).sort(),
        [ann.user.id, ben.user.id].sort(),
      );
      assert.ok(items[0].savedAt);
      assert.equal(nextCursor, null);
      // Ben saved nothing: his list is empty.
      assert.deepEqual((await saved(app, ben.cookie)).items, []);
    });

    await t.step("saving again: 204, still one item", async () => {
      assert.equal((await put(app, ann.cookie, id, a.seq)).status, 204);
      assert.equal((await saved(app, ann.cookie)).items.length, 1);
    });

    await t.step("newest save first; GET /api/saved/:conversationId lists your seqs", async () => {
      assert.equal((await put(app, ann.cookie, other, c.seq)).status, 204);
      assert.equal((await put(app, ann.cookie, id, b.seq)).status, 204);
      const { items } = await saved(app, ann.cookie);
      assert.deepEqual(items.map((i) => i.message.content), [
        "and this",
        "elsewhere",
        "remember this",
      ]);
      const { seqs } = await okJson(await app.fetch(`/api/saved/${id}`, withCookie(ann.cookie)));
      assert.deepEqual(seqs, [a.seq, b.seq]);
      const none = await okJson(await app.fetch(`/api/saved/${id}`, withCookie(ben.cookie)));
      assert.deepEqual(none.seqs, []);
    });

    await t.step("paging: limit and nextCursor walk the whole list once", async () => {
      const first = await saved(app, ann.cookie, "?limit=2");
      assert.equal(first.items.length, 2);
      assert.ok(first.nextCursor);
      const second = await saved(app, ann.cookie, `?limit=2&cursor=${first.nextCursor}`);
      assert.deepEqual(second.items.map((i) => i.message.content), ["remember this"]);
      assert.equal(second.nextCursor, null);
      const exact = await saved(app, ann.cookie, "?limit=3");
      assert.equal(exact.items.length, 3);
      assert.equal(exact.nextCursor, null);
      await assertError(
        await app.fetch("/api/saved?cursor=nope", withCookie(ann.cookie)),
        400,
        "invalid_input",
      );
      await assertError(
        await app.fetch("/api/saved?limit=0", withCookie(ann.cookie)),
        400,
        "invalid_input",
      );
    });

    await t.step("outsiders get 404 for save, unsave, the seqs and the form", async () => {
      for (const method of ["PUT", "DELETE"]) {
        await assertError(await put(app, eve.cookie, id, a.seq, method), 404, "not_found");
        await assertError(await put(app, eve.cookie, id, "abc", method), 404, "not_found");
      }
      await assertError(
        await app.fetch(`/api/saved/${id}/${a.seq}`, form({ on: "1" }, eve.cookie)),
        404,
        "not_found",
      );
      await assertError(
        await app.fetch(`/api/saved/${id}`, withCookie(eve.cookie)),
        404,
        "not_found",
      );
      await assertError(await put(app, eve.cookie, "nope", 1), 404, "not_found");
      assert.deepEqual((await saved(app, eve.cookie)).items, []);
    });

    await t.step("signed out: 401", async () => {
      for (const res of [await app.fetch("/api/saved"), await put(app, "", id, a.seq)]) {
        assert.equal(res.status, 401);
        await res.body?.cancel();
      }
    });

    await t.step("an unknown message: 404; a system message: 409", async () => {
      await assertError(await put(app, ann.cookie, id, 9999), 404, "not_found");
      const group = await createConversationVia(app, ann.cookie, [ben.user, eve.user], "Three");
      await app.fetch(`/api/conversations/${group}/leave`, json("POST", undefined, eve.cookie));
      const { messages } = await okJson(
        await app.fetch(`/api/conversations/${group}/messages`, withCookie(ann.cookie)),
      );
      const sys = messages.find((m: Message) => m.kind === "system");
      assert.ok(sys, "leaving wrote a system message");
      await assertError(await put(app, ann.cookie, group, sys.seq), 409, "system_message");
    });

    await t.step("a deleted message: 409 to save, and it leaves the list", async () => {
      const gone = await say(app, ben.cookie, id, "soon gone");
      assert.equal((await put(app, ann.cookie, id, gone.seq)).status, 204);
      assert.equal((await saved(app, ann.cookie)).items[0].message.seq, gone.seq);
      await app.fetch(
        `/api/conversations/${id}/messages/${gone.seq}`,
        json("DELETE", undefined, ben.cookie),
      );
      assert.ok(!(await saved(app, ann.cookie)).items.some((i) => i.message.seq === gone.seq));
      await assertError(await put(app, ann.cookie, id, gone.seq), 409, "message_deleted");
    });

    await t.step("unsave: 204, off the list; again: 204", async () => {
      assert.equal((await put(app, ann.cookie, id, b.seq, "DELETE")).status, 204);
      assert.equal((await put(app, ann.cookie, id, b.seq, "DELETE")).status, 204);
      assert.deepEqual(
        (await saved(app, ann.cookie)).items.map((i) => i.message.content),
        ["elsewhere", "remember this"],
      );
    });

    await t.step("form twin: on=1 / on=0, 303 to the message or to /saved", async () => {
      const on = await app.fetch(`/api/saved/${id}/${b.seq}`, form({ on: "1" }, ann.cookie));
      assert.equal(on.status, 303);
      assert.equal(on.headers.get("location"), `/conversations/${id}#m${b.seq}`);
      assert.equal((await saved(app, ann.cookie)).items[0].message.seq, b.seq);
      const off = await app.fetch(
        `/api/saved/${id}/${b.seq}`,
        form({ on: "0", back: "saved" }, ann.cookie),
      );
      assert.equal(off.status, 303);
      assert.equal(off.headers.get("location"), "/saved");
      assert.equal((await saved(app, ann.cookie)).items.length, 2);
      await assertError(
        await app.fetch(`/api/saved/${id}/${b.seq}`, json("POST", { on: "2" }, ann.cookie)),
        400,
        "invalid_input",
      );
    });

    await t.step("saved items of a conversation you left disappear from your list", async () => {
      const res = await app.fetch(
        `/api/conversations/${other}/leave`,
        json("POST", undefined, ann.cookie),
      );
      assert.equal(res.status, 204);
      const { items } = await saved(app, ann.cookie);
      assert.deepEqual(items.map((i) => i.message.content), ["remember this"]);
      await assertError(await put(app, ann.cookie, other, c.seq), 404, "not_found");
    });
  });
});

Deno.test("saved: paging skips left conversations and still fills a page", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const keep = await createConversationVia(app, ann.cookie, [ben.user], "Keep");
    const drop = await createConversationVia(app, ann.cookie, [ben.user], "Drop");
    // Saved alternately: keep 0, drop 0, keep 1, drop 1…
    for (let i = 0; i < 6; i++) {
      for (const id of [keep, drop]) {
        const m = await say(app, ann.cookie, id, `${id === keep ? "keep" : "drop"} ${i}`);
        assert.equal((await put(app, ann.cookie, id, m.seq)).status, 204);
      }
    }
    await app.fetch(`/api/conversations/${drop}/leave`, json("POST", undefined, ann.cookie));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: SavedItem[]; nextCursor: string | null } = await saved(
        app,
        ann.cookie,
        `?limit=4${cursor ? `&cursor=${cursor}` : ""}`,
      );
      assert.ok(page.items.length === 4 || page.nextCursor === null);
      seen.push(...page.items.map((i) => i.message.content));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, ["keep 5", "keep 4", "keep 3", "keep 2", "keep 1", "keep 0"]);
  }, { RATE_LIMIT_SCALE: "0" });
});

Deno.test("pins and saved items come back whole from an export and an import", async () => {
  const { exportStore, importStore } = await import("../../lib/admin/mod.ts");
  const { listPins, listSaved } = await import("../../lib/messages/mod.ts");
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Kept");
    const a = await say(app, ann.cookie, id, "pinned and saved");
    const b = await say(app, ben.cookie, id, "saved only");
    await app.fetch(`/api/conversations/${id}/messages/${a.seq}/pin`, json("PUT", {}, ben.cookie));
    assert.equal((await put(app, ann.cookie, id, a.seq)).status, 204);
    assert.equal((await put(app, ann.cookie, id, b.seq)).status, 204);
    await app.ctx.hub.indexed();
    const lines: string[] = [];
    await exportStore(app.ctx.kv, (line) => {
      lines.push(line);
      return Promise.resolve();
    });
    const text = lines.join("");
    const target = await Deno.openKv(":memory:");
    try {
      await importStore(target, async function* () {
        yield* text.split("\n");
      });
      const shape = (items: SavedItem[]) =>
        items.map((i) => [i.message.seq, i.conversation.id, i.savedAt]);
      assert.deepEqual(
        shape((await listSaved(target, ann.user.id)).items),
        shape((await listSaved(app.ctx.kv, ann.user.id)).items),
      );
      const pins = await listPins(target, id, ann.user.id);
      assert.deepEqual(pins.map((m) => [m.seq, m.pinned?.by.id]), [[a.seq, ben.user.id]]);
    } finally {
      target.close();
    }
  });
});

Deno.test("pin and save forms on a reply go back to its thread", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Threads");
    const parent = await say(app, ann.cookie, id, "a question");
    const res = await app.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content: "an answer", parentSeq: parent.seq }, ben.cookie),
    );
    const reply: Message = (await okJson(res, 201)).message;
    assert.equal(reply.parentSeq, parent.seq);
    const back = `/conversations/${id}?thread=${parent.seq}#m${reply.seq}`;
    for (const on of ["1", "0"]) {
      const saved = await app.fetch(`/api/saved/${id}/${reply.seq}`, form({ on }, ann.cookie));
      assert.equal(saved.status, 303);
      assert.equal(saved.headers.get("location"), back);
      const pinned = await app.fetch(
        `/api/conversations/${id}/messages/${reply.seq}/pin`,
        form({ on }, ann.cookie),
      );
      assert.equal(pinned.status, 303);
      assert.equal(pinned.headers.get("location"), back);
    }
    // The parent itself goes back to the conversation.
    const top = await app.fetch(`/api/saved/${id}/${parent.seq}`, form({ on: "1" }, ann.cookie));
    assert.equal(top.headers.get("location"), `/conversations/${id}#m${parent.seq}`);
  });
});
