/** REST edits, deletes, reactions and history around a seq, against a real server. */
import assert from "node:assert/strict";
import { assertError, form, json, okJson, type Person, withCookie } from "../support/helpers.ts";
import { countKeys, range, seqs } from "../support/util.ts";
import { type Chat, chatTest } from "../support/ws_client.ts";

const UNKNOWN_CONVERSATION = "01HZZZZZZZZZZZZZZZZZZZZZZZ";

function messageUrl(conversationId: string, seq: number | string, rest = "") {
  return `/api/conversations/${conversationId}/messages/${seq}${rest}`;
}

function edit(
  chat: Chat,
  who: Person,
  conversationId: string,
  seq: number | string,
  body: unknown,
) {
  return chat.server.fetch(messageUrl(conversationId, seq), json("PATCH", body, who.cookie));
}

function remove(chat: Chat, who: Person, conversationId: string, seq: number | string) {
  return chat.server.fetch(messageUrl(conversationId, seq), json("DELETE", undefined, who.cookie));
}

function react(
  chat: Chat,
  who: Person,
  conversationId: string,
  seq: number,
  emoji: string,
  on = true,
) {
  return chat.server.fetch(
    messageUrl(conversationId, seq, `/reactions/${encodeURIComponent(emoji)}`),
    json(on ? "PUT" : "DELETE", undefined, who.cookie),
  );
}

/** Everything a client sees of an answer but its request id. */
async function observe(res: Response) {
  const headers = [...res.headers].filter(([k]) => k !== "x-request-id" && k !== "date");
  return { status: res.status, headers, body: await res.text() };
}

chatTest(
  "PATCH and DELETE change your own message; history keeps every seq in order",
  async (chat) => {
    const ann = await chat.person();
    const ben = await chat.person();
    const id = await chat.conversation(ann, ben);
    for (const n of [1, 2, 3]) await chat.post(ann, id, `message ${n}`);

    const edited = (await okJson(await edit(chat, ann, id, 2, { content: "  message two  " })))
      .message;
    assert.equal(edited.seq, 2);
    assert.equal(edited.content, "message two", "trimmed like new content");
    assert.ok(Date.parse(edited.editedAt) > 0);
    assert.equal(edited.deletedAt, null);

    const deleted = (await okJson(await remove(chat, ann, id, 1))).message;
    assert.equal(deleted.content, "");
    assert.ok(Date.parse(deleted.deletedAt) > 0);
    // Deleting again is no change and no error.
    assert.equal(
      (await okJson(await remove(chat, ann, id, 1))).message.deletedAt,
      deleted.deletedAt,
    );

    const history = await chat.history(ben, id);
    assert.deepEqual(seqs(history), [1, 2, 3], "a deleted message stays as a placeholder");
    assert.deepEqual(history.map((m) => [m.content, !!m.deletedAt, !!m.editedAt]), [
      ["", true, false],
      ["message two", false, true],
      ["message 3", false, false],
    ]);
    const list = await okJson(
      await chat.server.fetch("/api/conversations", withCookie(ben.cookie)),
    );
    assert.equal(list.conversations[0].lastMessage.content, "message 3");
    await okJson(await edit(chat, ann, id, 3, { content: "the last word" }));
    const after = await okJson(
      await chat.server.fetch("/api/conversations", withCookie(ben.cookie)),
    );
    assert.equal(after.conversations[0].lastMessage.content, "the last word");
    assert.equal(after.conversations[0].unreadCount, 3, "an edit is not a new message");
  },
);

chatTest(
  "another participant's message: 403 forbidden to edit or delete it, and nothing changes",
  async (chat) => {
    const ann = await chat.person();
    const ben = await chat.person();
    const id = await chat.conversation(ann, ben);
    await chat.post(ann, id, "ann's words");
    await assertError(await edit(chat, ben, id, 1, { content: "ben's now" }), 403, "forbidden");
    await assertError(await remove(chat, ben, id, 1), 403, "forbidden");
    const [message] = await chat.history(ann, id);
    assert.deepEqual([message.content, message.editedAt, message.deletedAt], [
      "ann's words",
      null,
      null,
    ]);
  },
);

chatTest(
  "a non-participant gets the 404 of an unknown conversation, whatever the request",
  async (chat) => {
    const ann = await chat.person();
    const ben = await chat.person();
    const eve = await chat.person();
    const id = await chat.conversation(ann, ben);
    await chat.post(ann, id, "private");
    const requests = (conversationId: string): [string, RequestInit][] => [
      [messageUrl(conversationId, 1), json("PATCH", { content: "x" }, eve.cookie)],
      [messageUrl(conversationId, 1), json("PATCH", { content: "" }, eve.cookie)],
      [messageUrl(conversationId, "abc"), json("PATCH", { content: "x" }, eve.cookie)],
      [messageUrl(conversationId, 1), json("DELETE", undefined, eve.cookie)],
      [
        messageUrl(conversationId, 1, "/reactions/%F0%9F%91%8D"),
        json("PUT", undefined, eve.cookie),
      ],
      [messageUrl(conversationId, 1, "/reactions/nope"), json("PUT", undefined, eve.cookie)],
      [
        messageUrl(conversationId, 1, "/reactions/%F0%9F%91%8D"),
        json("DELETE", undefined, eve.cookie),
      ],
      [`/api/conversations/${conversationId}/messages?around=1`, withCookie(eve.cookie)],
    ];
    const hidden = requests(id);
    const missing = requests(UNKNOWN_CONVERSATION);
    for (let i = 0; i < hidden.length; i++) {
      const a = await observe(await chat.server.fetch(...hidden[i]));
      const b = await observe(await chat.server.fetch(...missing[i]));
      assert.equal(a.status, 404, `${hidden[i][1].method ?? "GET"} ${hidden[i][0]}`);
      assert.deepEqual(a, b, `${hidden[i][0]}: Eve can tell the conversation exists`);
    }
    const [message] = await chat.history(ann, id);
    assert.deepEqual([message.content, message.reactions], ["private", []]);
  },
);

chatTest(
  "edits are validated like new content; unknown seqs are 404; a deleted message cannot change",
  async (chat) => {
    const ann = await chat.person();
    const ben = await chat.person();
    const id = await chat.conversation(ann, ben);
    await chat.post(ann, id, "hello");
    const empty = await assertError(
      await edit(chat, ann, id, 1, { content: "   " }),
      400,
      "invalid_input",
    );
    assert.ok(empty.fields?.content);
    await assertError(
      await edit(chat, ann, id, 1, { content: "x".repeat(4001) }),
      400,
      "invalid_input",
    );
    await assertError(await edit(chat, ann, id, 1, {}), 400, "invalid_input");
    const bad = await chat.server.fetch(messageUrl(id, 1), {
      method: "PATCH",
      headers: { origin: chat.server.base, cookie: ann.cookie, "content-type": "application/json" },
      body: '{"content": ',
    });
    await assertError(bad, 400, "malformed_json");
    await assertError(await edit(chat, ann, id, 2, { content: "no such" }), 404, "not_found");
    await assertError(await edit(chat, ann, id, 0, { content: "no such" }), 404, "not_found");
    await assertError(await remove(chat, ann, id, "1.5"), 404, "not_found");
    await okJson(await remove(chat, ann, id, 1));
    await assertError(await edit(chat, ann, id, 1, { content: "undo" }), 409, "message_deleted");
    await assertError(await react(chat, ben, id, 1, "👍"), 409, "message_deleted");
    assert.equal(await countKeys(chat.server.ctx.kv, ["search", id]), 0, "no index entry is left");
  },
);

chatTest(
  "reactions: PUT adds yours, DELETE takes it back, the message says who reacted",
  async (chat) => {
    const ann = await chat.person();
    const ben = await chat.person();
    const id = await chat.conversation(ann, ben);
    await chat.post(ann, id, "lunch?");
    const first = (await okJson(await react(chat, ben, id, 1, "👍"))).message;
    assert.deepEqual(first.reactions, [{ emoji: "👍", userIds: [ben.user.id] }]);
    // Idempotent: the same reaction again changes nothing.
    assert.deepEqual(
      (await okJson(await react(chat, ben, id, 1, "👍"))).message.reactions,
      first.reactions,
    );
    await okJson(await react(chat, ann, id, 1, "👍"));
    const hearts = (await okJson(await react(chat, ann, id, 1, "❤"))).message;
    assert.deepEqual(hearts.reactions, [
      { emoji: "👍", userIds: [ben.user.id, ann.user.id] },
      { emoji: "❤️", userIds: [ann.user.id] },
    ], "a heart without its emoji selector is stored as the emoji");
    const back = (await okJson(await react(chat, ben, id, 1, "👍", false))).message;
    assert.deepEqual(back.reactions[0], { emoji: "👍", userIds: [ann.user.id] });
    const [stored] = await chat.history(ben, id);
    assert.deepEqual(stored.reactions, back.reactions);

    for (const emoji of ["a", "👍👍", "<script>", "x".repeat(40), "👍 "]) {
      const error = await assertError(await react(chat, ben, id, 1, emoji), 400, "invalid_input");
      assert.ok(error.fields?.emoji, emoji);
    }
    await assertError(await react(chat, ben, id, 9, "👍"), 404, "not_found");
  },
);

chatTest("GET messages?around=<seq> answers the page with that seq in the middle", async (chat) => {
  const ann = await chat.person();
  const ben = await chat.person();
  const id = await chat.conversation(ann, ben);
  for (const n of range(1, 30)) await chat.post(ann, id, `m${n}`);
  const page = await okJson(
    await chat.server.fetch(
      `/api/conversations/${id}/messages?around=15&limit=10`,
      withCookie(ben.cookie),
    ),
  );
  assert.deepEqual(seqs(page.messages), range(11, 20));
  assert.equal(page.nextCursor, "11");
  assert.equal(page.newerCursor, "20");
  const start = await okJson(
    await chat.server.fetch(
      `/api/conversations/${id}/messages?around=2&limit=10`,
      withCookie(ben.cookie),
    ),
  );
  assert.deepEqual(seqs(start.messages), range(1, 10), "near the start, the page fills forward");
  assert.equal(start.nextCursor, null);
  const end = await okJson(
    await chat.server.fetch(
      `/api/conversations/${id}/messages?around=30&limit=10`,
      withCookie(ben.cookie),
    ),
  );
  assert.deepEqual(seqs(end.messages), range(26, 30));
  assert.equal(end.newerCursor, null);
  await assertError(
    await chat.server.fetch(
      `/api/conversations/${id}/messages?around=3&before=9`,
      withCookie(ben.cookie),
    ),
    400,
    "invalid_input",
  );
});

chatTest(
  "forms without JavaScript edit and delete with a 303 back to the message",
  async (chat) => {
    const ann = await chat.person();
    const ben = await chat.person();
    const id = await chat.conversation(ann, ben);
    await chat.post(ann, id, "typo here");
    const edited = await chat.server.fetch(messageUrl(id, 1, "/edit"), {
      ...form({ content: "fixed" }, ann.cookie),
      redirect: "manual",
    });
    assert.equal(edited.status, 303);
    assert.equal(edited.headers.get("location"), `/conversations/${id}#m1`);
    const deleted = await chat.server.fetch(messageUrl(id, 1, "/delete"), {
      ...form({}, ann.cookie),
      redirect: "manual",
    });
    assert.equal(deleted.status, 303);
    const [message] = await chat.history(ben, id);
    assert.deepEqual([message.content, !!message.editedAt, !!message.deletedAt], ["", true, true]);
  },
);
