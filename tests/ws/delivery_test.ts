/** Delivery across hubs that share one KV but no doorbell, and sockets ending with sessions. */
import assert from "node:assert/strict";
import { json, registerUser, sessionCookieOf, startTestServer } from "../support/helpers.ts";
import {
  chatTest,
  type Client,
  join,
  openSocket,
  sendAndAck,
  sendUpgrade,
} from "../support/ws_client.ts";

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

/** One masked client text frame (RFC 6455 §5.3), written by hand for a raw connection. */
function clientTextFrame(text: string): Uint8Array {
  const payload = new TextEncoder().encode(text);
  const header = payload.length < 126
    ? [0x81, 0x80 | payload.length]
    : [0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff];
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const frame = new Uint8Array(header.length + 4 + payload.length);
  frame.set(header);
  frame.set(mask, header.length);
  payload.forEach((b, i) => frame[header.length + 4 + i] = b ^ mask[i % 4]);
  return frame;
}

/** A WebSocket upgraded by hand on a raw TCP connection, so the test decides when it reads. */
async function rawSocket(base: string, cookie: string): Promise<Deno.Conn> {
  const conn = await sendUpgrade(base, { Origin: base, Cookie: cookie });
  // The 101's headers only: the first frames come after them (one read suffices for this size).
  const buf = new Uint8Array(4096);
  const n = await conn.read(buf);
  assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^HTTP\/1.1 101/);
  return conn;
}

/**
 * Reads server frames (unmasked) from a raw connection until a close frame (its code too), or
 * until `last` text frames came without one (code 0: it was never cut off).
 */
async function readUntilClose(
  conn: Deno.Conn,
  last: number,
): Promise<{ texts: string[]; code: number }> {
  const texts: string[] = [];
  let buf = new Uint8Array(0);
  const chunk = new Uint8Array(256 * 1024);
  const decoder = new TextDecoder();
  while (true) {
    // One whole frame at the front of the buffer, if there is one.
    while (buf.length >= 2) {
      const opcode = buf[0] & 0x0f;
      let length = buf[1] & 0x7f;
      let at = 2;
      if (length === 126) [length, at] = [(buf[2] << 8) | buf[3], 4];
      else if (length === 127) {
        [length, at] = [
          Number(new DataView(buf.buffer, buf.byteOffset + 2, 8).getBigUint64(0)),
          10,
        ];
      }
      if (buf.length < at + length) break;
      const payload = buf.subarray(at, at + length);
      if (opcode === 0x8) return { texts, code: (payload[0] << 8) | payload[1] };
      if (opcode === 0x1) texts.push(decoder.decode(payload));
      if (texts.length >= last) return { texts, code: 0 };
      buf = buf.subarray(at + length);
    }
    const n = await conn.read(chunk);
    if (n === null) throw new Error("connection ended without a close frame");
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
  }
}

chatTest(
  "a socket that stops reading is cut off with 1008 once its unsent frames pass the bound, and catches up when it joins again",
  async (chat) => {
    const { ben, conversationId, a } = await chat.pair();
    await join(a, conversationId);
    const stalled = await rawSocket(chat.server.base, ben.cookie);
    try {
      await stalled.write(clientTextFrame(JSON.stringify({ type: "join", conversationId })));
      await a.next("status", (f) => f.event === "joined" && f.user.id === ben.user.id);
      // 3,000 messages of ~3.9 KB (~12 MB) for a reader that reads nothing: past what the
      // kernel buffers (~4 MB here) and the server's 4 MiB bound on unsent bytes.
      const big = "x".repeat(3900);
      for (let sent = 0; sent < 3000; sent += 50) {
        const batch = Array.from({ length: 50 }, (_, i) => `flood-${sent + i}`);
        for (const clientId of batch) {
          a.send({ type: "send_message", conversationId, content: `${clientId} ${big}`, clientId });
        }
        for (const clientId of batch) await a.next("ack", (f) => f.clientId === clientId);
        a.frames.splice(0); // Ann's copies of her own messages: not what this test reads
      }
      // Now it reads: what was sent before the cut, then the close.
      // At most the join's answer, Ben's status and the 3,000 messages.
      const { texts, code } = await readUntilClose(stalled, 3002);
      assert.equal(code, 1008, "closed as too slow");
      const seqs = texts.flatMap((t) => {
        const frame = JSON.parse(t);
        return frame.type === "message" ? [frame.message.seq as number] : [];
      });
      assert.ok(seqs.length > 0 && seqs.length < 3000, `cut off, not sent all: ${seqs.length}`);
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "in order");
      // Ben's next socket resumes from the last seq it had and gets exactly the rest.
      const again = await chat.connect(ben);
      const rest = (await join(again, conversationId, seqs.length)).messages.map((m) => m.seq);
      while (rest.length < 3000 - seqs.length) {
        const frame = await again.next("recent_messages");
        rest.push(...frame.messages.map((m) => m.seq));
      }
      assert.deepEqual(
        rest,
        Array.from({ length: 3000 - seqs.length }, (_, i) => seqs.length + i + 1),
      );
    } finally {
      stalled.close();
    }
  },
  { RATE_LIMIT_SCALE: "0" },
);
