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
