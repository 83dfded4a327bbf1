import assert from "node:assert/strict";
import { sessionCookieOf } from "../support/helpers.ts";
import { DenoWebSocket } from "../support/ws_client.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Starts `main.ts` as its own process on a free port and waits until it listens. */
async function startProcess(kvPath: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: ROOT,
    env: {
      KV_PATH: kvPath,
      PORT: "0",
      HOSTNAME: "127.0.0.1",
      LOG_LEVEL: "info",
      REGISTRATION: "open",
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    const match = buffered.match(/"msg":"listening","url":"(http:\/\/[^"]+)\/"/);
    if (match) {
      // Keep draining stdout so the child never blocks on a full pipe.
      (async () => {
        while (!(await reader.read()).done) { /* discard */ }
      })().catch(() => {});
      return { child, base: match[1] };
    }
  }
  child.kill("SIGKILL");
  throw new Error(`server did not start:\n${buffered}`);
}

Deno.test({
  name: "restarting the server on the same KV file keeps users, sessions and messages",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const kvPath = `${dir}/chat.kv`;
    try {
      let server = await startProcess(kvPath);
      const post = (path: string, body: unknown, cookie?: string) =>
        fetch(`${server.base}${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            origin: server.base,
            ...(cookie ? { cookie } : {}),
          },
          body: JSON.stringify(body),
        });
      const a = await post("/api/auth/register", {
        username: "ann",
        password: "a long enough password",
      });
      assert.equal(a.status, 201);
      const annCookie = sessionCookieOf(a);
      const b = await post("/api/auth/register", {
        username: "ben",
        password: "a long enough password",
      });
      assert.equal(b.status, 201);
      const ben = (await b.json()).user;
      const conv = await post("/api/conversations", { participantIds: [ben.id] }, annCookie);
      const conversationId = (await conv.json()).conversation.id;
      for (const content of ["first", "second"]) {
        const res = await post(
          `/api/conversations/${conversationId}/messages`,
          { content },
          annCookie,
        );
        assert.equal(res.status, 201);
      }

      // An open socket is told the server is restarting (1012), and the process ends in time.
      const socket = new DenoWebSocket(`${server.base.replace("http", "ws")}/api/ws`, {
        headers: { cookie: annCookie, origin: server.base },
      });
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      const closed = new Promise<CloseEvent>((resolve) => (socket.onclose = resolve));
      const stopping = Date.now();
      server.child.kill("SIGTERM");
      assert.equal((await closed).code, 1012);
      const status = await server.child.status;
      assert.equal(status.code, 0, "SIGTERM ends the server cleanly");
      assert.ok(Date.now() - stopping < 5000, "within 5 s");

      server = await startProcess(kvPath);
      const check = await fetch(`${server.base}/api/auth/check`, {
        headers: { cookie: annCookie },
      });
      assert.deepEqual((await check.json()).user?.username, "ann");
      const history = await fetch(`${server.base}/api/conversations/${conversationId}/messages`, {
        headers: { cookie: annCookie },
      });
      assert.equal(history.status, 200);
      const page = await history.json();
      assert.deepEqual(
        page.messages.map((m: { seq: number; content: string }) => [m.seq, m.content]),
        [
          [1, "first"],
          [2, "second"],
        ],
      );
      const login = await post("/api/auth/login", {
        username: "ben",
        password: "a long enough password",
      });
      assert.equal(login.status, 200);
      server.child.kill("SIGTERM");
      await server.child.status;
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
