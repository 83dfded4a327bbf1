/**
 * Membership changes, live (issue 16, item 4): someone added sees the conversation appear in
 * their list at once; someone removed or leaving gets `removed` and `conversation_removed` on
 * their sockets and no further message frames, on this process and on another; the room
 * hears each change as a system message; an archived channel refuses a socket's send.
 */
import assert from "node:assert/strict";
import type { ServerFrame } from "../../lib/shared/protocol.ts";
import { json, type Person, registerUser } from "../support/helpers.ts";
import { twoProcessTest } from "../support/two_servers.ts";
import { chatTest, type Client, join, sendAndAck } from "../support/ws_client.ts";

/** How long a frame that should not come is given to come anyway. */
const QUIET_MS = 300;

function heard(client: Client, content: string): boolean {
  return client.frames.some((f: ServerFrame) =>
    (f.type === "message" || f.type === "activity") && f.message.content === content
  );
}

async function channelOf(
  server: { fetch(path: string, init?: RequestInit): Promise<Response> },
  creator: Person,
  members: Person[],
): Promise<string> {
  const res = await server.fetch(
    "/api/conversations",
    json(
      "POST",
      { kind: "channel", title: `room-${crypto.randomUUID().slice(0, 8)}` },
      creator.cookie,
    ),
  );
  assert.equal(res.status, 201, await res.clone().text());
  const { conversation } = await res.json();
  for (const who of members) {
    const joined = await server.fetch(
      `/api/conversations/${conversation.id}/join`,
      json("POST", {}, who.cookie),
    );
    assert.equal(joined.status, 200);
    await joined.body?.cancel();
  }
  return conversation.id;
}

chatTest("added, removed, leaving and archiving, live on one server", async (chat, t) => {
  const ann = await chat.person();
  const ben = await chat.person();
  const cat = await chat.person();
  const id = await channelOf(chat.server, ann, [ben]);
  const a = await chat.connect(ann);
  const b = await chat.connect(ben);
  const c = await chat.connect(cat);
  await join(a, id);
  await join(b, id);
  b.send({ type: "watch_list" });
  c.send({ type: "watch_list" });
  await b.roundTrip();
  await c.roundTrip();

  await t.step("cat, added, sees the channel appear in his list at once", async () => {
    const res = await chat.server.fetch(
      `/api/conversations/${id}/members`,
      json("POST", { usernames: [cat.user.username] }, ann.cookie),
    );
    assert.equal(res.status, 200);
    await res.body?.cancel();
    const activity = await c.next("activity", (f) => f.conversationId === id);
    assert.equal(activity.message.kind, "system");
    assert.equal(activity.message.system?.event, "added");
    // The room hears it too.
    const frame = await b.next("message", (f) => f.message.system?.event === "added");
    assert.deepEqual(frame.message.system?.users?.map((u) => u.id), [cat.user.id]);
    await join(c, id);
  });

  await t.step("ben, removed: 'removed' and conversation_removed at once", async () => {
    const res = await chat.server.fetch(
      `/api/conversations/${id}/members/${ben.user.id}`,
      json("DELETE", undefined, ann.cookie),
    );
    assert.equal(res.status, 204);
    const error = await b.next("error", (f) => f.code === "removed");
    assert.equal(error.ref, id);
    await b.next("conversation_removed", (f) => f.conversationId === id);
    // The others hear the system message; ben does not.
    const told = await a.next("message", (f) => f.message.system?.event === "removed");
    assert.deepEqual(told.message.system?.users?.map((u) => u.id), [ben.user.id]);
  });

  await t.step("ben hears nothing more from it, not even in his list", async () => {
    await sendAndAck(a, id, "after ben", "m-1");
    await c.next("message", (f) => f.message.content === "after ben");
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.ok(!heard(b, "after ben"), `frames: ${JSON.stringify(b.frames)}`);
    // Not even the message that tells of his removal (he was evicted before it was written).
    assert.ok(!b.frames.some((f) => f.type === "message" && f.message.system?.event === "removed"));
    b.send({ type: "join", conversationId: id });
    const refused = await b.next("error", (f) => f.ref === id);
    assert.equal(refused.code, "not_found");
  });

  await t.step("cat, leaving: the same on his sockets; the room hears 'left'", async () => {
    const res = await chat.server.fetch(
      `/api/conversations/${id}/leave`,
      json("POST", {}, cat.cookie),
    );
    assert.equal(res.status, 204);
    await c.next("error", (f) => f.code === "removed" && f.ref === id);
    await c.next("conversation_removed", (f) => f.conversationId === id);
    const left = await a.next("message", (f) => f.message.system?.event === "left");
    assert.equal(left.message.system?.actor.id, cat.user.id);
    await sendAndAck(a, id, "after cat", "m-2");
    await new Promise((r) => setTimeout(r, QUIET_MS));
    assert.ok(!heard(c, "after cat"));
  });

  await t.step("archived: the room hears it, and a socket's send is refused", async () => {
    const res = await chat.server.fetch(
      `/api/conversations/${id}`,
      json("PATCH", { archived: true }, ann.cookie),
    );
    assert.equal(res.status, 200);
    await res.body?.cancel();
    await a.next("message", (f) => f.message.system?.event === "archived");
    a.send({ type: "send_message", conversationId: id, content: "too late", clientId: "m-3" });
    const error = await a.next("error", (f) => f.code === "archived");
    assert.equal(error.ref, "m-3");
  });
});

twoProcessTest(
  "a person removed through one process stops receiving on the other at once",
  async ({ one, two, socket }, t) => {
    const ann = await registerUser(one, { username: "ann" });
    const ben = await registerUser(one, { username: "ben" });
    const cat = await registerUser(one, { username: "cat" });
    const id = await channelOf(one, ann, [ben, cat]);
    const a = await socket(one, ann.cookie);
    const b = await socket(two, ben.cookie);
    const c = await socket(two, cat.cookie);
    await join(a, id);
    await join(b, id);
    await join(c, id);
    b.send({ type: "watch_list" });
    await b.roundTrip();

    await t.step("before: ben, on the other process, hears ann", async () => {
      await sendAndAck(a, id, "before", "p-1");
      await b.next("message", (f) => f.message.content === "before", 5000);
    });

    await t.step("removed through process one: process two's socket is told", async () => {
      const removedAt = Date.now();
      const res = await one.fetch(
        `/api/conversations/${id}/members/${ben.user.id}`,
        json("DELETE", undefined, ann.cookie),
      );
      assert.equal(res.status, 204);
      await b.next("error", (f) => f.code === "removed" && f.ref === id, 5000);
      await b.next("conversation_removed", (f) => f.conversationId === id, 5000);
      console.log(`the removal reached the other process in ${Date.now() - removedAt} ms`);
    });

    await t.step("and hears nothing after, while cat beside him does", async () => {
      await sendAndAck(a, id, "after", "p-2");
      await c.next("message", (f) => f.message.content === "after", 5000);
      await new Promise((r) => setTimeout(r, QUIET_MS));
      assert.ok(!heard(b, "after"), `frames: ${JSON.stringify(b.frames)}`);
    });
  },
);
