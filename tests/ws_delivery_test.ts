/** Delivery across hubs that share one KV but no doorbell, and sockets ending with sessions. */
import assert from "node:assert/strict";
import { json, registerUser, sessionCookieOf, startTestServer } from "./helpers.ts";
import { chatTest, type Client, join, openSocket, sendAndAck } from "./ws_client.ts";

/** Two servers on one KV file, each with its own hub and no doorbell between them: like two
 * processes (kv.watch does not cross processes on a local file), or a doorbell always lost. */
async function twoServers(pollMs: number) {
  const dir = await Deno.makeTempDir();
  const env = { KV_PATH: `${dir}/shared.kv`, REALTIME_POLL_MS: String(pollMs) };
  const a = await startTestServer(env);
  const b = await startTestServer(env);
  const clients: Client[] = [];
  return {
    a,
    b,
    async connect(base: string, cookie: string) {
      const c = await openSocket(base, cookie);
      clients.push(c);
      return c;
    },
    /** Ann on hub A and Ben on hub B, in one conversation, both sockets joined. */
    async pairAcross() {
      const ann = await registerUser(a);
      const ben = await registerUser(a);
      const created = await a.fetch(
        "/api/conversations",
        json("POST", { participantIds: [ben.user.id] }, ann.cookie),
      );
      const conversationId: string = (await created.json()).conversation.id;
      const onA = await this.connect(a.base, ann.cookie);
      const onB = await this.connect(b.base, ben.cookie);
      await join(onA, conversationId);
      await join(onB, conversationId);
      return { conversationId, onA, onB };
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await a.close();
      await b.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("a message sent through one hub reaches a socket on another hub sharing the KV", async () => {
  const servers = await twoServers(50);
  try {
    const { conversationId, onA, onB } = await servers.pairAcross();
    const sent = [];
    for (let i = 1; i <= 5; i++) {
      sent.push(await sendAndAck(onA, conversationId, `from A ${i}`, `a-${i}`));
    }
    const got = [];
    for (let i = 0; i < 5; i++) got.push((await onB.next("message")).message);
    assert.deepEqual(got.map((m) => [m.seq, m.id]), sent.map((m) => [m.seq, m.id]));
    // And back: B's reply reaches A, in order after A's own.
    const reply = await sendAndAck(onB, conversationId, "from B", "b-1");
    assert.equal(reply.seq, 6);
    assert.equal((await onA.next("message", (f) => f.message.seq === 6)).message.id, reply.id);
  } finally {
    await servers.close();
  }
});

Deno.test("without polling a lost doorbell only delays: the next one delivers the gap in order", async () => {
  const servers = await twoServers(0);
  try {
    const { conversationId, onA, onB } = await servers.pairAcross();
    await sendAndAck(onA, conversationId, "unheard on B", "a-1");
    await assert.rejects(onB.next("message", () => true, 300), /no "message" frame/);
    // B's own send rings B's hub, which reads the gap from KV: both arrive, in seq order.
    await sendAndAck(onB, conversationId, "B speaks", "b-1");
    const first = (await onB.next("message")).message;
    const second = (await onB.next("message")).message;
    assert.deepEqual([first.seq, first.content], [1, "unheard on B"]);
    assert.deepEqual([second.seq, second.content], [2, "B speaks"]);
  } finally {
    await servers.close();
  }
});

chatTest("signing out closes that session's open sockets and no other session's", async (chat) => {
  const ann = await chat.person();
  const login = await chat.server.fetch(
    "/api/auth/login",
    json("POST", { username: ann.user.username, password: "correct horse battery" }),
  );
  assert.equal(login.status, 200);
  const laptop = ann.cookie;
  const phone = sessionCookieOf(login);
  const onLaptop = await chat.connect({ ...ann, cookie: laptop });
  const onPhone = await chat.connect({ ...ann, cookie: phone });
  await onLaptop.roundTrip();

  const out = await chat.server.fetch("/api/auth/logout", json("POST", undefined, laptop));
  assert.equal(out.status, 204);
  const closed = await onLaptop.waitClosed();
  assert.equal(closed.code, 1008);
  await onPhone.roundTrip();
});

chatTest(
  "activity frames go to sockets that watch the list, and not to ones in the room",
  async (chat) => {
    const { ann, conversationId, a, b } = await chat.pair();
    const watching = await chat.connect(ann);
    watching.send({ type: "watch_list" });
    await watching.roundTrip();
    await join(a, conversationId);
    b.send({ type: "watch_list" });
    await join(b, conversationId);
    const sent = await sendAndAck(a, conversationId, "hello", "h-1");
    const activity = await watching.next("activity");
    assert.equal(activity.message.id, sent.id);
    assert.equal((await b.next("message")).message.id, sent.id);
    // One more round trip each: any activity frame would have arrived before the pong.
    await a.roundTrip();
    await b.roundTrip();
    assert.deepEqual(a.pending("activity"), [], "not asked for");
    assert.deepEqual(b.pending("activity"), [], "in the room: it has the message itself");
  },
);

Deno.test("a member removed through one hub is evicted from a room on another hub", async () => {
  const servers = await twoServers(50);
  try {
    const owner = await registerUser(servers.a);
    const member = await registerUser(servers.a);
    const created = await servers.a.fetch(
      "/api/projects",
      json("POST", { name: "Shared" }, owner.cookie),
    );
    const { project } = await created.json();
    const added = await servers.a.fetch(
      `/api/projects/${project.id}/members`,
      json("POST", { username: member.user.username }, owner.cookie),
    );
    assert.equal(added.status, 201);
    const onA = await servers.connect(servers.a.base, owner.cookie);
    const onB = await servers.connect(servers.b.base, member.cookie);
    await join(onA, project.conversationId);
    await join(onB, project.conversationId);

    const removed = await servers.a.fetch(
      `/api/projects/${project.id}/members/${member.user.id}`,
      json("DELETE", undefined, owner.cookie),
    );
    assert.equal(removed.status, 204);
    const frame = await onB.next("error", (f) => f.code === "removed");
    assert.equal(frame.ref, project.conversationId);
    // What the owner says next does not reach the removed member's socket on hub B.
    const after = await sendAndAck(onA, project.conversationId, "members only", "o-1");
    await onA.next("message", (f) => f.message.id === after.id);
    await assert.rejects(onB.next("message", () => true, 400), /no "message" frame/);
    onB.send({
      type: "send_message",
      conversationId: project.conversationId,
      content: "hi",
      clientId: "m-1",
    });
    assert.equal((await onB.next("error", (f) => f.ref === "m-1")).code, "not_found");
  } finally {
    await servers.close();
  }
});
