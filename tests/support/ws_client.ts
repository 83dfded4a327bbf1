/**
 * WebSocket test client and harness: a real server on port 0, real clients sending the session
 * cookie and Origin. Shared by the WebSocket test files.
 */
import assert from "node:assert/strict";
import type { Message } from "../../lib/shared/message.ts";
import type { ServerFrame } from "../../lib/shared/protocol.ts";
import {
  createConversationVia,
  json,
  type Person,
  registerUser,
  startTestServer,
  withCookie,
} from "./helpers.ts";

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;
type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/** How long a frame may take to arrive before the test fails (nothing here is slow). */
const WAIT_MS = 3000;

/**
 * Deno's WebSocket takes `{ headers }` (a server-side client can send the cookie and Origin),
 * but the project's "dom" lib types the constructor as the browser's, which has no such option.
 */
export const DenoWebSocket = WebSocket as unknown as new (
  url: string,
  options: { headers: Record<string, string> },
) => WebSocket;

/** One open socket and the frames it has received but no test has taken yet. */
export class Client {
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
export type Chat = {
  server: TestServer;
  wsUrl: string;
  /** Registers a person (with their session cookie). */
  person(): Promise<Person>;
  /** Opens a socket as `person` (Origin: the server's own unless given) and waits for open. */
  connect(person: Person, origin?: string): Promise<Client>;
  /** A conversation created by the first person with the others. */
  conversation(creator: Person, ...others: Person[]): Promise<string>;
  /**
   * Two new people (Ann, then Ben) in a conversation Ann created, each with an open socket
   * (Ann's first) that has not joined it yet.
   */
  pair(): Promise<{ ann: Person; ben: Person; conversationId: string; a: Client; b: Client }>;
  /** Stores a message through REST. */
  post(person: Person, conversationId: string, content: string): Promise<Message>;
  /** The stored messages, as `person` reads them through REST. */
  history(person: Person, conversationId: string, query?: string): Promise<Message[]>;
};

/**
 * Opens a socket to `base`'s /api/ws with the cookie and Origin and waits until it is open.
 * `track`, when given, collects the client (for closing at the end of a test).
 */
export async function openSocket(
  base: string,
  cookie: string,
  origin = base,
  track?: Client[],
): Promise<Client> {
  const ws = new DenoWebSocket(`${base.replace(/^http/, "ws")}/api/ws`, {
    headers: { cookie, origin },
  });
  const client = new Client(ws);
  track?.push(client);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", (e) => {
      reject(new Error(`socket did not open: ${(e as ErrorEvent).message}`));
    });
  });
  return client;
}

/**
 * Declares a test around a fresh server; sockets and server are closed however it ends.
 * `fn` also gets the test context, for steps.
 */
export function chatTest(
  name: string,
  fn: (chat: Chat, t: Deno.TestContext) => Promise<void>,
  env: Record<string, string> = {},
) {
  Deno.test(name, async (t) => {
    const server = await startTestServer(env);
    const wsUrl = `${server.base.replace(/^http/, "ws")}/api/ws`;
    const clients: Client[] = [];
    const chat: Chat = {
      server,
      wsUrl,
      person: () => registerUser(server),
      async connect(person, origin = server.base) {
        const client = await openSocket(server.base, person.cookie, origin, clients);
        return client;
      },
      conversation: (creator, ...others) =>
        createConversationVia(server, creator.cookie, others.map((o) => o.user)),
      async pair() {
        const ann = await chat.person();
        const ben = await chat.person();
        const conversationId = await chat.conversation(ann, ben);
        const a = await chat.connect(ann);
        const b = await chat.connect(ben);
        return { ann, ben, conversationId, a, b };
      },
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
      await fn(chat, t);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    }
  });
}

/** Connects to `base` and writes an upgrade request for /api/ws with `headers`, by hand. */
export async function sendUpgrade(
  base: string,
  headers: Record<string, string>,
): Promise<Deno.Conn> {
  const { hostname, port, host } = new URL(base);
  const conn = await Deno.connect({ hostname, port: Number(port) });
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
  return conn;
}

/**
 * An upgrade request written by hand on a raw TCP connection, so the test sees the exact
 * status line the server answers (a WebSocket client only reports that it failed).
 */
export async function rawUpgrade(
  base: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const conn = await sendUpgrade(base, headers);
  try {
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
export async function expectNoUpgrade(
  url: string,
  headers: Record<string, string>,
): Promise<string> {
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
export async function sendAndAck(
  client: Client,
  conversationId: string,
  content: string,
  clientId: string,
) {
  client.send({ type: "send_message", conversationId, content, clientId });
  return (await client.next("ack", (f) => f.clientId === clientId)).message;
}

/** Joins and returns the answering `recent_messages`. */
export async function join(client: Client, conversationId: string, since?: number) {
  client.send({ type: "join", conversationId, ...(since === undefined ? {} : { since }) });
  return await client.next("recent_messages", (f) => f.conversationId === conversationId);
}
