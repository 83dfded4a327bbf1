/**
 * A store that takes no writes, on a real file system: a small tmpfs filled to the last byte,
 * or remounted read-only. Sends (REST and WebSocket), uploads and logins answer 503
 * `storage_full` with a Retry-After (never a 500), /readyz says so, nothing acked is lost and
 * the same sends land once the space is back; a read-only store at start ends the process
 * with one clear line.
 */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  json,
  ORIGIN,
  registerUser,
  startTestServer,
  uploadInit,
  withCookie,
} from "../support/helpers.ts";
import { openSocket } from "../support/ws_client.ts";
import { canMountSmallDisk, mountSmallDisk } from "../support/small_disk.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const ignore = !canMountSmallDisk;

Deno.test({
  name:
    "a full disk: sends, uploads and logins answer 503 storage_full, /readyz too; nothing acked is lost",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const disk = await mountSmallDisk(8 * 1024 * 1024);
    const server = await startTestServer({ KV_PATH: `${disk.dir}/chat.kv` });
    try {
      const ann = await registerUser(server, { username: "ann", password: "a long password" });
      const ben = await registerUser(server);
      const id = await createConversationVia(server, ann.cookie, [ben.user]);
      const send = (content: string, clientId: string) =>
        server.fetch(`/api/conversations/${id}/messages`, {
          ...json("POST", { content, clientId }, ann.cookie),
        });
      assert.equal((await send("before", "c-before")).status, 201);
      const socket = await openSocket(server.base, ann.cookie);
      socket.send({ type: "join", conversationId: id });
      await socket.next("recent_messages");
      assert.equal((await server.fetch("/readyz")).status, 200);

      await disk.fill();

      const rest = await send("while full", "c-rest");
      const restError = await assertError(rest, 503, "storage_full");
      assert.match(restError.message, /full or read-only/);
      assert.ok(Number(rest.headers.get("retry-after")) > 0, "a Retry-After");

      socket.send({
        type: "send_message",
        conversationId: id,
        content: "over the socket while full",
        clientId: "c-ws",
      });
      const refused = await socket.next("error", (f) => f.ref === "c-ws");
      assert.equal(refused.code, "storage_full");

      const upload = await server.fetch(
        `/api/conversations/${id}/files`,
        uploadInit("notes.txt", "x".repeat(200_000), ann.cookie),
      );
      await assertError(upload, 503, "storage_full");

      const login = await server.fetch(
        "/api/auth/login",
        json("POST", { username: "ann", password: "a long password" }),
      );
      await assertError(login, 503, "storage_full");

      // Without JavaScript: back to the page, which says why (reading still works).
      const formSend = await server.fetch(`/api/conversations/${id}/messages`, {
        method: "POST",
        redirect: "manual",
        headers: {
          origin: ORIGIN,
          cookie: ann.cookie,
          accept: "text/html",
          "content-type": "application/x-www-form-urlencoded",
          referer: `${server.base}/conversations/${id}`,
        },
        body: "content=without+javascript",
      });
      assert.equal(formSend.status, 303);
      const back = formSend.headers.get("location") ?? "";
      assert.match(back, /\/conversations\/.*\?error=storage_full$/);
      const page = await server.fetch(back, withCookie(ann.cookie));
      assert.equal(page.status, 200, "pages are read while the disk is full");
      assert.match(await page.text(), /cannot save anything right now/);

      const ready = await server.fetch("/readyz");
      assert.equal(ready.status, 503);
      assert.equal((await ready.json()).error.code, "storage_full");

      await disk.free();

      assert.equal((await server.fetch("/readyz")).status, 200);
      assert.equal((await send("while full", "c-rest")).status, 201, "the same send, again");
      socket.send({
        type: "send_message",
        conversationId: id,
        content: "over the socket while full",
        clientId: "c-ws",
      });
      await socket.next("ack", (f) => f.clientId === "c-ws");
      await socket.close();
      const history = await server.fetch(
        `/api/conversations/${id}/messages?limit=100`,
        withCookie(ann.cookie),
      );
      const messages: { seq: number; content: string }[] = (await history.json()).messages;
      assert.deepEqual(messages.map((m) => [m.seq, m.content]), [
        [1, "before"],
        [2, "while full"],
        [3, "over the socket while full"],
      ]);
    } finally {
      await server.close();
      await disk.unmount();
    }
  },
});

/** Runs main.ts on `kvPath` until it exits (at most 60 s): its code, stdout and stderr. */
async function startMain(kvPath: string) {
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
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const out = await child.output();
  clearTimeout(timer);
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test({
  name: "a read-only store at start ends the process with one clear line, no stack trace",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const disk = await mountSmallDisk(4 * 1024 * 1024);
    try {
      const kv = await Deno.openKv(`${disk.dir}/chat.kv`);
      await kv.set(["user", "someone"], { made: "before" });
      kv.close();
      await disk.readOnly(true);
      for (const path of [`${disk.dir}/chat.kv`, `${disk.dir}/new/chat.kv`]) {
        const run = await startMain(path);
        assert.equal(run.code, 1, `exits 1, not serving:\n${run.stdout}${run.stderr}`);
        const lines = run.stderr.trim().split("\n");
        assert.equal(lines.length, 1, `one line:\n${run.stderr}`);
        const { level, msg } = JSON.parse(lines[0]);
        assert.equal(level, "error");
        assert.match(msg, /^cannot start: the store at .* takes no writes .*read-only/i);
        assert.doesNotMatch(run.stdout + run.stderr, /Uncaught|\n\s+at /);
      }
    } finally {
      await disk.unmount();
    }
  },
});
