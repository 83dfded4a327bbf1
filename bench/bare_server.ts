/**
 * The ceiling for `deno task bench:realtime`: a bare Deno WebSocket broadcast server with no
 * auth and no storage. Rooms are Sets of sockets; `{type:"join",room}` subscribes,
 * `{type:"send",room,content}` sends `{type:"message",content}` (serialized once) to every
 * socket in the room, the sender too. Usage: `deno run -A bench/bare_server.ts <port>`.
 */
const port = Number(Deno.args[0] ?? 8001);
const rooms = new Map<string, Set<WebSocket>>();

type Frame = { type: "join"; room: string } | { type: "send"; room: string; content: string };

Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("bare broadcast server\n");
  }
  const { socket, response } = Deno.upgradeWebSocket(req);
  const joined = new Set<string>();
  socket.onmessage = (event) => {
    let frame: Frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type === "join") {
      let room = rooms.get(frame.room);
      if (!room) rooms.set(frame.room, room = new Set());
      room.add(socket);
      joined.add(frame.room);
    } else if (frame.type === "send") {
      const text = JSON.stringify({ type: "message", content: frame.content });
      for (const peer of rooms.get(frame.room) ?? []) {
        if (peer.readyState === WebSocket.OPEN) peer.send(text);
      }
    }
  };
  socket.onclose = () => {
    for (const id of joined) rooms.get(id)?.delete(socket);
  };
  socket.onerror = () => {};
  return response;
});
