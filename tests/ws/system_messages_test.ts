/**
 * System messages (Hub.sendSystem): stored with the next seq, delivered live and in history,
 * never edited, deleted or reacted to, not found by search; and the archived channel that
 * takes no more messages from people (WS and REST) but still takes system messages.
 */
import assert from "node:assert/strict";
import type { User } from "../../lib/accounts/mod.ts";
import { conversationKey, headKey } from "../../lib/storage/mod.ts";
import {
  assertError,
  json,
  registerUser,
  startTestServer,
  withCookie,
} from "../support/helpers.ts";
import { chatTest, type Client, join, openSocket, sendAndAck } from "../support/ws_client.ts";
import type { TestServer } from "../support/ws_client.ts";

/** Marks the conversation archived as a channel's archiving does: record and `members` bump. */
async function archive(server: TestServer, conversationId: string, archived = true) {
  const kv = server.ctx.kv;
  const [record, head] = await kv.getMany<[Record<string, unknown>, Record<string, unknown>]>([
    conversationKey(conversationId),
    headKey(conversationId),
  ]);
  const ok = await kv.atomic().check(record, head)
    .set(conversationKey(conversationId), { ...record.value, archived })
    .set(headKey(conversationId), {
      ...head.value,
      members: Number(head.value?.members ?? 0) + 1,
    })
    .commit();
  assert.ok(ok.ok);
}

chatTest(
  "a system message takes the next seq and reaches the room live and history",
  async (chat) => {
    const { ann, ben, conversationId, a, b } = await chat.pair();
    const cat = await chat.person();
    await join(a, conversationId);
    await join(b, conversationId);
    await sendAndAck(a, conversationId, "hello", "c-1");
    await b.next("message", (f) => f.message.seq === 1);

    // Cat takes no part: a system message's actor need not (a leave is written after it).
    const stored = await chat.server.ctx.hub.sendSystem(cat.user, conversationId, {
      event: "added",
      userIds: [ben.user.id, ann.user.id],
    });
    const cName = cat.user.displayName;
    assert.equal(stored.seq, 2);
    assert.equal(stored.kind, "system");
    assert.equal(
      stored.content,
      `${cName} added ${ben.user.displayName} and ${ann.user.displayName}`,
    );
    assert.equal(stored.formatted, null);
    assert.deepEqual(stored.system?.users?.map((u: User) => u.id), [ben.user.id, ann.user.id]);
    assert.equal(stored.system?.actor.id, cat.user.id);

    for (const socket of [a, b]) {
      const { message } = await socket.next("message", (f) => f.message.seq === 2);
      assert.equal(message.kind, "system");
      assert.equal(message.system?.event, "added");
      assert.deepEqual(message.system?.users?.map((u) => u.username), [
        ben.user.username,
        ann.user.username,
      ]);
    }
    // The next person's message follows it.
    assert.equal((await sendAndAck(b, conversationId, "welcome", "c-2")).seq, 3);

    const history = await chat.history(ann, conversationId);
    assert.deepEqual(history.map((m) => [m.seq, m.kind ?? "person"]), [
      [1, "person"],
      [2, "system"],
      [3, "person"],
    ]);
    assert.equal(history[1].system?.users?.[0].displayName, ben.user.displayName);
    assert.equal(history[1].system?.actor.id, cat.user.id);
  },
);

chatTest(
  "a system message is never edited, deleted or reacted to (WS and REST: 409)",
  async (chat) => {
    const { ann, conversationId, a } = await chat.pair();
    await join(a, conversationId);
    const { seq } = await chat.server.ctx.hub.sendSystem(ann.user, conversationId, {
      event: "renamed",
      title: "Planning",
    });
    await a.next("message", (f) => f.message.seq === seq);

    a.send({ type: "edit_message", conversationId, seq, content: "mine now" });
    assert.equal((await a.next("error")).code, "system_message");
    a.send({ type: "delete_message", conversationId, seq });
    assert.equal((await a.next("error")).code, "system_message");
    a.send({ type: "react", conversationId, seq, emoji: "🎉", on: true });
    assert.equal((await a.next("error")).code, "system_message");

    const path = `/api/conversations/${conversationId}/messages/${seq}`;
    const server = chat.server;
    await assertError(
      await server.fetch(path, json("PATCH", { content: "x" }, ann.cookie)),
      409,
      "system_message",
    );
    await assertError(
      await server.fetch(path, json("DELETE", undefined, ann.cookie)),
      409,
      "system_message",
    );
    await assertError(
      await server.fetch(
        `${path}/reactions/${encodeURIComponent("🎉")}`,
        json("PUT", undefined, ann.cookie),
      ),
      409,
      "system_message",
    );
    const [m] = await chat.history(ann, conversationId);
    assert.equal(m.content, `${ann.user.displayName} renamed this to \u201cPlanning\u201d`);
    assert.equal(m.editedAt, null);
    assert.equal(m.deletedAt, null);
  },
);

chatTest(
  "search does not find system messages by their words; the list shows the sentence",
  async (chat) => {
    const { ann, ben, conversationId } = await chat.pair();
    await chat.post(ann, conversationId, "we joined forces");
    await chat.server.ctx.hub.sendSystem(ben.user, conversationId, { event: "joined" });
    await chat.server.ctx.hub.indexed();
    const res = await chat.server.fetch("/api/search?q=joined", withCookie(ann.cookie));
    const { results } = await res.json();
    assert.deepEqual(results.map((r: { message: { seq: number } }) => r.message.seq), [1]);

    const list = await chat.server.fetch("/api/conversations", withCookie(ann.cookie));
    const { conversations } = await list.json();
    const found = conversations.find((c: { id: string }) => c.id === conversationId);
    assert.equal(found.lastMessage.content, `${ben.user.displayName} joined`);
    assert.equal(found.lastMessage.kind, "system");
    assert.equal(found.mentionCount, 0);

    // The list's last message names its people as they are (not "Deleted user").
    await chat.server.ctx.hub.sendSystem(ben.user, conversationId, {
      event: "added",
      userIds: [ann.user.id],
    });
    const again = await (await chat.server.fetch("/api/conversations", withCookie(ann.cookie)))
      .json();
    const last = again.conversations.find((c: { id: string }) => c.id === conversationId)
      .lastMessage;
    assert.deepEqual(last.system.users.map((u: User) => u.displayName), [ann.user.displayName]);
  },
);

chatTest("a system message naming someone with @ in a topic mentions nobody", async (chat) => {
  const { ann, ben, conversationId } = await chat.pair();
  const sent = await chat.server.ctx.hub.sendSystem(ann.user, conversationId, {
    event: "topic",
    topic: `ask @${ben.user.username}`,
  });
  assert.ok(!sent.content.includes("@"), sent.content);
  assert.equal(sent.system?.topic, `ask @${ben.user.username}`);
  const list = await chat.server.fetch("/api/conversations", withCookie(ben.cookie));
  const found = (await list.json()).conversations.find((c: { id: string }) =>
    c.id === conversationId
  );
  assert.equal(found.mentionCount, 0);
});

chatTest(
  "an archived channel refuses new messages (WS error archived, REST 409) but takes system messages",
  async (chat) => {
    const { ann, ben, conversationId, a, b } = await chat.pair();
    await join(a, conversationId);
    await join(b, conversationId);
    // A first send: the hub knows the participants and that the conversation is open.
    await sendAndAck(a, conversationId, "before", "c-1");
    await archive(chat.server, conversationId);

    // The socket's room still holds the counter of before: the commit reads the record again.
    a.send({ type: "send_message", conversationId, content: "after", clientId: "c-2" });
    const refused = await a.next("error", (f) => f.ref === "c-2");
    assert.equal(refused.code, "archived");
    // And again, once the hub has read it (no cached counter to re-check at the commit).
    a.send({ type: "send_message", conversationId, content: "again", clientId: "c-3" });
    assert.equal((await a.next("error", (f) => f.ref === "c-3")).code, "archived");

    await assertError(
      await chat.server.fetch(
        `/api/conversations/${conversationId}/messages`,
        json("POST", { content: "by REST" }, ben.cookie),
      ),
      409,
      "archived",
    );

    const sys = await chat.server.ctx.hub.sendSystem(ann.user, conversationId, {
      event: "archived",
    });
    assert.equal(sys.seq, 2);
    await b.next("message", (f) => f.message.seq === 2);

    // Unarchived: people write again.
    await archive(chat.server, conversationId, false);
    const again = await sendAndAck(b, conversationId, "back", "c-4");
    assert.equal(again.seq, 3);
    const history = await chat.history(ann, conversationId);
    assert.deepEqual(history.map((m) => m.content), [
      "before",
      `${ann.user.displayName} archived this channel`,
      "back",
    ]);
  },
);

chatTest(
  "someone added to a group hears it in their list at once; the room sees who was added",
  async (chat) => {
    const [ann, ben, cat] = [await chat.person(), await chat.person(), await chat.person()];
    const conversationId = await chat.conversation(ann, ben, await chat.person());
    const a = await chat.connect(ann);
    const c = await chat.connect(cat);
    c.send({ type: "watch_list" });
    await c.roundTrip();
    await join(a, conversationId);

    const res = await chat.server.fetch(
      `/api/conversations/${conversationId}/members`,
      json("POST", { usernames: [cat.user.username] }, ann.cookie),
    );
    assert.equal(res.status, 200, await res.clone().text());
    const { message } = await c.next("activity", (f) => f.conversationId === conversationId);
    assert.equal(message.kind, "system");
    assert.equal(message.system?.event, "added");
    assert.deepEqual(message.system?.users?.map((u) => u.id), [cat.user.id]);
    const inRoom = await a.next("message", (f) => f.message.kind === "system");
    assert.equal(inRoom.message.content, `${ann.user.displayName} added ${cat.user.displayName}`);
  },
);

Deno.test("a system message reaches a socket on another hub sharing the store", async () => {
  const dir = await Deno.makeTempDir();
  const env = { KV_PATH: `${dir}/shared.kv`, REALTIME_POLL_MS: "50" };
  const one = await startTestServer(env);
  const two = await startTestServer(env);
  const sockets: Client[] = [];
  try {
    const ann = await registerUser(one);
    const ben = await registerUser(one);
    const created = await one.fetch(
      "/api/conversations",
      json("POST", { participantIds: [ben.user.id] }, ann.cookie),
    );
    const conversationId: string = (await created.json()).conversation.id;
    const onTwo = await openSocket(two.base, ben.cookie);
    sockets.push(onTwo);
    await join(onTwo, conversationId);
    await one.ctx.hub.sendSystem(ann.user, conversationId, {
      event: "added",
      userIds: [ben.user.id],
    });
    const { message } = await onTwo.next(
      "message",
      (f) => f.message.conversationId === conversationId,
    );
    assert.equal(message.kind, "system");
    assert.equal(message.system?.users?.[0].displayName, ben.user.displayName);
    assert.equal(message.system?.actor.id, ann.user.id);
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
    await one.close();
    await two.close();
    await Deno.remove(dir, { recursive: true });
  }
});

chatTest(
  "archiving a channel through PATCH stops sends, edits and reactions on open sockets and REST (409 archived)",
  async (chat) => {
    const [ann, ben] = [await chat.person(), await chat.person()];
    const made = await chat.server.fetch(
      "/api/conversations",
      json(
        "POST",
        { kind: "channel", title: `launch-${crypto.randomUUID().slice(0, 8)}` },
        ann.cookie,
      ),
    );
    assert.equal(made.status, 201, await made.clone().text());
    const conversationId: string = (await made.json()).conversation.id;
    const joined = await chat.server.fetch(
      `/api/conversations/${conversationId}/join`,
      json("POST", undefined, ben.cookie),
    );
    assert.equal(joined.status, 200, await joined.clone().text());
    const b = await chat.connect(ben);
    await join(b, conversationId);
    await sendAndAck(b, conversationId, "before", "c-1");

    const patched = await chat.server.fetch(
      `/api/conversations/${conversationId}`,
      json("PATCH", { archived: true }, ann.cookie),
    );
    assert.equal(patched.status, 200, await patched.clone().text());
    const shown = await b.next("message", (f) => f.message.system?.event === "archived");
    assert.equal(shown.message.content, `${ann.user.displayName} archived this channel`);

    b.send({ type: "send_message", conversationId, content: "after", clientId: "c-2" });
    assert.equal((await b.next("error", (f) => f.ref === "c-2")).code, "archived");
    await assertError(
      await chat.server.fetch(
        `/api/conversations/${conversationId}/messages`,
        json("POST", { content: "by REST" }, ann.cookie),
      ),
      409,
      "archived",
    );
    // Read-only: what was said stays as it was.
    b.send({ type: "edit_message", conversationId, seq: 1, content: "changed" });
    assert.equal((await b.next("error")).code, "archived");
    await assertError(
      await chat.server.fetch(
        `/api/conversations/${conversationId}/messages/1/reactions/${encodeURIComponent("🎉")}`,
        json("PUT", undefined, ann.cookie),
      ),
      409,
      "archived",
    );
  },
);
