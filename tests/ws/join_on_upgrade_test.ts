/**
 * The first join on the upgrade (`/api/ws?join=<id>&since=<seq>`, what the chat page's early
 * socket asks): answered as the same join frame would be, as soon as the socket is open, with
 * the same membership checks; a malformed query is refused before the upgrade.
 */
import assert from "node:assert/strict";
import { chatTest, Client, DenoWebSocket, expectNoUpgrade, join } from "../support/ws_client.ts";
import type { Person } from "../support/helpers.ts";

/** Opens a socket with `query` on the upgrade and waits until it is open. */
async function openWith(base: string, person: Person, query: string): Promise<Client> {
  const url = `${base.replace(/^http/, "ws")}/api/ws${query}`;
  const client = new Client(
    new DenoWebSocket(url, { headers: { cookie: person.cookie, origin: base } }),
  );
  await new Promise((resolve, reject) => {
    client.ws.addEventListener("open", resolve);
    client.ws.addEventListener("error", reject);
  });
  return client;
}

chatTest("a socket that joins on its upgrade gets the join frame's answer first", async (chat) => {
  const { ann, ben, conversationId, a, b } = await chat.pair();
  for (const text of ["one", "two", "three"]) await chat.post(ben, conversationId, text);
  await a.close();
  await b.close();
  // Without since: the same recent_messages a join frame gets, and nothing asked before it.
  const early = await openWith(chat.server.base, ann, `?join=${conversationId}`);
  const first = await early.nextAny();
  const viaFrame = await join(await chat.connect(ann), conversationId);
  assert.equal(first.type, "recent_messages");
  assert.deepEqual(first, viaFrame);
  // Subscribed: a message posted now arrives live.
  await chat.post(ben, conversationId, "four");
  const live = await early.next("message");
  assert.equal(live.message.content, "four");
  assert.equal(live.message.seq, 4);
  await early.close();

  // With since: only what came after it, as `join` with since answers.
  const after = await openWith(chat.server.base, ann, `?join=${conversationId}&since=2`);
  const recent = await after.next("recent_messages");
  assert.deepEqual(recent.messages.map((m) => m.content), ["three", "four"]);
  await after.close();
});

chatTest(
  "frames sent at once after the open are handled after the upgrade's join",
  async (chat) => {
    const { ann, conversationId, a, b } = await chat.pair();
    await a.close();
    await b.close();
    const early = await openWith(chat.server.base, ann, `?join=${conversationId}`);
    early.send({ type: "send_message", conversationId, content: "first!", clientId: "c-1" });
    const order: string[] = [];
    for (let i = 0; i < 2; i++) {
      const f = await early.nextAny();
      if (f.type === "recent_messages" || f.type === "ack") order.push(f.type);
      else i--;
    }
    assert.deepEqual(order, ["recent_messages", "ack"]);
    await early.close();
  },
);

chatTest("joining on the upgrade checks membership as a join frame does", async (chat) => {
  const { conversationId, a, b } = await chat.pair();
  await a.close();
  await b.close();
  const eve = await chat.person();
  const socket = await openWith(chat.server.base, eve, `?join=${conversationId}`);
  const error = await socket.next("error");
  assert.equal(error.code, "not_found");
  assert.equal(error.ref, conversationId);
  // Not subscribed, and the socket itself still works.
  await socket.roundTrip();
  assert.deepEqual(socket.pending("recent_messages"), []);
  const unknown = await openWith(chat.server.base, eve, "?join=no-such-conversation");
  assert.equal((await unknown.next("error")).code, "not_found");
  await socket.close();
  await unknown.close();
});

chatTest("a malformed join query is refused with 400 before the upgrade", async (chat) => {
  const { ann, conversationId, a, b } = await chat.pair();
  await a.close();
  await b.close();
  const headers = { cookie: ann.cookie, origin: chat.server.base };
  for (
    const query of [
      "?join=",
      `?join=${"x".repeat(65)}`,
      `?join=${conversationId}&since=-1`,
      `?join=${conversationId}&since=1.5`,
      `?join=${conversationId}&since=abc`,
      "?since=3",
    ]
  ) {
    assert.match(await expectNoUpgrade(`${chat.wsUrl}${query}`, headers), /400/, query);
  }
  // Signed out, the session is what is refused (401), whatever the query.
  const signedOut = await expectNoUpgrade(`${chat.wsUrl}?join=`, { origin: chat.server.base });
  assert.match(signedOut, /401/);
});

chatTest("a hidden tab's upgrade says away: the room never sees it active", async (chat) => {
  const { ben, conversationId, a, b } = await chat.pair();
  await b.close();
  await join(a, conversationId);
  const hidden = await openWith(chat.server.base, ben, `?join=${conversationId}&away=1`);
  await hidden.next("recent_messages");
  const joined = await a.next("status", (f) => f.event === "joined" && f.user.id === ben.user.id);
  assert.deepEqual(joined.away, [ben.user.id], "away from the moment Ben is in the room");
  await a.roundTrip();
  assert.deepEqual(a.pending("presence"), [], "no active-then-away flicker");
  // Looking again: the client says so, and the room hears it.
  hidden.send({ type: "presence", state: "active" });
  assert.equal((await a.next("presence")).state, "active");
  // Only `away=1` is understood.
  const headers = { cookie: ben.cookie, origin: chat.server.base };
  assert.match(await expectNoUpgrade(`${chat.wsUrl}?away=yes`, headers), /400/);
  await hidden.close();
});
