/** Test helpers: a fresh app on its own `:memory:` KV, user factories, request builders. */
import assert from "node:assert/strict";
import { parseConfig } from "../../config.ts";
import type { AppContext } from "../../lib/context.ts";
import { createApp, createContext } from "../../main.ts";
import type { User } from "../../lib/accounts/mod.ts";
import { type Notifier, startNotifier } from "../../lib/notify/mod.ts";
import { type OutgoingWebhooks, startOutgoingWebhooks } from "../../lib/integrations/mod.ts";
import { type Previews, startPreviews } from "../../lib/previews/mod.ts";

export type TestApp = {
  ctx: AppContext;
  /** The notifier, when the test asked for it (NOTIFIER: "1"; NOTIFY_GRACE_MS, default 0). */
  notifier: Notifier | null;
  /** The outgoing webhooks' loop and worker, when the test asked (WEBHOOKS: "1"). */
  webhooks: OutgoingWebhooks | null;
  /** The link-preview worker, when the test asked (PREVIEWS: "1"). */
  previews: Previews | null;
  /** Calls the app's fetch handler in-process. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
};

export const ORIGIN = "http://localhost";

/** A registered user and their session cookie. */
export type Person = { user: User; cookie: string };

let counter = 0;

/** An app on a fresh in-memory KV, with its own doorbell channel so tests never cross. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const { NOTIFIER, NOTIFY_GRACE_MS, WEBHOOKS, PREVIEWS, ...rest } = env;
  // Registration is open in tests unless a test asks for invites (REGISTRATION: "invite").
  const config = parseConfig({
    KV_PATH: ":memory:",
    DENO_ENV: "test",
    LOG_LEVEL: "error",
    REGISTRATION: "open",
    ...rest,
  });
  const ctx = await createContext(config, { channelName: `test-${Deno.pid}-${++counter}` });
  const app = createApp(ctx);
  // The notifier and its outbox workers only where a test asks: the other tests stay as they were.
  const notifier = NOTIFIER === "1"
    ? startNotifier(ctx, { graceMs: Number(NOTIFY_GRACE_MS ?? 0), pollMs: 50 })
    : null;
  const webhooks = WEBHOOKS === "1" ? startOutgoingWebhooks(ctx, { pollMs: 50 }) : null;
  const previews = PREVIEWS === "1" ? startPreviews(ctx, { pollMs: 50 }) : null;
  return {
    ctx,
    notifier,
    webhooks,
    previews,
    fetch: async (path, init) => await app.fetch(new Request(new URL(path, ORIGIN), init)),
    close: async () => {
      await previews?.stop();
      await webhooks?.stop();
      await notifier?.stop();
      // The search indexer's commit in flight finishes before the store closes.
      await ctx.hub.indexed();
      ctx.hub.close();
      ctx.kv.close();
      await Promise.resolve();
    },
  };
}

/** Runs `fn` against a fresh app, closing it afterwards. */
export async function withApp(
  fn: (app: TestApp) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  const app = await startTestApp(env);
  try {
    await fn(app);
  } finally {
    await app.close();
  }
}

/** JSON request options, with the session cookie when given. */
export function json(method: string, body?: unknown, cookie?: string): RequestInit {
  const headers: Record<string, string> = { origin: ORIGIN };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (cookie) headers.cookie = cookie;
  return { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
}

/** A GET with the session cookie. */
export function withCookie(cookie: string): RequestInit {
  return { headers: { cookie } };
}

/** "name=value" of the session cookie a response set. */
export function sessionCookieOf(res: Response): string {
  const header = res.headers.getSetCookie().find((c) =>
    c.startsWith("sid=") || c.startsWith("__Host-sid=")
  );
  if (!header) throw new Error("no session cookie was set");
  return header.split(";")[0];
}

let userCounter = 0;

/** Registers a user (unique name unless given) and returns them with their cookie. */
export async function registerUser(
  app: Pick<TestApp, "fetch">,
  options: { username?: string; displayName?: string; password?: string } = {},
): Promise<{ user: User; cookie: string; password: string }> {
  const username = options.username ?? `user${Date.now().toString(36)}${++userCounter}`;
  const password = options.password ?? "correct horse battery";
  const res = await app.fetch(
    "/api/auth/register",
    json("POST", { username, password, displayName: options.displayName }),
  );
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  const { user } = await res.json();
  return { user, cookie: sessionCookieOf(res), password };
}

/** Creates a conversation as `cookie`'s user with the given people; returns its id. */
export async function createConversationVia(
  app: Pick<TestApp, "fetch">,
  cookie: string,
  others: User[],
  title?: string,
): Promise<string> {
  const res = await app.fetch(
    "/api/conversations",
    json("POST", { participantIds: others.map((u) => u.id), title }, cookie),
  );
  if (res.status !== 201 && res.status !== 200) throw new Error(`create failed: ${res.status}`);
  return (await res.json()).conversation.id;
}

/**
 * A project created by `cookie`'s person (201), with the people named in `members` added
 * (201 each): the project as the API answered it.
 */
export async function createProjectVia(
  server: Pick<TestApp, "fetch">,
  cookie: string,
  fields: { name: string; description?: string },
  members: string[] = [],
) {
  const made = await server.fetch("/api/projects", json("POST", fields, cookie));
  assert.equal(made.status, 201, await made.clone().text());
  const { project } = await made.json();
  for (const username of members) {
    const res = await server.fetch(
      `/api/projects/${project.id}/members`,
      json("POST", { username }, cookie),
    );
    assert.equal(res.status, 201, await res.text());
  }
  return project;
}

/** A real server on an ephemeral port around a test app (for WebSocket and browser tests). */
export async function startTestServer(env: Record<string, string> = {}) {
  const app = await startTestApp(env);
  const handler = createApp(app.ctx);
  const stop = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: stop.signal, onListen: () => {} },
    handler.fetch,
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    ...app,
    base,
    /** Real HTTP; the test Origin is rewritten to this server's own. */
    fetch: (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      if (headers.get("origin") === ORIGIN) headers.set("origin", base);
      return fetch(new URL(path, base), { ...init, headers });
    },
    close: async () => {
      app.ctx.hub.closeAll(1001, "test over");
      // Ended by its signal, not by a graceful shutdown, which waits for every connection:
      // Deno never ends a socket whose browser left before its 101 (lib/realtime/socket.ts,
      // OPEN_WAIT_MS), and a run once waited on one for good. (Deno cannot abort a server
      // once its shutdown began.) The sockets' close frames go out first, within 2 s.
      for (let waited = 0; app.ctx.hub.connections > 0 && waited < 2000; waited += 20) {
        await new Promise((r) => setTimeout(r, 20));
      }
      stop.abort();
      await server.finished;
      await app.close();
    },
  };
}

/** Form-post options, as a browser without JavaScript sends them, with the cookie when given. */
export function form(fields: Record<string, string>, cookie?: string): RequestInit {
  const headers: Record<string, string> = {
    origin: ORIGIN,
    "content-type": "application/x-www-form-urlencoded",
  };
  if (cookie) headers.cookie = cookie;
  return { method: "POST", headers, body: new URLSearchParams(fields).toString() };
}

/** Asserts the contract's error answer (status, JSON, `{error: {code, message}}`); returns it. */
export async function assertError(
  res: Response,
  status: number,
  code: string,
): Promise<{ code: string; message: string; fields?: Record<string, string> }> {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}`);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  const body = await res.json();
  assert.equal(body.error?.code, code);
  assert.equal(typeof body.error.message, "string");
  assert.ok(body.error.message.length > 0, "the error has a message for a person");
  return body.error;
}

/** Asserts a JSON answer with this status and returns its body. */
export async function okJson(res: Response, status = 200) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}`);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return await res.json();
}

/** A multipart upload of `content` as `name` (through FormData, as a browser sends it). */
export function uploadInit(
  name: string,
  content: BlobPart,
  cookie?: string,
  type = "text/plain",
): RequestInit {
  const body = new FormData();
  body.append("file", new File([content], name, { type }));
  const headers: Record<string, string> = { origin: ORIGIN };
  if (cookie) headers.cookie = cookie;
  return { method: "POST", headers, body };
}
