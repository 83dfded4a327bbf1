/**
 * Drafts follow their author live: a `draft` frame to every socket of theirs (here, on another
 * hub, in another process), to nobody else's.
 */
import assert from "node:assert/strict";
import { createConversationVia, json, registerUser } from "../support/helpers.ts";
import { twoHubTest, twoProcessTest } from "../support/two_servers.ts";
import { chatTest, join } from "../support/ws_client.ts";

chatTest("a draft reaches every socket of its author and no one else's", async (chat, t) => {
  const { ann, ben, conversationId: id, a, b } = await chat.pair();
  // A second tab of Ann's, in no room (a sidebar elsewhere), and one that joined the room.
  const a2 = await chat.connect(ann);
  await join(a, id);
  await join(b, id);
  const put = (body: unknown, cookie = ann.cookie) =>
    chat.server.fetch(`/api/conversations/${id}/draft`, json("PUT", body, cookie));

  await t.step("saved: both of Ann's sockets hear it", async () => {
    assert.equal((await put({ content: "working on it" })).status, 204);
    for (const s of [a, a2]) {
      const f = await s.next("draft");
      assert.deepEqual(f, {
        type: "draft",
        conversationId: id,
        parentSeq: null,
        content: "working on it",
      });
    }
  });

  await t.step("the same content again says nothing", async () => {
    assert.equal((await put({ content: "working on it" })).status, 204);
    await a.roundTrip();
    await a2.roundTrip();
    assert.deepEqual(a.pending("draft"), []);
    assert.deepEqual(a2.pending("draft"), []);
  });

  await t.step("a thread's draft carries its parentSeq", async () => {
    const parent = await chat.post(ben, id, "a parent");
    await a.next("message", (f) => f.message.seq === parent.seq);
    assert.equal((await put({ content: "reply draft", parentSeq: parent.seq })).status, 204);
    const f = await a2.next("draft");
    assert.equal(f.parentSeq, parent.seq);
    assert.equal(f.content, "reply draft");
    await a.next("draft", (x) => x.parentSeq === parent.seq);
  });

  await t.step('cleared: the frame says ""', async () => {
    assert.equal((await put({ content: "" })).status, 204);
    assert.equal((await a.next("draft", (f) => f.parentSeq === null)).content, "");
    assert.equal((await a2.next("draft", (f) => f.parentSeq === null)).content, "");
  });

  await t.step("Ben, in the same room, never heard any of it", async () => {
    // Ben's own draft reaches Ben only.
    assert.equal((await put({ content: "ben's" }, ben.cookie)).status, 204);
    assert.equal((await b.next("draft")).content, "ben's");
    await b.roundTrip();
    await a.roundTrip();
    await a2.roundTrip();
    assert.deepEqual(b.pending("draft"), []);
    assert.deepEqual(a.pending("draft"), []);
    assert.deepEqual(a2.pending("draft"), []);
  });

  await t.step("a refused draft (an outsider, too long) sends nothing", async () => {
    const eve = await chat.person();
    const e = await chat.connect(eve);
    assert.equal((await put({ content: "sneaky" }, eve.cookie)).status, 404);
    assert.equal((await put({ content: "x".repeat(4001) })).status, 400);
    await e.roundTrip();
    await a.roundTrip();
    assert.deepEqual(e.pending("draft"), []);
    assert.deepEqual(a.pending("draft"), []);
  });
});

twoHubTest(
  "a draft saved through one hub reaches its author's sockets on another",
  async ({ one, two, socket }) => {
    const ann = await registerUser(one);
    const ben = await registerUser(one);
    const id = await createConversationVia(one, ann.cookie, [ben.user]);
    const there = await socket(two, ann.cookie);
    const here = await socket(one, ann.cookie);
    const bens = await socket(two, ben.cookie);
    // Each hub has seen the other registered (a first poll), as in a running deployment.
    await new Promise((r) => setTimeout(r, 300));
    const res = await one.fetch(
      `/api/conversations/${id}/draft`,
      json("PUT", { content: "across" }, ann.cookie),
    );
    assert.equal(res.status, 204);
    assert.equal((await here.next("draft")).content, "across");
    const f = await there.next("draft", () => true, 5000);
    assert.deepEqual(f, { type: "draft", conversationId: id, parentSeq: null, content: "across" });
    // Cleared on the second hub: the first hears "".
    const del = await two.fetch(
      `/api/conversations/${id}/draft`,
      json("DELETE", undefined, ann.cookie),
    );
    assert.equal(del.status, 204);
    assert.equal((await there.next("draft")).content, "");
    assert.equal((await here.next("draft", () => true, 5000)).content, "");
    await new Promise((r) => setTimeout(r, 400));
    await bens.roundTrip();
    assert.deepEqual(bens.pending("draft"), []);
    // Each socket heard each change once.
    assert.deepEqual(here.pending("draft"), []);
    assert.deepEqual(there.pending("draft"), []);
  },
);

twoProcessTest(
  "a draft crosses processes (only the store between them)",
  async ({ one, two, socket }) => {
    const ann = await registerUser(one);
    const ben = await registerUser(one);
    const id = await createConversationVia(one, ann.cookie, [ben.user]);
    const there = await socket(two, ann.cookie);
    const bens = await socket(two, ben.cookie);
    await new Promise((r) => setTimeout(r, 300));
    const savedAt = Date.now();
    const res = await one.fetch(
      `/api/conversations/${id}/draft`,
      json("PUT", { content: "from one" }, ann.cookie),
    );
    assert.equal(res.status, 204);
    const f = await there.next("draft", () => true, 5000);
    console.log(`a draft crossed processes in ${Date.now() - savedAt} ms`);
    assert.equal(f.content, "from one");
    await new Promise((r) => setTimeout(r, 400));
    await bens.roundTrip();
    assert.deepEqual(bens.pending("draft"), []);
  },
);
