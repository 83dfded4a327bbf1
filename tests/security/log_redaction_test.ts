/**
 * Logs keep no secrets. A real server process at LOG_LEVEL=debug is driven through
 * registration, sign-in, a password change, messages over HTTP and the WebSocket, an
 * edit, search, sessions, OAuth sign-in (a real provider) and metrics; then its whole
 * stdout and stderr must be JSON lines with request ids, holding none of the passwords,
 * cookies, session ids, tokens, codes or message words that went through it.
 */
import assert from "node:assert/strict";
import { sessionCookieOf } from "../support/helpers.ts";
import { Jar, startProvider } from "../support/oauth_client.ts";
import { startServerProcess } from "../support/process.ts";
import { openSocket, sendAndAck } from "../support/ws_client.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const METRICS_TOKEN = "METRICSTOKENVALUE-0123456789";

Deno.test({
  name: "no password, cookie, session id, token or message body reaches the logs",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const provider = await startProvider();
    const kvDir = await Deno.makeTempDir({ prefix: "hearth-logs-" });
    const server = await startServerProcess({
      args: ["run", "-A", "main.ts"],
      cwd: ROOT,
      env: {
        DENO_ENV: "test",
        LOG_LEVEL: "debug",
        KV_PATH: `${kvDir}/chat.kv`,
        METRICS_TOKEN,
        GITHUB_CLIENT_ID: "gh-client",
        GITHUB_CLIENT_SECRET: "GHCLIENTSECRETVALUE",
        GITHUB_AUTHORIZE_URL: `${provider.issuer}/authorize`,
        GITHUB_TOKEN_URL: `${provider.issuer}/token`,
        GITHUB_API_URL: provider.issuer,
        // Email on (nothing listens there: mail waits in its queue), for the emailed links.
        SMTP_URL: "smtp://127.0.0.1:9",
        MAIL_FROM: "hearth@example.test",
      },
    });
    const base = server.base;
    /** Every value that must never be logged. */
    const secrets: string[] = [METRICS_TOKEN, "GHCLIENTSECRETVALUE"];
    /** Values too short to search for (a flag cookie's "1") are no credentials anyway. */
    const keep = (...values: string[]) => secrets.push(...values.filter((v) => v.length >= 8));
    const cookieValue = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1);
    /** X-Request-Id of answers whose requests must have a log line. */
    const requestIds: string[] = [];
    const call = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const headers = new Headers(init.headers);
      headers.set("origin", base);
      if (init.json !== undefined) headers.set("content-type", "application/json");
      const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
      const res = await fetch(`${base}${path}`, { ...init, headers, body, redirect: "manual" });
      requestIds.push(res.headers.get("x-request-id") ?? "missing");
      return res;
    };

    try {
      const passwords = ["PASSWORDONE long", "PASSWORDTWO long", "PASSWORDNEW long"];
      keep(...passwords, "PASSWORDWRONG long");
      const ann = await call("/api/auth/register", {
        method: "POST",
        json: { username: "logann", password: passwords[0] },
      });
      assert.equal(ann.status, 201);
      await ann.body?.cancel();
      keep(cookieValue(sessionCookieOf(ann)));
      // The no-JavaScript form: fields in an urlencoded body.
      const bob = await call("/api/auth/register", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username: "logbob", password: passwords[1] }).toString(),
      });
      assert.equal(bob.status, 303);
      keep(cookieValue(sessionCookieOf(bob)));
      await bob.body?.cancel();

      const wrong = await call("/api/auth/login", {
        method: "POST",
        json: { username: "logann", password: "PASSWORDWRONG long" },
      });
      assert.equal(wrong.status, 401);
      await wrong.body?.cancel();
      const login = await call("/api/auth/login", {
        method: "POST",
        json: { username: "logann", password: passwords[0] },
      });
      assert.equal(login.status, 200);
      await login.body?.cancel();
      keep(cookieValue(sessionCookieOf(login)));

      const changed = await call("/api/auth/password", {
        method: "POST",
        headers: { cookie: sessionCookieOf(login) },
        json: { currentPassword: passwords[0], newPassword: passwords[2] },
      });
      assert.equal(changed.status, 204);
      const cookie = sessionCookieOf(changed);
      keep(cookieValue(cookie));

      const sessions = await call("/api/auth/sessions", { headers: { cookie } });
      const sessionIds = (await sessions.json()).sessions.map((s: { id: string }) => s.id);
      keep(...sessionIds);
      const bobId = (await (await call("/api/conversations/users?search=logbob", {
        headers: { cookie },
      })).json()).users[0].id;
      const created = await call("/api/conversations", {
        method: "POST",
        headers: { cookie },
        json: { participantIds: [bobId] },
      });
      const conversationId = (await created.json()).conversation.id;
      keep("BODYWORDREST", "BODYWORDSOCKET", "BODYWORDEDIT", "BODYWORDBAD");
      const sent = await call(`/api/conversations/${conversationId}/messages`, {
        method: "POST",
        headers: { cookie },
        json: { content: "hello BODYWORDREST there" },
      });
      assert.equal(sent.status, 201);
      await sent.body?.cancel();
      const edited = await call(`/api/conversations/${conversationId}/messages/1`, {
        method: "PATCH",
        headers: { cookie },
        json: { content: "now BODYWORDEDIT instead" },
      });
      assert.equal(edited.status, 200);
      await edited.body?.cancel();
      const found = await call("/api/search?q=bodywordedit", { headers: { cookie } });
      assert.equal((await found.json()).results.length, 1);

      const socket = await openSocket(base, cookie);
      await sendAndAck(socket, conversationId, "live BODYWORDSOCKET words", "c-1");
      socket.send({ type: "send_message", conversationId, content: 42, clientId: "BODYWORDBAD" });
      socket.send("not json BODYWORDBAD");
      await socket.next("error");
      socket.ws.close();
      await socket.closed;

      const revoke = await call(`/api/auth/sessions/${sessionIds.at(-1)}`, {
        method: "DELETE",
        headers: { cookie },
      });
      assert.ok([204, 404].includes(revoke.status), `revoke: ${revoke.status}`);
      await revoke.body?.cancel();

      // OAuth: the code, the state and every cookie of the flow are secrets too.
      await provider.control({ identity: { sub: "4242", login: "octologs", name: "Octo" } });
      const jar = new Jar();
      const isCallback = (u: URL) => u.origin === base && u.pathname.endsWith("/callback");
      const { url: callback } = await jar.follow(
        `${base}/auth/oauth/github/signin`,
        (next) => !isCallback(next),
      );
      keep(callback.searchParams.get("code")!, callback.searchParams.get("state")!);
      keep(...jar.cookies.values());
      const done = await jar.follow(callback.href);
      await done.res.body?.cancel();
      keep(...jar.cookies.values());
      assert.equal(
        (await (await jar.get(`${base}/api/auth/check`)).json()).user.username,
        "octologs",
      );
      // A refused token exchange is logged (a warning) within its request.
      await provider.control({ failToken: true });
      const failing = new Jar();
      const { url: failCallback } = await failing.follow(
        `${base}/auth/oauth/github/signin`,
        (next) => !isCallback(next),
      );
      keep(failCallback.searchParams.get("code")!, failCallback.searchParams.get("state")!);
      keep(...failing.cookies.values());
      const refused = await failing.get(failCallback);
      assert.equal(refused.status >= 400 && refused.status < 500, true, `${refused.status}`);
      const refusedId = refused.headers.get("x-request-id");
      await refused.body?.cancel();

      // The tokens of emailed links (confirm, reset, unsubscribe) are credentials.
      for (const path of ["/email/confirm/", "/reset/", "/email/unsubscribe/"]) {
        const token = `EMAILEDLINKTOKEN${path.length}x${crypto.randomUUID()}`;
        keep(token);
        const res = await call(`${path}${token}`);
        assert.equal(res.status, 404, path);
        await res.body?.cancel();
      }

      const metrics = await call("/metrics", {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      assert.equal(metrics.status, 200);
      await metrics.body?.cancel();

      const status = await server.stop();
      assert.equal(status.code, 0);
      const output = server.output();
      const lines = output.split("\n").filter((l) => l.trim() !== "");
      const records = lines.map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new Error(`a log line that is not JSON: ${line}`);
        }
      });
      for (const r of records) {
        assert.equal(typeof r.time, "string");
        assert.ok(["debug", "info", "warn", "error"].includes(r.level as string), `${r.level}`);
        assert.equal(typeof r.msg, "string");
      }
      assert.ok(records.some((r) => r.level === "debug"), "LOG_LEVEL=debug writes debug lines");
      const logged = new Set(records.filter((r) => r.msg === "request").map((r) => r.requestId));
      for (const id of requestIds) assert.ok(logged.has(id), `no request line for ${id}`);
      const warning = records.find((r) => r.msg === "oauth code exchange failed");
      assert.ok(warning, "the refused exchange was logged");
      assert.equal(warning.requestId, refusedId, "the warning carries its request's id");

      for (const secret of secrets) {
        assert.ok(!output.includes(secret), `the logs hold a secret: ${secret}`);
      }
    } finally {
      await server.stop();
      await provider.close();
      await Deno.remove(kvDir, { recursive: true });
    }
  },
});
