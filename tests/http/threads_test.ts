/** Threads over REST: replies (JSON and form), the rules on parents, a thread's pages, your threads. */
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

type Who = { cookie: string };

async function post(app: TestApp, who: Who, conv: string, body: Record<string, unknown>) {
  return await app.fetch(`/api/conversations/${conv}/messages`, json("POST", body, who.cookie));
}

async function thread(app: TestApp, who: Who, conv: string, seq: number, query = "") {
  return await app.fetch(
    `/api/conversations/${conv}/threads/${seq}${query}`,
    withCookie(who.cookie),
  );
}

async function setup(app: TestApp) {
  const ann = await registerUser(app, { username: "ann" });
  const ben = await registerUser(app, { username: "ben" });
  const cat = await registerUser(app, { username: "cat" });
  const conv = await createConversationVia(app, ann.cookie, [ben.user], "Trio");
  const other = await createConversationVia(app, ann.cookie, [cat.user], "Other");
  return { ann, ben, cat, conv, other };
}

Deno.test("a reply takes the next seq, moves its parent's thread and stays out of the history", async () => {
  await withApp(async (app) => {
    const { ann, ben, conv } = await setup(app);
    const parent = await say(app, ann.cookie, conv, { content: "Lunch?" });
    const reply = await say(app, ben.cookie, conv, { content: "Yes", parentSeq: parent.seq });
    assert.equal(reply.seq, parent.seq + 1);
    assert.equal(reply.parentSeq, parent.seq);
    const also = await say(app, ann.cookie, conv, {
      content: "Noon then",
      parentSeq: parent.seq,
      alsoToConversation: true,
    });
    assert.equal(also.alsoToConversation, true);
    const after = await say(app, ben.cookie, conv, { content: "Top again" });

    const history = await okJson(
      await app.fetch(`/api/conversations/${conv}/messages`, withCookie(ben.cookie)),
    );
    assert.deepEqual(history.messages.map((m: { seq: number }) => m.seq), [
      parent.seq,
      also.seq,
      after.seq,
    ]);
    const shown = history.messages[0];
    assert.equal(shown.thread.replyCount, 2);
    assert.equal(shown.thread.lastReplyAt, also.createdAt);
    assert.deepEqual(shown.thread.participants.map((u: { username: string }) => u.username), [
      "ann",
      "ben",
    ]);

    const page = await okJson(await thread(app, ben, conv, parent.seq));
    assert.equal(page.parent.seq, parent.seq);
    assert.deepEqual(page.replies.map((m: { seq: number }) => m.seq), [reply.seq, also.seq]);
    assert.equal(page.nextCursor, null);
    const first = await okJson(await thread(app, ben, conv, parent.seq, "?limit=1"));
    assert.deepEqual(first.replies.map((m: { seq: number }) => m.seq), [reply.seq]);
    assert.equal(first.nextCursor, String(reply.seq));
    const next = await okJson(
      await thread(app, ben, conv, parent.seq, `?limit=1&after=${first.nextCursor}`),
    );
    assert.deepEqual(next.replies.map((m: { seq: number }) => m.seq), [also.seq]);
    const newest = await okJson(await thread(app, ben, conv, parent.seq, "?limit=1&before=999"));
    assert.deepEqual(newest.replies.map((m: { seq: number }) => m.seq), [also.seq]);
    assert.equal(newest.nextCursor, String(also.seq));
  });
});

Deno.test("replies to replies, system messages, missing or other conversations' messages are refused", async () => {
  await withApp(async (app) => {
    const { ann, ben, conv, other } = await setup(app);
    const parent = await say(app, ann.cookie, conv, { content: "Top" });
    const reply = await say(app, ben.cookie, conv, { content: "Reply", parentSeq: parent.seq });
    const refused = async (parentSeq: number, where = conv) => {
      const error = await assertError(
        await post(app, ann, where, { content: "x", parentSeq }),
        400,
        "invalid_input",
      );
      assert.ok(error.fields?.parentSeq, "the field is named");
    };
    await refused(reply.seq); // a reply
    await refused(999); // missing
    const elsewhere = await say(app, ann.cookie, other, { content: "Other" });
    await refused(elsewhere.seq + 5); // no such seq in this conversation
    // The first message of `other` is seq 1, which exists in `conv` only as "Top"'s seq.
    // A system message (the group's creation may write none: make one with a rename).
    const renamed = await app.fetch(
      `/api/conversations/${conv}`,
      json("PATCH", { title: "Renamed" }, ann.cookie),
    );
    if (renamed.status === 200) {
      const h = await okJson(
        await app.fetch(`/api/conversations/${conv}/messages`, withCookie(ann.cookie)),
      );
      const system = h.messages.find((m: { kind?: string }) => m.kind === "system");
      if (system) await refused(system.seq);
    }
    // Nothing was stored by the refusals: the next message takes the next seq.
    const next = await say(app, ann.cookie, conv, { content: "after" });
    const h = await okJson(
      await app.fetch(
        `/api/conversations/${conv}/messages?after=${reply.seq}`,
        withCookie(ann.cookie),
      ),
    );
    assert.equal(h.messages.at(-1).seq, next.seq);
    assert.equal(h.messages.filter((m: { kind?: string }) => m.kind !== "system").length, 1);
  });
});

Deno.test("a deleted parent keeps its thread readable and open; one with no thread takes no reply", async () => {
  await withApp(async (app) => {
    const { ann, ben, conv } = await setup(app);
    const parent = await say(app, ann.cookie, conv, { content: "Top" });
    await say(app, ben.cookie, conv, { content: "Reply", parentSeq: parent.seq });
    const lone = await say(app, ann.cookie, conv, { content: "Alone" });
    for (const seq of [parent.seq, lone.seq]) {
      const res = await app.fetch(
        `/api/conversations/${conv}/messages/${seq}`,
        json("DELETE", undefined, ann.cookie),
      );
      assert.equal(res.status, 200);
    }
    const page = await okJson(await thread(app, ben, conv, parent.seq));
    assert.ok(page.parent.deletedAt);
    assert.equal(page.parent.content, "");
    assert.equal(page.parent.thread.replyCount, 1);
    assert.equal(page.replies[0].content, "Reply");
    await say(app, ben.cookie, conv, { content: "Still here", parentSeq: parent.seq });
    await assertError(
      await post(app, ben, conv, { content: "x", parentSeq: lone.seq }),
      400,
      "invalid_input",
    );
  });
});

Deno.test("outsiders get the 404 of a missing conversation; a reply is not a thread", async () => {
  await withApp(async (app) => {
    const { ann, ben, cat, conv } = await setup(app);
    const parent = await say(app, ann.cookie, conv, { content: "Top" });
    const reply = await say(app, ben.cookie, conv, { content: "Reply", parentSeq: parent.seq });
    await assertError(await thread(app, cat, conv, parent.seq), 404, "not_found");
    await assertError(
      await app.fetch(
        `/api/conversations/${conv}/threads/${parent.seq}/read`,
        json("POST", { seq: reply.seq }, cat.cookie),
      ),
      404,
      "not_found",
    );
    await assertError(
      await post(app, cat, conv, { content: "x", parentSeq: parent.seq }),
      404,
      "not_found",
    );
    await assertError(await thread(app, ann, conv, reply.seq), 404, "not_found");
    await assertError(await thread(app, ann, conv, 999), 404, "not_found");
    await assertError(await thread(app, ann, conv, "x" as unknown as number), 404, "not_found");
    const empty = await okJson(await thread(app, ann, conv, reply.seq + 1 > 0 ? parent.seq : 0));
    assert.equal(empty.replies.length, 1);
    const threads = await okJson(await app.fetch("/api/threads", withCookie(cat.cookie)));
    assert.deepEqual(threads.threads, []);
  });
});

Deno.test("a form reply goes back to its thread", async () => {
  await withApp(async (app) => {
    const { ann, ben, conv } = await setup(app);
    const parent = await say(app, ann.cookie, conv, { content: "Top" });
    const res = await app.fetch(
      `/api/conversations/${conv}/messages`,
      form(
        { content: "By form", parentSeq: String(parent.seq), alsoToConversation: "on" },
        ben.cookie,
      ),
    );
    assert.equal(res.status, 303);
    assert.equal(
      res.headers.get("location"),
      `/conversations/${conv}?thread=${parent.seq}#m${parent.seq + 1}`,
    );
    const page = await okJson(await thread(app, ann, conv, parent.seq));
    assert.equal(page.replies[0].content, "By form");
    assert.equal(page.replies[0].alsoToConversation, true);
  });
});

Deno.test("your threads: newest activity first, unread replies, read marks, mentions, leaving", async () => {
  await withApp(async (app) => {
    const { ann, ben, cat, conv, other } = await setup(app);
    const first = await say(app, ann.cookie, conv, { content: "First" });
    const second = await say(app, ben.cookie, conv, { content: "Second" });
    await say(app, ben.cookie, conv, { content: "r1", parentSeq: first.seq });
    const r2 = await say(app, ben.cookie, conv, { content: "r2", parentSeq: first.seq });
    const r3 = await say(app, ann.cookie, conv, { content: "r3", parentSeq: second.seq });
    // Cat is mentioned in a reply of a conversation she is in.
    const third = await say(app, ann.cookie, other, { content: "Third" });
    await say(app, ann.cookie, other, { content: "look @cat", parentSeq: third.seq });

    const list = async (who: Who, query = "") =>
      await okJson(await app.fetch(`/api/threads${query}`, withCookie(who.cookie)));
    const forAnn = await list(ann);
    assert.deepEqual(
      forAnn.threads.map((t: { parent: { seq: number }; conversation: { id: string } }) => [
        t.conversation.id,
        t.parent.seq,
      ]),
      [[other, third.seq], [conv, second.seq], [conv, first.seq]],
    );
    const byParent = (l: typeof forAnn, seq: number, id = conv) =>
      l.threads.find((t: { parent: { seq: number }; conversation: { id: string } }) =>
        t.parent.seq === seq && t.conversation.id === id
      );
    assert.equal(byParent(forAnn, first.seq).unreadCount, 2);
    assert.equal(byParent(forAnn, first.seq).replyCount, 2);
    assert.equal(byParent(forAnn, second.seq).unreadCount, 0, "her own reply is read");
    assert.equal(forAnn.unreadThreads, 1);

    const forBen = await list(ben);
    assert.equal(byParent(forBen, first.seq).unreadCount, 0);
    assert.equal(byParent(forBen, second.seq).unreadCount, 1);
    assert.equal(byParent(forBen, second.seq).lastReplyAt, r3.createdAt);

    const forCat = await list(cat);
    assert.equal(forCat.threads.length, 1, "mentioned");
    assert.equal(forCat.threads[0].unreadCount, 1);

    // Paging keeps the order.
    const p1 = await list(ann, "?limit=2");
    assert.equal(p1.threads.length, 2);
    const p2 = await list(ann, `?limit=2&cursor=${encodeURIComponent(p1.nextCursor)}`);
    assert.deepEqual(p2.threads.map((t: { parent: { seq: number } }) => t.parent.seq), [first.seq]);
    assert.equal(p2.nextCursor, null);

    const read = await app.fetch(
      `/api/conversations/${conv}/threads/${first.seq}/read`,
      json("POST", { seq: r2.seq }, ann.cookie),
    );
    assert.equal(read.status, 204);
    assert.equal(byParent(await list(ann), first.seq).unreadCount, 0);
    assert.equal((await list(ann)).unreadThreads, 0);

    // Leaving the conversation takes its threads out of the list.
    const left = await app.fetch(
      `/api/conversations/${other}/leave`,
      json("POST", undefined, cat.cookie),
    );
    assert.equal(left.status, 204);
    assert.deepEqual((await list(cat)).threads, []);
  });
});

Deno.test("history pages count top-level messages only, across long runs of replies", async () => {
  await withApp(async (app) => {
    const { ann, ben, conv } = await setup(app);
    const tops: number[] = [];
    for (let i = 0; i < 5; i++) {
      const top = await say(app, ann.cookie, conv, { content: `top ${i}` });
      tops.push(top.seq);
      for (let j = 0; j < 4; j++) {
        await say(app, ben.cookie, conv, { content: `reply ${i}.${j}`, parentSeq: top.seq });
      }
    }
    const page = async (query: string) =>
      await okJson(
        await app.fetch(`/api/conversations/${conv}/messages?${query}`, withCookie(ann.cookie)),
      );
    const seqsOf = (p: { messages: { seq: number }[] }) => p.messages.map((m) => m.seq);
    const newest = await page("limit=2");
    assert.deepEqual(seqsOf(newest), tops.slice(3));
    assert.equal(newest.nextCursor, String(tops[3]));
    const older = await page(`limit=2&before=${newest.nextCursor}`);
    assert.deepEqual(seqsOf(older), tops.slice(1, 3));
    const oldest = await page(`limit=2&before=${older.nextCursor}`);
    assert.deepEqual(seqsOf(oldest), tops.slice(0, 1));
    assert.equal(oldest.nextCursor, null);
    const forward = await page(`limit=3&after=0`);
    assert.deepEqual(seqsOf(forward), tops.slice(0, 3));
    assert.equal(forward.nextCursor, String(tops[2]));
    const rest = await page(`limit=3&after=${forward.nextCursor}`);
    assert.deepEqual(seqsOf(rest), tops.slice(3));
    assert.equal(rest.nextCursor, null);
    const around = await page(`limit=3&around=${tops[2]}`);
    assert.deepEqual(seqsOf(around), tops.slice(1, 4));
    assert.equal(around.nextCursor, String(tops[1]));
    assert.equal(around.newerCursor, String(tops[3]));
  });
});

Deno.test("replies are edited, reacted to, deleted and found like any message", async () => {
  await withApp(async (app) => {
    const { ann, ben, conv } = await setup(app);
    const parent = await say(app, ann.cookie, conv, { content: "Top" });
    const reply = await say(app, ben.cookie, conv, {
      content: "pineapple pizza",
      parentSeq: parent.seq,
    });
    const url = `/api/conversations/${conv}/messages/${reply.seq}`;
    const edited = await okJson(
      await app.fetch(url, json("PATCH", { content: "pineapple pie" }, ben.cookie)),
    );
    assert.equal(edited.message.parentSeq, parent.seq);
    const reacted = await app.fetch(
      `${url}/reactions/${encodeURIComponent("👍")}`,
      json("PUT", undefined, ann.cookie),
    );
    assert.ok(reacted.ok);
    await app.ctx.hub.indexed();
    const found = await okJson(
      await app.fetch("/api/search?q=pineapple", withCookie(ann.cookie)),
    );
    assert.ok(
      found.results.some((r: { message?: { seq: number }; seq?: number }) =>
        (r.message?.seq ?? r.seq) === reply.seq
      ),
      JSON.stringify(found.results),
    );
    assert.equal((await app.fetch(url, json("DELETE", undefined, ben.cookie))).status, 200);
    const page = await okJson(await thread(app, ann, conv, parent.seq));
    assert.ok(page.replies[0].deletedAt, "the deleted reply stays as a placeholder");
    assert.equal(page.parent.thread.replyCount, 1, "and still counts");
  });
});
