/** WebSocket tests: a real server on port 0, real clients sending the session cookie and Origin. */
import assert from "node:assert/strict";
import { type Message, sendMessage } from "../lib/messages.ts";
import type { ServerFrame } from "../lib/realtime_protocol.ts";
import type { User } from "../lib/users.ts";
import {
  createConversationVia,
  json,
  registerUser,
  startTestServer,
  withCookie,
} from "./helpers.ts";

type TestServer = Awaited<ReturnType<typeof startTestServer>>;
type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;
type Person = { user: User; cookie: string };

/** How long a frame may take to arrive before the test fails (nothing here is slow). */
const WAIT_MS = 3000;

/**
 * Deno's WebSocket takes `{ headers }` (a server-side client can send the cookie and Origin),
 * but the project's "dom" lib types the constructor as the browser's, which has no such option.
 */
const DenoWebSocket = WebSocket as unknown as new (
  url: string,
  options: { headers: Record<string, string> },
) => WebSocket;

/** One open socket and the frames it has received but no test has taken yet. */
class Client {
  readonly ws: WebSocket;
  /** Received frames not yet taken by `next()`, oldest first. */
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<CloseEvent>;
  #wake: (() => void) | null = null;

  constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (e) => {
        resolve(e);
        this.#wake?.();
      });
    });
    ws.addEventListener("message", (e) => {
      this.frames.push(JSON.parse(e.data));
      this.#wake?.();
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /**
   * Takes the oldest received frame of `type` that matches `where`, waiting for it if needed.
   * Frames it passes over stay queued. Fails after `timeoutMs` or when the socket closes.
   */
  async next<T extends ServerFrame["type"]>(
    type: T,
    where: (frame: FrameOf<T>) => boolean = () => true,
    timeoutMs = WAIT_MS,
  ): Promise<FrameOf<T>> {
    const match = (f: ServerFrame): f is FrameOf<T> => f.type === type && where(f as FrameOf<T>);
    return await this.#take(match, `"${type}" frame`, timeoutMs);
  }

  /** The oldest received frame, whatever its type. */
  async nextAny(timeoutMs = WAIT_MS): Promise<ServerFrame> {
    return await this.#take((_f): _f is ServerFrame => true, "frame", timeoutMs);
  }

  /** Waits for the close (failing after `timeoutMs`), never forever. */
  async waitClosed(timeoutMs = WAIT_MS): Promise<CloseEvent> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #take<F extends ServerFrame>(
    match: (f: ServerFrame) => f is F,
    what: string,
    timeoutMs: number,
  ): Promise<F> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const i = this.frames.findIndex(match);
      if (i !== -1) return this.frames.splice(i, 1)[0] as F;
      const state = this.ws.readyState;
      if (state === WebSocket.CLOSED || Date.now() >= deadline) {
        const why = state === WebSocket.CLOSED ? "the socket closed" : `${timeoutMs} ms passed`;
        throw new Error(`no ${what} came before ${why}; unclaimed: ${JSON.stringify(this.frames)}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, deadline - Date.now());
      });
      clearTimeout(timer);
      this.#wake = null;
    }
  }

  /** Sends a ping and waits for its pong: proves the socket is open and answering. */
  async roundTrip(): Promise<void> {
    this.send({ type: "ping" });
    await this.next("pong");
  }

  /** Unclaimed frames of one type. */
  pending<T extends ServerFrame["type"]>(type: T): FrameOf<T>[] {
    return this.frames.filter((f): f is FrameOf<T> => f.type === type);
  }

  async close(): Promise<CloseEvent> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    return await this.closed;
  }
}

/** What a test gets: the server, people and connected sockets (all closed at the end). */
type Chat = {
  server: TestServer;
  wsUrl: string;
  /** Registers a person (with their session cookie). */
  person(): Promise<Person>;
  /** Opens a socket as `person` (Origin: the server's own unless given) and waits for open. */
  connect(person: Person, origin?: string): Promise<Client>;
  /** A conversation created by the first person with the others. */
  conversation(creator: Person, ...others: Person[]): Promise<string>;
  /** Stores a message through REST. */
  post(person: Person, conversationId: string, content: string): Promise<Message>;
  /** The stored messages, as `person` reads them through REST. */
  history(person: Person, conversationId: string, query?: string): Promise<Message[]>;
};

/** Declares a test around a fresh server; sockets and server are closed however it ends. */
function chatTest(
  name: string,
  fn: (chat: Chat) => Promise<void>,
  env: Record<string, string> = {},
) {
  Deno.test(name, async () => {
    const server = await startTestServer(env);
    const wsUrl = `${server.base.replace(/^http/, "ws")}/api/ws`;
    const clients: Client[] = [];
    const chat: Chat = {
      server,
      wsUrl,
      person: () => registerUser(server),
      async connect(person, origin = server.base) {
        const ws = new DenoWebSocket(wsUrl, { headers: { cookie: person.cookie, origin } });
        const client = new Client(ws);
        clients.push(client);
        await new Promise<void>((resolve, reject) => {
          ws.addEventListener("open", () => resolve());
          ws.addEventListener("error", (e) => {
            reject(new Error(`socket did not open: ${(e as ErrorEvent).message}`));
          });
        });
        return client;
      },
      conversation: (creator, ...others) =>
        createConversationVia(server, creator.cookie, others.map((o) => o.user)),
      async post(person, conversationId, content) {
        const res = await server.fetch(
          `/api/conversations/${conversationId}/messages`,
          json("POST", { content }, person.cookie),
        );
        assert.equal(res.status, 201);
        return (await res.json()).message;
      },
      async history(person, conversationId, query = "limit=100") {
        const res = await server.fetch(
          `/api/conversations/${conversationId}/messages?${query}`,
          withCookie(person.cookie),
        );
        assert.equal(res.status, 200);
        return (await res.json()).messages;
      },
    };
    try {
      await fn(chat);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    }
  });
}

/**
 * An upgrade request written by hand on a raw TCP connection, so the test sees the exact
 * status line the server answers (a WebSocket client only reports that it failed).
 */
async function rawUpgrade(
  base: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const { hostname, port, host } = new URL(base);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    const lines = [
      "GET /api/ws HTTP/1.1",
      `Host: ${host}`,
      "Connection: Upgrade",
      "Upgrade: websocket",
      "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    await conn.write(new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"));
    let text = "";
    const decoder = new TextDecoder();
    const buf = new Uint8Array(16 * 1024);
    while (true) {
      const end = text.indexOf("\r\n\r\n");
      if (end !== -1) {
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
        if (text.length >= end + 4 + length) {
          return {
            status: Number(text.split(" ")[1]),
            body: text.slice(end + 4, end + 4 + length),
          };
        }
      }
      const n = await conn.read(buf);
      if (n === null) throw new Error(`connection closed mid-answer: ${text}`);
      text += decoder.decode(buf.subarray(0, n), { stream: true });
    }
  } finally {
    conn.close();
  }
}

/** Opens a real WebSocket client that must be refused: resolves with its error, never opens. */
async function expectNoUpgrade(url: string, headers: Record<string, string>): Promise<string> {
  const ws = new DenoWebSocket(url, { headers });
  const closed = new Promise((resolve) => ws.addEventListener("close", resolve));
  const outcome = await new Promise<string>((resolve) => {
    ws.addEventListener("open", () => resolve("open"));
    ws.addEventListener("error", (e) => resolve((e as ErrorEvent).message));
  });
  if (outcome === "open") ws.close();
  await closed;
  assert.notEqual(outcome, "open", "the socket opened but should have been refused");
  return outcome;
}

/** Sends a message over a socket and waits for its ack. */
async function sendAndAck(
  client: Client,
  conversationId: string,
  content: string,
  clientId: string,
) {
  client.send({ type: "send_message", conversationId, content, clientId });
  return (await client.next("ack", (f) => f.clientId === clientId)).message;
}

/** Joins and returns the answering `recent_messages`. */
async function join(client: Client, conversationId: string, since?: number) {
  client.send({ type: "join", conversationId, ...(since === undefined ? {} : { since }) });
  return await client.next("recent_messages", (f) => f.conversationId === conversationId);
}

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
    const ann = await chat.person();
    const ben = await chat.person();
    const conversationId = await chat.conversation(ann, ben);
    const a = await chat.connect(ann);
    const b = await chat.connect(ben);
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
    const ann = await chat.person();
    const ben = await chat.person();
    const conversationId = await chat.conversation(ann, ben);
    const a = await chat.connect(ann);
    const b = await chat.connect(ben);
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
    const ann = await chat.person();
    const ben = await chat.person();
    const conversationId = await chat.conversation(ann, ben);
    const a = await chat.connect(ann);
    let b = await chat.connect(ben);
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
  const ann = await chat.person();
  const ben = await chat.person();
  const conversationId = await chat.conversation(ann, ben);
  const a = await chat.connect(ann);
  const b = await chat.connect(ben);
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
  const ann = await chat.person();
  const ben = await chat.person();
  const conversationId = await chat.conversation(ann, ben);
  const a = await chat.connect(ann);
  const b = await chat.connect(ben);
  assert.deepEqual((await join(a, conversationId, 1000)).messages, []);
  await join(b, conversationId);

  const sent = await sendAndAck(b, conversationId, "can anyone hear me", "q-1");
  assert.equal(sent.seq, 1);
  assert.equal((await a.next("message")).message.id, sent.id);
  assert.equal((await b.next("message")).message.id, sent.id);
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
