/** The search page: server-rendered results from your conversations only, marked and escaped. */
import assert from "node:assert/strict";
import {
  createConversationVia,
  json,
  registerUser,
  withApp,
  withCookie,
} from "../support/helpers.ts";

Deno.test("GET /search lists matching messages of your conversations, marks the words, links in context", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann", displayName: "Ann Lee" });
    const ben = await registerUser(app, { username: "ben", displayName: "Ben Ode" });
    const eve = await registerUser(app, { username: "eve", displayName: "Eve" });
    const ours = await createConversationVia(app, ann.cookie, [ben.user], "Launch");
    const theirs = await createConversationVia(app, eve.cookie, [ann.user], "Secret");
    const post = async (cookie: string, id: string, content: string) => {
      const res = await app.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content }, cookie),
      );
      assert.equal(res.status, 201);
      return (await res.json()).message.seq as number;
    };
    const seq = await post(ann.cookie, ours, "Le café <b>ouvre</b> à huit heures");
    await post(ann.cookie, ours, "unrelated");
    await post(eve.cookie, theirs, "café for Eve and Ann only");

    const res = await app.fetch("/search?q=CAF", withCookie(ben.cookie));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const html = await res.text();
    assert.match(html, /1 message<\/h1>|1 message <\/h1>|1 message for/);
    assert.match(html, /<mark[^>]*>café<\/mark>/);
    assert.match(html, /&lt;b>ouvre&lt;\/b>/, "message text stays text");
    assert.ok(html.includes(`href="/conversations/${ours}?around=${seq}#m${seq}"`));
    assert.ok(!html.includes("for Eve and Ann only"), "not from a conversation Ben is not in");

    const annView = await (await app.fetch("/search?q=cafe", withCookie(ann.cookie))).text();
    assert.match(annView, /2 messages for/);

    const none = await (await app.fetch("/search?q=zzzz", withCookie(ben.cookie))).text();
    assert.match(none, /No messages match/);
    const empty = await app.fetch("/search", withCookie(ben.cookie));
    assert.equal(empty.status, 200);
    assert.match(await empty.text(), /beginnings of words/);
    const signedOut = await app.fetch("/search?q=x", { redirect: "manual" });
    assert.equal(signedOut.status, 303);

    // A reply is found too, and opens in its thread.
    const reply = await app.fetch(
      `/api/conversations/${ours}/messages`,
      json("POST", { content: "croissants au café aussi", parentSeq: seq }, ben.cookie),
    );
    assert.equal(reply.status, 201);
    const replySeq = (await reply.json()).message.seq;
    const found = await (await app.fetch("/search?q=croissants", withCookie(ann.cookie))).text();
    assert.ok(found.includes(`href="/conversations/${ours}?thread=${seq}#m${replySeq}"`));

    // The conversation page opens with that message in its window.
    const around = await app.fetch(`/conversations/${ours}?around=${seq}`, withCookie(ben.cookie));
    assert.equal(around.status, 200);
    assert.match(await around.text(), new RegExp(`id="m${seq}"`));
  });
});
