import assert from "node:assert/strict";
import { serveSocket } from "./socket.ts";
import { until, withRoom } from "./test_fixtures.ts";

/** Enough of a server-side WebSocket for serveSocket: what it sends, its backlog, its close. */
function fakeSocket() {
  const socket = {
    readyState: WebSocket.CONNECTING as number,
    bufferedAmount: 0,
    sent: [] as string[],
    closed: null as { code?: number; reason?: string } | null,
    onopen: null as (() => void) | null,
    onclose: null as (() => void) | null,
    onerror: null as (() => void) | null,
    onmessage: null as ((e: { data: unknown }) => void) | null,
    send(data: string) {
      socket.sent.push(data);
    },
    close(code?: number, reason?: string) {
      if (socket.closed) return;
      socket.closed = { code, reason };
      socket.readyState = WebSocket.CLOSED;
      socket.onclose?.();
    },
    open() {
      socket.readyState = WebSocket.OPEN;
      socket.onopen?.();
    },
    receive(frame: unknown) {
      socket.onmessage?.({ data: JSON.stringify(frame) });
    },
  };
  return socket;
}

Deno.test("serveSocket: a socket more than 4 MiB behind is closed as too slow, and leaves the hub", async () => {
  await withRoom(async ({ hub, people: { ann, ben }, conversationId }) => {
    const socket = fakeSocket();
    serveSocket(hub, socket as unknown as WebSocket, {
      user: ben,
      sessionId: "s",
      rateLimitScale: 0,
    });
    socket.open();
    socket.receive({ type: "join", conversationId });
    await until(() => socket.sent.some((s) => s.includes('"recent_messages"')), "ben joined");
    assert.equal(hub.connections, 1);

    // Nothing Ben is sent reaches him any more: the backlog passes the bound.
    socket.bufferedAmount = 5 * 1024 * 1024;
    for (let i = 1; i <= 10; i++) await hub.send(ann, { conversationId, content: `m${i}` });
    await until(() => socket.closed !== null, "the slow socket was closed");
    assert.deepEqual(socket.closed, { code: 1008, reason: "too slow" });
    assert.equal(hub.connections, 0);
    assert.deepEqual(hub.online(conversationId), []);
  });
});

Deno.test("serveSocket: a socket that keeps up is not closed", async () => {
  await withRoom(async ({ hub, people: { ann, ben }, conversationId }) => {
    const socket = fakeSocket();
    serveSocket(hub, socket as unknown as WebSocket, {
      user: ben,
      sessionId: "s",
      rateLimitScale: 0,
    });
    socket.open();
    socket.receive({ type: "join", conversationId });
    await until(() => socket.sent.some((s) => s.includes('"recent_messages"')), "ben joined");
    socket.bufferedAmount = 1024 * 1024;
    for (let i = 1; i <= 10; i++) await hub.send(ann, { conversationId, content: `m${i}` });
    await until(
      () => socket.sent.filter((s) => s.includes('"type":"message"')).length === 10,
      "ben got all ten",
    );
    assert.equal(socket.closed, null);
  });
});

Deno.test("serveSocket: a socket that never opens gives its place back once, and is closed if it opens late", async () => {
  await withRoom(async ({ hub, people: { ben } }) => {
    const socket = fakeSocket();
    let released = 0;
    serveSocket(hub, socket as unknown as WebSocket, {
      user: ben,
      sessionId: "s",
      rateLimitScale: 0,
      onClosed: () => released++,
      openWaitMs: 30,
    });
    await until(() => released === 1, "its place was given back");
    socket.open();
    assert.deepEqual(socket.closed, { code: 1013, reason: "try again" });
    assert.equal(released, 1);
    assert.equal(hub.connections, 0);
  });
});

Deno.test({
  name:
    "serveSocket: a client gone before the 101 (Deno opens nor closes that socket) still frees its place",
  // The server is ended by its signal: a graceful shutdown would wait on that socket for good.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await withRoom(async ({ hub, people: { ben } }) => {
      let released = 0;
      let opened = false;
      const stop = new AbortController();
      const server = Deno.serve(
        { port: 0, hostname: "127.0.0.1", signal: stop.signal, onListen: () => {} },
        async (req) => {
          // The client is gone by the time the upgrade is answered.
          await new Promise((r) => setTimeout(r, 100));
          const { socket, response } = Deno.upgradeWebSocket(req);
          serveSocket(hub, socket, {
            user: ben,
            sessionId: "s",
            rateLimitScale: 0,
            onClosed: () => released++,
            openWaitMs: 300,
          });
          socket.addEventListener("open", () => opened = true);
          return response;
        },
      );
      try {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
        await conn.write(new TextEncoder().encode([
          "GET / HTTP/1.1",
          "Host: 127.0.0.1",
          "Upgrade: websocket",
          "Connection: Upgrade",
          "Sec-WebSocket-Version: 13",
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
          "",
          "",
        ].join("\r\n")));
        conn.close();
        await until(() => released === 1, "its place was given back", 5000);
        assert.equal(opened, false);
        assert.equal(hub.connections, 0);
      } finally {
        stop.abort();
        await server.finished;
      }
    });
  },
});
