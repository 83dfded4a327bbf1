// Socket.IO comparison server for `deno task bench:realtime` (run with Node, not Deno).
// websocket transport only; "join" puts the socket in a room, "send" emits "message" to
// every socket in the room (the sender too). Usage: node server.mjs <port>
import { createServer } from "node:http";
import { createRequire } from "node:module";

// require, not import: `deno check bench/` resolves static imports, and socket.io is a Node
// dependency of this folder only (bench/socketio/node_modules), not of the Deno project.
const { Server } = createRequire(import.meta.url)("socket.io");

const port = Number(process.argv[2] ?? 3000);
const http = createServer();
const io = new Server(http, { transports: ["websocket"], serveClient: false });

io.on("connection", (socket) => {
  socket.on("join", (room) => socket.join(String(room)));
  socket.on("send", (data) => io.to(String(data.room)).emit("message", data.content));
});

const stop = () => io.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
http.listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
