/** Pins over HTTP: who may pin, what can't be pinned, the list, the form twin, system messages. */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  form,
  json,
  okJson,
  registerUser,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { history, say } from "../support/talk.ts";
import type { Message } from "../../lib/shared/message.ts";

const pinPath = (id: string, seq: number) => `/api/conversations/${id}/messages/${seq}/pin`;

Deno.test("pins", async (t) => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { displayName: "Ann" });
    const ben = await registerUser(app, { displayName: "Ben" });
    const eve = await registerUser(app, { displayName: "Eve" });
    const id = await createConversationVia(app, ann.cookie, [ben.user], "Pins");
    const first = await say(app, ann.cookie, id, "the plan");
    const second = await say(app, ben.cookie, id, "the date");

    await t.step("any participant pins any message: 204, shown on the message", async () => {
      const res = await app.fetch(pinPath(id, first.seq), json("PUT", undefined, ben.cookie));
      assert.equal(res.status, 204);
      const m = (await history(app, ann.cookie, id)).find((m) => m.seq === first.seq)!;
      assert.equal(m.pinned?.by.id, ben.user.id);
      assert.equal(m.pinned?.by.displayName, "Ben");
      assert.ok(m.pinned?.at);
    });

    await t.step("pinning writes a system message that names the message", async () => {
      const all = await history(app, ann.cookie, id);
      const sys = all.filter((m) => m.kind === "system" && m.system?.event === "pinned");
      assert.equal(sys.length, 1);
      assert.equal(sys[0].system?.actor.id, ben.user.id);
      assert.match(sys[0].content, /Ben pinned a message/);
    });

    await t.step("pinning again: 204, nothing changes, no second system message", async () => {
      const res = await app.fetch(pinPath(id, first.seq), json("PUT", undefined, ann.cookie));
      assert.equal(res.status, 204);
      const all = await history(app, ann.cookie, id);
      assert.equal(all.filter((m) => m.system?.event === "pinned").length, 1);
      assert.equal(all.find((m) => m.seq === first.seq)!.pinned?.by.id, ben.user.id);
    });

    await t.step("GET pins: newest pin first", async () => {
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(
        (await app.fetch(pinPath(id, second.seq), json("PUT", undefined, ann.cookie))).status,
        204,
      );
      const { messages } = await okJson(
        await app.fetch(`/api/conversations/${id}/pins`, withCookie(ben.cookie)),
      );
      assert.deepEqual(messages.map((m: Message) => m.seq), [second.seq, first.seq]);
      assert.equal(messages[0].pinned.by.id, ann.user.id);
    });

    await t.step("outsiders get 404 for the list, pin and unpin", async () => {
      await assertError(
        await app.fetch(`/api/conversations/${id}/pins`, withCookie(eve.cookie)),
        404,
        "not_found",
      );
      for (const method of ["PUT", "DELETE"]) {
        await assertError(
          await app.fetch(pinPath(id, first.seq), json(method, undefined, eve.cookie)),
          404,
          "not_found",
        );
      }
      await assertError(
        await app.fetch(pinPath(id, first.seq), form({ on: "0" }, eve.cookie)),
        404,
        "not_found",
      );
      await assertError(
        await app.fetch(`/api/conversations/nope/pins`, withCookie(eve.cookie)),
        404,
        "not_found",
      );
    });

    await t.step("signed out: 401", async () => {
      const res = await app.fetch(`/api/conversations/${id}/pins`);
      assert.equal(res.status, 401);
      await res.body?.cancel();
    });

    await t.step("an unknown or malformed seq: 404", async () => {
      await assertError(
        await app.fetch(pinPath(id, 9999), json("PUT", undefined, ann.cookie)),
        404,
        "not_found",
      );
      await assertError(
        await app.fetch(
          `/api/conversations/${id}/messages/abc/pin`,
          json("PUT", undefined, ann.cookie),
        ),
        404,
        "not_found",
      );
    });

    await t.step("a system message can't be pinned: 409 system_message", async () => {
      const sys = (await history(app, ann.cookie, id)).find((m) => m.kind === "system")!;
      await assertError(
        await app.fetch(pinPath(id, sys.seq), json("PUT", undefined, ann.cookie)),
        409,
        "system_message",
      );
    });

    await t.step("a deleted message can't be pinned (409); deleting unpins", async () => {
      const gone = await say(app, ann.cookie, id, "oops");
      await app.fetch(
        `/api/conversations/${id}/messages/${gone.seq}`,
        json("DELETE", undefined, ann.cookie),
      );
      await assertError(
        await app.fetch(pinPath(id, gone.seq), json("PUT", undefined, ann.cookie)),
        409,
        "message_deleted",
      );
      // The pinned second message deleted by its author: off the list.
      const res = await app.fetch(
        `/api/conversations/${id}/messages/${second.seq}`,
        json("DELETE", undefined, ben.cookie),
      );
      assert.equal(res.status, 200);
      const { message } = await res.json();
      assert.equal(message.pinned, null);
      const { messages } = await okJson(
        await app.fetch(`/api/conversations/${id}/pins`, withCookie(ann.cookie)),
      );
      assert.deepEqual(messages.map((m: Message) => m.seq), [first.seq]);
      // Unpinning a deleted (so unpinned) message changes nothing: 204.
      const un = await app.fetch(pinPath(id, second.seq), json("DELETE", undefined, ann.cookie));
      assert.equal(un.status, 204);
    });

    await t.step("unpin: 204, off the list, told as a system message; again: 204", async () => {
      assert.equal(
        (await app.fetch(pinPath(id, first.seq), json("DELETE", undefined, ann.cookie))).status,
        204,
      );
      const { messages } = await okJson(
        await app.fetch(`/api/conversations/${id}/pins`, withCookie(ann.cookie)),
      );
      assert.deepEqual(messages, []);
      const all = await history(app, ann.cookie, id);
      assert.equal(all.find((m) => m.seq === first.seq)!.pinned ?? null, null);
      assert.equal(all.filter((m) => m.system?.event === "unpinned").length, 1);
      assert.equal(
        (await app.fetch(pinPath(id, first.seq), json("DELETE", undefined, ann.cookie))).status,
        204,
      );
      assert.equal(
        (await history(app, ann.cookie, id)).filter((m) => m.system?.event === "unpinned")
          .length,
        1,
      );
    });

    await t.step("form twin: on=1 pins, on=0 unpins, 303 back; bad `on` is refused", async () => {
      const res = await app.fetch(pinPath(id, first.seq), form({ on: "1" }, ben.cookie));
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `/conversations/${id}#m${first.seq}`);
      let { messages } = await okJson(
        await app.fetch(`/api/conversations/${id}/pins`, withCookie(ann.cookie)),
      );
      assert.equal(messages.length, 1);
      const off = await app.fetch(
        pinPath(id, first.seq),
        form({ on: "0", back: "pins" }, ben.cookie),
      );
      assert.equal(off.status, 303);
      assert.equal(off.headers.get("location"), `/conversations/${id}/pins`);
      ({ messages } = await okJson(
        await app.fetch(`/api/conversations/${id}/pins`, withCookie(ann.cookie)),
      ));
      assert.equal(messages.length, 0);
      await assertError(
        await app.fetch(pinPath(id, first.seq), json("POST", { on: "yes" }, ben.cookie)),
        400,
        "invalid_input",
      );
    });

    await t.step("a participant who left gets 404", async () => {
      const res = await app.fetch(
        `/api/conversations/${id}/leave`,
        json("POST", undefined, ben.cookie),
      );
      assert.equal(res.status, 204);
      await assertError(
        await app.fetch(pinPath(id, first.seq), json("PUT", undefined, ben.cookie)),
        404,
        "not_found",
      );
    });
  });
});

Deno.test("pins: an archived channel is read-only (409 archived)", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const made = await app.fetch(
      "/api/conversations",
      json("POST", { kind: "channel", title: "general" }, ann.cookie),
    );
    const { conversation } = await okJson(made, 201);
    const m = await say(app, ann.cookie, conversation.id, "hello");
    await okJson(
      await app.fetch(
        `/api/conversations/${conversation.id}`,
        json("PATCH", { archived: true }, ann.cookie),
      ),
    );
    await assertError(
      await app.fetch(pinPath(conversation.id, m.seq), json("PUT", undefined, ann.cookie)),
      409,
      "archived",
    );
  });
});

Deno.test("pins: at most MAX_PINS in a conversation (409 too_many_pins)", async () => {
  const { MAX_PINS } = await import("../../lib/messages/mod.ts");
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    const seqs: number[] = [];
    for (let i = 0; i <= MAX_PINS; i++) seqs.push((await say(app, ann.cookie, id, `m${i}`)).seq);
    for (const seq of seqs.slice(0, MAX_PINS)) {
      assert.equal(
        (await app.fetch(pinPath(id, seq), json("PUT", undefined, ann.cookie))).status,
        204,
      );
    }
    await assertError(
      await app.fetch(pinPath(id, seqs[MAX_PINS]), json("PUT", undefined, ann.cookie)),
      409,
      "too_many_pins",
    );
    const { messages } = await okJson(
      await app.fetch(`/api/conversations/${id}/pins`, withCookie(ann.cookie)),
    );
    assert.equal(messages.length, MAX_PINS);
  }, { RATE_LIMIT_SCALE: "0" });
});
