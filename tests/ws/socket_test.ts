/** WebSocket tests: a real server on port 0, real clients sending the session cookie and Origin. */
import assert from "node:assert/strict";
import { type Message, sendMessage } from "../../lib/messages/mod.ts";
import type { User } from "../../lib/accounts/mod.ts";
import { range } from "../support/util.ts";
import { chatTest, expectNoUpgrade, join, rawUpgrade, sendAndAck } from "../support/ws_client.ts";

const byId = (a: User, b: User) => a.id.localeCompare(b.id);

chatTest(
  "an upgrade without a session cookie is refused with 401 and not upgraded",
  async (chat) => {
    const { status, body } = await rawUpgrade(chat.server.base, { Origin: chat.server.base });
    assert.equal(status, 401);
    assert.equal(JSON.parse(body).error.code, "unauthorized");
    const error = await expectNoUpgrade(chat.wsUrl, { origin: chat.server.base });
    assert.match(error, /401/);
  },
);

chatTest("an upgrade from a foreign Origin is refused with 403 and not upgraded", async (chat) => {
  const ann = await chat.person();
  const headers = { cookie: ann.cookie, origin: "https://evil.example" };
  const { status, body } = await rawUpgrade(chat.server.base, headers);
  assert.equal(status, 403);
  assert.equal(JSON.parse(body).error.code, "bad_origin");
  assert.match(await expectNoUpgrade(chat.wsUrl, headers), /403/);
  // No Origin at all is refused too: the endpoint only serves pages of an allowed origin.
  assert.equal((await rawUpgrade(chat.server.base, { cookie: ann.cookie })).status, 403);
});

chatTest(
  "an origin listed in ALLOWED_ORIGINS may connect while others are still refused",
  async (chat) => {
    const ann = await chat.person();
    const client = await chat.connect(ann, "https://app.example");
    await client.roundTrip();
    const evil = await rawUpgrade(chat.server.base, {
      cookie: ann.cookie,
      origin: "https://evil.example",
    });
    assert.equal(evil.status, 403);
  },
  { ALLOWED_ORIGINS: "https://app.example" },
);

chatTest(
  "a message sent over the socket is acked to the sender and reaches the other person live",
  async (chat) => {
    const { ann, ben, conversationId, a, b } = await chat.pair();
    assert.deepEqual((await join(a, conversationId)).messages, []);
    assert.deepEqual((await join(b, conversationId)).messages, []);

    const acked = await sendAndAck(a, conversationId, "hello ben", "c-1");
    assert.equal(acked.seq, 1);
    assert.equal(acked.content, "hello ben");
    assert.equal(acked.clientId, "c-1");
    assert.equal(acked.author.id, ann.user.id);
    assert.equal(acked.conversationId, conversationId);
    const live = await b.next("message");
    assert.deepEqual(live.message, acked);

    const reply = await sendAndAck(b, conversationId, "hi ann", "c-2");
    assert.equal(reply.seq, 2);
    const back = await a.next("message", (f) => f.message.seq === 2);
    assert.equal(back.message.content, "hi ann");
    assert.equal(back.message.author.id, ben.user.id);
  },
);

chatTest(
  "join answers the last 50 messages, and join with since answers everything after it",
  async (chat) => {
    const ann = await chat.person();
    const ben = await chat.person();
    const conversationId = await chat.conversation(ann, ben);
    for (let i = 1; i <= 60; i++) await chat.post(ann, conversationId, `m${i}`);
    const b = await chat.connect(ben);

    const recent = await join(b, conversationId);
    assert.deepEqual(recent.messages.map((m) => m.seq), range(11, 60));
    assert.deepEqual(recent.messages.map((m) => m.content), range(11, 60).map((n) => `m${n}`));

    const after = await join(b, conversationId, 55);
    assert.deepEqual(after.messages.map((m) => m.seq), [56, 57, 58, 59, 60]);
    assert.deepEqual((await join(b, conversationId, 60)).messages, []);
    assert.deepEqual((await join(b, conversationId, 0)).messages.map((m) => m.seq), range(1, 60));
  },
);

chatTest(
  "sending the same clientId twice acks the original message and stores it once",
  async (chat) => {
    const { ann, conversationId, a, b } = await chat.pair();
    await join(a, conversationId);
    await join(b, conversationId);

    const first = await sendAndAck(a, conversationId, "only once", "dup-1");
    const again = await sendAndAck(a, conversationId, "only once", "dup-1");
    assert.equal(again.id, first.id);
    assert.equal(again.seq, 1);
    assert.deepEqual(again, first);

    // A later message is the barrier: a duplicate delivery would have reached Ben before it.
    const next = await sendAndAck(a, conversationId, "and then this", "dup-2");
    assert.equal(next.seq, 2);
    assert.equal((await b.next("message")).message.id, first.id);
    assert.equal((await b.next("message")).message.id, next.id);

    const stored = await chat.history(ann, conversationId);
    assert.deepEqual(stored.map((m) => [m.seq, m.content]), [[1, "only once"], [
      2,
      "and then this",
    ]]);
  },
);

chatTest(
  "a reconnecting client joining with since receives exactly the messages it missed, in order",
  async (chat) => {
    const pair = await chat.pair();
    const { ben, conversationId, a } = pair;
    let b = pair.b;
    await join(a, conversationId);
    await join(b, conversationId);
    await sendAndAck(a, conversationId, "seen", "s-0");
    const lastSeen = (await b.next("message")).message.seq;
    assert.equal(lastSeen, 1);
    await b.close();

    // Sent back to back, without waiting for acks: they must be stored in the order sent.
    for (let i = 1; i <= 3; i++) {
      a.send({ type: "send_message", conversationId, content: `missed ${i}`, clientId: `s-${i}` });
    }
    for (let i = 1; i <= 3; i++) await a.next("ack", (f) => f.clientId === `s-${i}`);

    b = await chat.connect(ben);
    const caughtUp = await join(b, conversationId, lastSeen);
    assert.deepEqual(caughtUp.messages.map((m) => [m.seq, m.content]), [
      [2, "missed 1"],
      [3, "missed 2"],
      [4, "missed 3"],
    ]);
    // Live delivery resumes after the catch-up, without repeating any of it.
    await sendAndAck(a, conversationId, "live again", "s-4");
    assert.equal((await b.next("message")).message.seq, 5);
  },
);

chatTest("status frames tell who joined and who left, with everyone online", async (chat) => {
  const ann = await chat.person();
  const ben = await chat.person();
  const conversationId = await chat.conversation(ann, ben);
  const a = await chat.connect(ann);
  await join(a, conversationId);
  const self = await a.next("status");
  assert.equal(self.event, "joined");
  assert.deepEqual(self.online, [ann.user]);

  const b = await chat.connect(ben);
  await join(b, conversationId);
  const joined = await a.next("status");
  assert.equal(joined.conversationId, conversationId);
  assert.equal(joined.event, "joined");
  assert.deepEqual(joined.user, ben.user);
  assert.deepEqual(joined.online.toSorted(byId), [ann.user, ben.user].toSorted(byId));

  await b.close();
  const left = await a.next("status");
  assert.equal(left.event, "left");
  assert.deepEqual(left.user, ben.user);
  assert.deepEqual(left.online, [ann.user]);
});

chatTest("typing reaches the other participant but not the sender", async (chat) => {
  const { ann, conversationId, a, b } = await chat.pair();
  await join(a, conversationId);
  await join(b, conversationId);

  a.send({ type: "typing", conversationId });
  const typing = await b.next("typing");
  assert.equal(typing.conversationId, conversationId);
  assert.deepEqual(typing.user, ann.user);
  await a.roundTrip(); // the pong follows anything the typing frame sent back to Ann
  assert.deepEqual(a.pending("typing"), []);
});

chatTest("ping is answered with pong", async (chat) => {
  const a = await chat.connect(await chat.person());
  a.send({ type: "ping" });
  assert.deepEqual(await a.next("pong"), { type: "pong" });
});

chatTest("each bad frame gets an error frame and the connection stays open", async (chat) => {
  const ann = await chat.person();
  const ben = await chat.person();
  const conversationId = await chat.conversation(ann, ben);
  const a = await chat.connect(ann);

  const expectError = async (frame: string | Uint8Array, code: string) => {
    a.ws.send(frame);
    const error = await a.next("error");
    assert.equal(error.code, code, `for ${String(frame).slice(0, 60)}`);
    assert.equal(typeof error.message, "string");
    assert.equal(a.ws.readyState, WebSocket.OPEN);
    return error;
  };
  await expectError("not json {", "bad_json");
  await expectError(JSON.stringify({ type: "dance" }), "invalid_frame");
  const missing = await expectError(
    JSON.stringify({ type: "send_message", conversationId, clientId: "no-content" }),
    "invalid_frame",
  );
  assert.equal(missing.ref, "no-content");
  await expectError(JSON.stringify({ type: "join" }), "invalid_frame");
  await expectError(
    JSON.stringify({
      type: "send_message",
      conversationId,
      content: "x".repeat(4001),
      clientId: "long",
    }),
    "invalid_frame",
  );
  await expectError(
    JSON.stringify({ type: "ping", pad: "x".repeat(64 * 1024) }),
    "frame_too_large",
  );
  // 64 KiB is bytes on the wire: 22,000 three-byte characters are about 66 KB.
  await expectError(JSON.stringify({ type: "ping", pad: "€".repeat(22_000) }), "frame_too_large");
  await expectError(new Uint8Array([1, 2, 3]), "bad_frame");

  await a.roundTrip();
  assert.deepEqual(a.pending("pong"), []);
  assert.deepEqual(await chat.history(ann, conversationId), [], "nothing was stored");
});

chatTest(
  "a conversation the user is not in answers not_found to join and send, and leaks nothing",
  async (chat) => {
    const ann = await chat.person();
    const ben = await chat.person();
    const eve = await chat.person();
    const conversationId = await chat.conversation(ann, ben);
    const a = await chat.connect(ann);
    const e = await chat.connect(eve);
    await join(a, conversationId);
    await sendAndAck(a, conversationId, "private", "p-1");

    e.send({ type: "join", conversationId });
    const refused = await e.next("error");
    assert.equal(refused.code, "not_found");
    e.send({ type: "join", conversationId: "01HZZZZZZZZZZZZZZZZZZZZZZZ" });
    const unknown = await e.next("error");
    assert.deepEqual({ ...refused, ref: undefined }, { ...unknown, ref: undefined });

    e.send({ type: "send_message", conversationId, content: "let me in", clientId: "e-1" });
    const notSent = await e.next("error");
    assert.equal(notSent.code, "not_found");
    assert.equal(notSent.ref, "e-1");
    e.send({ type: "typing", conversationId });
    assert.equal((await e.next("error")).code, "not_found");

    // Ann keeps talking; Eve's failed join must not have subscribed her to anything.
    await sendAndAck(a, conversationId, "still private", "p-2");
    await e.roundTrip();
    assert.equal(a.pending("typing").length, 0);
    const leaked = e.frames.filter((f) => JSON.stringify(f).includes("private"));
    assert.deepEqual(leaked, []);
    assert.deepEqual(e.frames, []);
    const stored = await chat.history(ann, conversationId);
    assert.deepEqual(stored.map((m) => m.content), ["private", "still private"]);
  },
);

chatTest("a client that keeps sending garbage is closed with 1008", async (chat) => {
  const a = await chat.connect(await chat.person());
  for (let i = 0; i < 19; i++) a.send(`garbage ${i}`);
  for (let i = 0; i < 19; i++) assert.equal((await a.next("error")).code, "bad_json");
  assert.equal(a.ws.readyState, WebSocket.OPEN, "19 bad frames in a row are still tolerated");
  a.send("garbage 19");
  const closed = await a.closed;
  assert.equal(closed.code, 1008);
  assert.equal(a.pending("error").length, 1);
});

chatTest("a valid frame between bad ones resets the count of bad frames", async (chat) => {
  const a = await chat.connect(await chat.person());
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 15; i++) a.send("garbage");
    for (let i = 0; i < 15; i++) await a.next("error");
    await a.roundTrip();
  }
  assert.equal(a.ws.readyState, WebSocket.OPEN);
});

chatTest(
  "a flood past the rate limit gets rate_limited errors and then a close with 1008",
  async (chat) => {
    const a = await chat.connect(await chat.person());
    // The burst of 60 is served, then 21 refusals in a row close the socket. Exactly that many
    // are sent, so none of ours is still in flight at the close (the next test says why).
    for (let i = 0; i < 81; i++) a.send({ type: "ping" });
    const closed = await a.waitClosed();
    assert.equal(closed.code, 1008);
    assert.equal(closed.reason, "rate limit");
    assert.equal(a.pending("pong").length, 60);
    const limited = a.pending("error");
    assert.equal(limited.length, 21);
    assert.ok(limited.every((f) => f.code === "rate_limited"));
  },
  { RATE_LIMIT_SCALE: "1" },
);

chatTest("a client that keeps flooding after the limit is disconnected", async (chat) => {
  const a = await chat.connect(await chat.person());
  for (let i = 0; i < 300; i++) a.send({ type: "ping" });
  const closed = await a.waitClosed();
  // Deno's server socket drops the connection without its close frame when a data frame
  // arrives after close() (ext/websocket/01_websocket.js: a CLOSING server socket that reads
  // a data frame closes at once), so a client still sending sees an abnormal closure.
  assert.ok([1008, 1006, 0].includes(closed.code), `closed with ${closed.code}`);
  assert.equal(a.pending("pong").length, 60);
  assert.ok(a.pending("error").length >= 21);
  assert.ok(a.pending("error").every((f) => f.code === "rate_limited"));
});

chatTest("a socket that closes while its join is in flight is not left online", async (chat) => {
  const [ann, ben, cat] = [await chat.person(), await chat.person(), await chat.person()];
  const conversationId = await chat.conversation(ann, ben, cat);
  // A long history makes the join read several pages: the close arrives while it reads.
  for (let i = 1; i <= 300; i++) {
    await sendMessage(chat.server.ctx.kv, ann.user, { conversationId, content: `old ${i}` });
  }
  const a = await chat.connect(ann);
  await join(a, conversationId);
  await a.next("status");
  const c = await chat.connect(cat);

  const b = await chat.connect(ben);
  b.send({ type: "join", conversationId, since: 0 });
  await b.close();
  await join(c, conversationId);
  const joined = await a.next("status", (f) => f.user.id === cat.user.id);
  assert.deepEqual(joined.online.toSorted(byId), [ann.user, cat.user].toSorted(byId));
  // Deliveries run after the room's earlier joins: once Cat has this one, Ben's join is done.
  await sendAndAck(a, conversationId, "who is here?", "g-1");
  await c.next("message", (f) => f.message.clientId === "g-1");
  const aboutBen = a.pending("status").filter((f) => f.user.id === ben.user.id);
  const joins = aboutBen.filter((f) => f.event === "joined").length;
  assert.equal(joins, aboutBen.length - joins, "every time Ben showed up, he also left");
});

chatTest(
  "concurrent senders are received by a third participant exactly once each, in seq order",
  async (chat) => {
    const [ann, ben, cat] = [await chat.person(), await chat.person(), await chat.person()];
    const conversationId = await chat.conversation(ann, ben, cat);
    const [a, b, c] = [await chat.connect(ann), await chat.connect(ben), await chat.connect(cat)];
    await join(c, conversationId);

    for (let i = 0; i < 50; i++) {
      a.send({ type: "send_message", conversationId, content: `ann ${i}`, clientId: `a-${i}` });
      b.send({ type: "send_message", conversationId, content: `ben ${i}`, clientId: `b-${i}` });
    }
    const received: Message[] = [];
    for (let i = 0; i < 100; i++) received.push((await c.next("message")).message);
    assert.deepEqual(received.map((m) => m.seq), range(1, 100));
    const expected = range(0, 49).flatMap((i) => [`ann ${i}`, `ben ${i}`]);
    assert.deepEqual(received.map((m) => m.content).toSorted(), expected.toSorted());
    // Each sender's own messages keep the order they were sent in.
    for (const who of ["ann", "ben"]) {
      const mine = received.filter((m) => m.content.startsWith(who)).map((m) => m.content);
      assert.deepEqual(mine, range(0, 49).map((i) => `${who} ${i}`));
    }
    // Acks go out after the delivery to Cat, so the last few may still be on their way.
    const acks = [];
    for (let i = 0; i < 50; i++) acks.push(await a.next("ack"), await b.next("ack"));
    assert.equal(new Set(acks.map((f) => f.message.seq)).size, 100);
    assert.deepEqual(a.pending("error"), []);
    assert.deepEqual(b.pending("error"), []);

    // One more message is the barrier: a duplicate delivery would have reached Cat before it.
    const last = await sendAndAck(a, conversationId, "the end", "a-end");
    assert.equal((await c.next("message")).message.id, last.id);
    assert.equal(last.seq, 101);
    assert.deepEqual(c.pending("message"), []);
  },
);

chatTest("a join with since beyond the newest message does not silence the room", async (chat) => {
  const { conversationId, a, b } = await chat.pair();
  assert.deepEqual((await join(a, conversationId, 1000)).messages, []);
  await join(b, conversationId);

  const sent = await sendAndAck(b, conversationId, "can anyone hear me", "q-1");
  assert.equal(sent.seq, 1);
  assert.equal((await a.next("message")).message.id, sent.id);
  assert.equal((await b.next("message")).message.id, sent.id);
});

chatTest(
  "a long catch-up (join since 0 on 1,200 messages) interleaves with live sends: each seq once, in order",
  async (chat) => {
    const { ann, conversationId, a, b } = await chat.pair();
    const { kv } = chat.server.ctx;
    for (let i = 1; i <= 1200; i += 100) {
      await Promise.all(
        range(i, i + 99).map((n) =>
          sendMessage(kv, ann.user, { conversationId, content: `old ${n}`, clientId: `o-${n}` })
        ),
      );
    }
    await join(a, conversationId);
    // Ben joins from the start while Ann keeps sending: the pages stream outside the room's
    // chain, and the live messages must neither be missed nor repeated.
    b.send({ type: "join", conversationId, since: 0 });
    for (let n = 1; n <= 30; n++) {
      a.send({ type: "send_message", conversationId, content: `live ${n}`, clientId: `l-${n}` });
    }
    for (let n = 1; n <= 30; n++) await a.next("ack", (f) => f.clientId === `l-${n}`);
    const seen: number[] = [];
    while (seen.length < 1230) {
      const frame = await b.nextAny();
      if (frame.type === "recent_messages") seen.push(...frame.messages.map((m) => m.seq));
      else if (frame.type === "message") seen.push(frame.message.seq);
    }
    assert.deepEqual(seen, range(1, 1230));
    await sendAndAck(a, conversationId, "after", "l-31");
    assert.equal((await b.next("message")).message.seq, 1231);
  },
);

chatTest(
  "sends over REST and WebSocket share one per-user limit: past it, an error frame and nothing stored",
  async (chat) => {
    // RATE_LIMIT_SCALE 0.1: 12 messages a minute per user (kept in KV for every worker).
    const { ann, conversationId, a } = await chat.pair();
    for (let i = 1; i <= 12; i++) await chat.post(ann, conversationId, `rest ${i}`);
    a.send({ type: "send_message", conversationId, content: "one too many", clientId: "over-1" });
    const error = await a.next("error");
    assert.equal(error.code, "rate_limited");
    assert.equal(error.ref, "over-1");
    const stored = await chat.history(ann, conversationId);
    assert.equal(stored.length, 12);
    assert.ok(!stored.some((m) => m.content === "one too many"));
  },
  { RATE_LIMIT_SCALE: "0.1" },
);
