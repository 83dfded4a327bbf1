/**
 * Authorization matrix (issue 5). Every route of the real app and every WebSocket client
 * frame has a row saying what a signed-out client gets, what a signed-in outsider gets on
 * someone else's objects (a 404 byte-identical to the one for an id that does not exist),
 * and what a member gets (a positive control, so the matrix cannot pass by everything
 * failing). A route or frame type without a row fails the test.
 */
import assert from "node:assert/strict";
import { clientFrameSchema } from "../../lib/shared/protocol.ts";
import { createApp } from "../../main.ts";
import { getEmailRecord, sessionIdOf, unsubscribeToken } from "../../lib/accounts/mod.ts";
import type { Job, Mail } from "../../lib/outbound/mod.ts";
import { outboxQueuePrefix } from "../../lib/storage/mod.ts";
import {
  ORIGIN,
  type Person,
  registerUser,
  sessionCookieOf,
  startTestServer,
  withCookie,
} from "../support/helpers.ts";
import {
  addMember,
  assertVictimUnchanged,
  buildVictimWorld,
  conversationWith,
  postMessage,
  projectWith,
  snapshotVictim,
  uploadFile,
  type VictimWorld,
} from "./security_world.ts";
import {
  chatTest,
  Client,
  DenoWebSocket,
  join,
  rawUpgrade,
  sendAndAck,
} from "../support/ws_client.ts";

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** The world of the HTTP matrix: the victim's, plus Eve (signed in, in none of it). */
type Fixture = VictimWorld & {
  server: Server;
  eve: Person;
  /** Eve's own project: she is its owner, Vic and Val are not in it. */
  eveProject: string;
  /** The server-side id of Vic's session (what the sessions API names sessions by). */
  vicSessionId: string;
  /** Vic's channels: a private one with Val in it, and a public one. */
  privateChannel: string;
  publicChannel: string;
  /** An invite of Vic's. */
  vicInvite: { id: string; code: string };
  /** Issue 19: Vic's token (by id), his bot, and the group's webhooks he made (in and out). */
  vicTokenId: string;
  vicBotId: string;
  vicHook: { id: string; url: string };
  vicOutgoingId: string;
  /** A channel of Eve's own, where she may manage webhooks (and name Vic's hook ids). */
  eveChannel: string;
};

const PASSWORD = "correct horse battery";
/** What opens /metrics in this test (the route is 404 without one). */
const METRICS_TOKEN = "matrix-metrics-token-0123456789";

/** A person's session id, from their cookie (the id is the token's hash). */
function sessionIdFromCookie(cookie: string): Promise<string> {
  return sessionIdOf(cookie.slice(cookie.indexOf("=") + 1));
}

/** A second session for `who` (a fresh sign-in), as a Person with that cookie. */
async function signInAgain(server: Server, who: Person): Promise<Person> {
  const res = await send(
    server,
    post("/api/auth/login", {
      json: { username: who.user.username, password: PASSWORD },
    }),
  );
  assert.equal(res.status, 200);
  await res.body?.cancel();
  return { user: who.user, cookie: sessionCookieOf(res) };
}

/** Whether a cookie still signs someone in. */
async function signedIn(server: Server, cookie: string): Promise<boolean> {
  return (await okJson(await server.fetch("/api/auth/check", withCookie(cookie)))).authenticated;
}

type Body =
  | { json: unknown }
  | { raw: string; type: string }
  | { form: Record<string, string> }
  | { file: string };
type Req = { method: string; path: string; body?: Body; accept?: string };

/**
 * How the matrix signs its requests in: "cookie" (a browser: the session cookie and a
 * same-origin Origin), or "bearer" (a program: each person's personal access token on /api
 * routes, no cookie and no Origin at all; pages still get the cookie). The two runs below
 * set it in turn (the tests of one file run one after another).
 */
let mode: "cookie" | "bearer" = "cookie";
/** Each person's access token in the bearer run (made on first use, with their cookie). */
const tokens = new Map<string, string>();

async function tokenOf(server: Server, who: Person): Promise<string> {
  const known = tokens.get(who.cookie);
  if (known) return known;
  const res = await server.fetch("/api/tokens", {
    method: "POST",
    headers: { cookie: who.cookie, origin: ORIGIN, "content-type": "application/json" },
    body: JSON.stringify({ name: "matrix" }),
  });
  const { secret } = await okJson(res, 201);
  tokens.set(who.cookie, secret);
  return secret;
}

/**
 * Sends `req` as `who` (signed out without), never following redirects: with the cookie and
 * a same-origin Origin, or in the bearer run with `who`'s token on an /api route.
 */
async function send(server: Server, req: Req, who?: Person): Promise<Response> {
  const headers: Record<string, string> = {};
  if (mode === "bearer" && req.path.startsWith("/api/")) {
    if (who) headers.authorization = `Bearer ${await tokenOf(server, who)}`;
  } else {
    headers.origin = ORIGIN;
    if (who) headers.cookie = who.cookie;
  }
  if (req.accept) headers.accept = req.accept;
  let body: BodyInit | undefined;
  const b = req.body;
  if (b && "json" in b) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(b.json);
  } else if (b && "raw" in b) {
    headers["content-type"] = b.type;
    body = b.raw;
  } else if (b && "form" in b) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(b.form).toString();
  } else if (b && "file" in b) {
    const form = new FormData();
    form.append("file", new File(["intruder's bytes"], b.file, { type: "text/plain" }));
    body = form;
  }
  return server.fetch(req.path, { method: req.method, headers, body, redirect: "manual" });
}

/** Everything a client can observe of an answer but the per-request id and the date. */
async function observe(res: Response, id: string) {
  const hide = (s: string) => s.replaceAll(id, "<id>");
  const headers = [...res.headers]
    .filter(([k]) => k !== "x-request-id" && k !== "date")
    .map(([k, v]) => `${k}: ${hide(v)}`);
  return { status: res.status, headers, body: hide(await res.text()) };
}

/** The same request on an object Eve may not see and on one that does not exist. */
type Probe = { what: string; hidden: Req; missing: Req; hiddenId: string; missingId: string };

/** A probe per hidden id, each against the same request on `missingId`. */
function probes(
  what: string,
  template: (id: string) => Req,
  hiddenIds: Record<string, string>,
  missingId: string,
): Probe[] {
  return Object.entries(hiddenIds).map(([name, hiddenId]) => ({
    what: `${what} (${name})`,
    hidden: template(hiddenId),
    missing: template(missingId),
    hiddenId,
    missingId,
  }));
}

const HTML = "text/html,application/xhtml+xml";
const BAD_JSON: Body = { raw: '{"content": ', type: "application/json" };

function conversationProbes(fx: Fixture, template: (id: string) => Req[]): Probe[] {
  const hidden = {
    direct: fx.directId,
    group: fx.groupId,
    project: fx.project.conversationId,
    "not an id": "not-an-id!",
  };
  return template("X").flatMap((_, i) =>
    probes(`variant ${i + 1}`, (id) => template(id)[i], hidden, fx.missing.conversation)
  );
}

function projectProbes(fx: Fixture, template: (id: string) => Req[]): Probe[] {
  const hidden = { project: fx.project.id, "not an id": "not-an-id!" };
  return template("X").flatMap((_, i) =>
    probes(`variant ${i + 1}`, (id) => template(id)[i], hidden, fx.missing.project)
  );
}

/**
 * Requests naming a file: Vic's project and file against missing ones, and Vic's file asked
 * for through Eve's own project against a file that does not exist there.
 */
function fileProbes(fx: Fixture, template: (project: string, file: string) => Req): Probe[] {
  return [
    {
      what: "the victim's project and file",
      hidden: template(fx.project.id, fx.fileId),
      missing: template(fx.missing.project, fx.missing.file),
      hiddenId: fx.project.id,
      missingId: fx.missing.project,
    },
    {
      what: "the victim's file through Eve's own project",
      hidden: template(fx.eveProject, fx.fileId),
      missing: template(fx.eveProject, fx.missing.file),
      hiddenId: fx.fileId,
      missingId: fx.missing.file,
    },
  ];
}

/** Removing people: from Vic's project, and removing Vic (not a member) from Eve's project. */
function memberProbes(fx: Fixture, template: (project: string, user: string) => Req): Probe[] {
  return [
    ...probes("Val from the victim's project", (p) => template(p, fx.val.user.id), {
      project: fx.project.id,
    }, fx.missing.project),
    ...probes("Vic from the victim's project", (p) => template(p, fx.vic.user.id), {
      project: fx.project.id,
    }, fx.missing.project),
    ...probes("a non-member from Eve's project", (u) => template(fx.eveProject, u), {
      vic: fx.vic.user.id,
    }, fx.missing.user),
  ];
}

/** Vic's session (and an id that is no id) against a session that does not exist. */
function sessionProbes(fx: Fixture, template: (id: string) => Req): Probe[] {
  const missing = "A".repeat(43);
  return probes(
    "a session",
    template,
    { "Vic's": fx.vicSessionId, "not an id": "not-an-id!" },
    missing,
  );
}

type Row = {
  /**
   * Signed out: "unauthorized" is the API's 401 JSON, "to_login" a page's 303 to /login
   * (coming back afterwards); a function checks a public route's own answer.
   */
  signedOut: "unauthorized" | "to_login" | ((fx: Fixture, path: string) => Promise<void>);
  /** What Eve, signed in but in none of the victim's objects, gets. */
  outsider:
    | { probes: (fx: Fixture) => Probe[] }
    | { check: (fx: Fixture) => Promise<void> }
    | { none: string };
  /**
   * The positive control: someone entitled succeeds. (Only the OAuth callback delegates it:
   * succeeding needs a whole flow against a provider, which tests/oauth_test.ts runs.)
   */
  member: ((fx: Fixture) => Promise<void>) | { delegated: string };
};

async function okJson(res: Response, status = 200) {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${text}`);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return JSON.parse(text);
}

async function okPage(res: Response): Promise<string> {
  assert.equal(res.status, 200, `expected a page, got ${res.status}`);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  return await res.text();
}

function redirectsTo(res: Response, location: string) {
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), location);
}

const get = (path: string, accept?: string): Req => ({ method: "GET", path, accept });
const post = (path: string, body?: Body, accept?: string): Req => ({
  method: "POST",
  path,
  body,
  accept,
});

/** The expected behaviour of every route the app serves, keyed "METHOD /path". */
const THUMBS = encodeURIComponent("👍");

/** A message of Val's in a conversation of her own with Vic (the victim's stay as they are). */
async function ownMessage(fx: Fixture): Promise<{ id: string; seq: number }> {
  const id = await conversationWith(fx.server, fx.val, [fx.vic], { title: "Val's own" });
  const message = await postMessage(fx.server, fx.val, id, "mine to change");
  return { id, seq: message.seq };
}

const MATRIX: Record<string, Row> = {
  "POST /api/auth/register": {
    async signedOut(fx, path) {
      const res = await send(
        fx.server,
        post(path, {
          json: { username: `newbie${Date.now().toString(36)}`, password: "a long passphrase" },
        }),
      );
      assert.equal((await okJson(res, 201)).user.displayName.startsWith("newbie"), true);
    },
    outsider: { none: "creates an account; names no one's object" },
    async member(fx) {
      const res = await send(
        fx.server,
        post("/api/auth/register", {
          json: { username: fx.vic.user.username, password: PASSWORD },
        }),
        fx.eve,
      );
      assert.equal((await okJson(res, 409)).error.code, "username_taken");
    },
  },
  "POST /api/auth/login": {
    async signedOut(fx, path) {
      const wrong = await send(
        fx.server,
        post(path, {
          json: { username: fx.eve.user.username, password: "not her password" },
        }),
      );
      assert.equal((await okJson(wrong, 401)).error.code, "invalid_credentials");
    },
    outsider: { none: "signs in; names no one's object" },
    async member(fx) {
      const res = await send(
        fx.server,
        post("/api/auth/login", {
          json: { username: fx.eve.user.username, password: "correct horse battery" },
        }),
      );
      assert.equal((await okJson(res)).user.id, fx.eve.user.id);
    },
  },
  "POST /api/auth/logout": {
    async signedOut(fx, path) {
      const res = await send(fx.server, post(path));
      assert.equal(res.status, 204);
    },
    outsider: { none: "ends the caller's own session" },
    async member(fx) {
      const login = await send(
        fx.server,
        post("/api/auth/login", {
          json: { username: fx.eve.user.username, password: "correct horse battery" },
        }),
      );
      const cookie = login.headers.getSetCookie()[0].split(";")[0];
      await login.body?.cancel();
      const out = await send(fx.server, post("/api/auth/logout"), { user: fx.eve.user, cookie });
      assert.equal(out.status, 204);
      const check = await okJson(await fx.server.fetch("/api/auth/check", withCookie(cookie)));
      assert.equal(check.authenticated, false, "the session was revoked on the server");
    },
  },
  "GET /api/auth/check": {
    async signedOut(fx, path) {
      assert.deepEqual(await okJson(await send(fx.server, get(path))), {
        authenticated: false,
        user: null,
      });
    },
    outsider: { none: "describes the caller only" },
    async member(fx) {
      const body = await okJson(await send(fx.server, get("/api/auth/check"), fx.val));
      assert.equal(body.user.id, fx.val.user.id);
    },
  },
  "GET /api/auth/sessions": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        const body = await okJson(await send(fx.server, get("/api/auth/sessions"), fx.eve));
        const ids = body.sessions.map((s: { id: string }) => s.id);
        assert.ok(ids.length > 0 && !ids.includes(fx.vicSessionId), "only Eve's own sessions");
      },
    },
    async member(fx) {
      const body = await okJson(await send(fx.server, get("/api/auth/sessions"), fx.vic));
      const current = body.sessions.filter((s: { current: boolean }) => s.current);
      assert.deepEqual(current.map((s: { id: string }) => s.id), [fx.vicSessionId]);
    },
  },
  "DELETE /api/auth/sessions/:id": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        sessionProbes(fx, (id) => ({ method: "DELETE", path: `/api/auth/sessions/${id}` })),
    },
    async member(fx) {
      const second = await signInAgain(fx.server, fx.eve);
      const id = await sessionIdFromCookie(second.cookie);
      const res = await send(
        fx.server,
        { method: "DELETE", path: `/api/auth/sessions/${id}` },
        fx.eve,
      );
      assert.equal(res.status, 204);
      assert.equal(await signedIn(fx.server, second.cookie), false);
    },
  },
  "POST /api/auth/sessions/:id/revoke": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => [
        ...sessionProbes(fx, (id) => post(`/api/auth/sessions/${id}/revoke`)),
        ...sessionProbes(fx, (id) => post(`/api/auth/sessions/${id}/revoke`, { form: {} }, HTML)),
      ],
    },
    async member(fx) {
      const second = await signInAgain(fx.server, fx.eve);
      const id = await sessionIdFromCookie(second.cookie);
      const res = await send(
        fx.server,
        post(`/api/auth/sessions/${id}/revoke`, { form: {} }, HTML),
        fx.eve,
      );
      redirectsTo(res, "/account?done=session_ended");
      assert.equal(await signedIn(fx.server, second.cookie), false);
    },
  },
  "POST /api/auth/sessions/revoke-all": {
    signedOut: "unauthorized",
    outsider: { none: "ends the caller's own sessions only" },
    async member(fx) {
      const rex = await registerUser(fx.server, { password: PASSWORD });
      const res = await send(fx.server, post("/api/auth/sessions/revoke-all"), rex);
      assert.equal(res.status, 204);
      assert.equal(await signedIn(fx.server, rex.cookie), false);
    },
  },
  "POST /api/auth/password": {
    signedOut: "unauthorized",
    outsider: { none: "changes the caller's own password only" },
    async member(fx) {
      const pat = await registerUser(fx.server, { password: PASSWORD });
      const res = await send(
        fx.server,
        post("/api/auth/password", {
          json: { currentPassword: PASSWORD, newPassword: "a brand new passphrase 42" },
        }),
        pat,
      );
      assert.equal(res.status, 204);
    },
  },
  "GET /api/conversations": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        const body = await okJson(await send(fx.server, get("/api/conversations"), fx.eve));
        const ids = body.conversations.map((c: { id: string }) => c.id);
        for (const id of [fx.directId, fx.groupId, fx.project.conversationId]) {
          assert.ok(!ids.includes(id), "Eve's list holds none of the victim's conversations");
        }
      },
    },
    async member(fx) {
      const body = await okJson(await send(fx.server, get("/api/conversations"), fx.val));
      const ids = body.conversations.map((c: { id: string }) => c.id);
      for (const id of [fx.directId, fx.groupId, fx.project.conversationId]) {
        assert.ok(ids.includes(id));
      }
    },
  },
  "GET /api/conversations/users": {
    signedOut: "unauthorized",
    outsider: { none: "the user directory is open to every signed-in person by design" },
    async member(fx) {
      const body = await okJson(
        await send(
          fx.server,
          get(`/api/conversations/users?search=${fx.vic.user.username}`),
          fx.val,
        ),
      );
      assert.deepEqual(body.users.map((u: { id: string }) => u.id), [fx.vic.user.id]);
    },
  },
  "POST /api/conversations": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => [
        ...probes(
          "a conversation inside a project",
          (p) =>
            post("/api/conversations", {
              json: { participantIds: [fx.val.user.id], title: "Sneaky", projectId: p },
            }),
          { project: fx.project.id, "not an id": "not-an-id!" },
          fx.missing.project,
        ),
        ...probes(
          "alone inside a project",
          (p) =>
            post("/api/conversations", {
              form: { usernames: fx.eve.user.username, projectId: p },
            }, HTML),
          { project: fx.project.id },
          fx.missing.project,
        ),
      ],
    },
    async member(fx) {
      const res = await send(
        fx.server,
        post("/api/conversations", {
          json: { participantIds: [fx.val.user.id], title: "Inside", projectId: fx.project.id },
        }),
        fx.vic,
      );
      assert.equal((await okJson(res, 201)).conversation.projectId, fx.project.id);
    },
  },
  "GET /api/conversations/:id": {
    signedOut: "unauthorized",
    outsider: { probes: (fx) => conversationProbes(fx, (id) => [get(`/api/conversations/${id}`)]) },
    async member(fx) {
      const body = await okJson(
        await send(fx.server, get(`/api/conversations/${fx.groupId}`), fx.val),
      );
      assert.equal(body.conversation.title, "Secret plans");
    },
  },
  "GET /api/conversations/:id/messages": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          get(`/api/conversations/${id}/messages`),
          get(`/api/conversations/${id}/messages?after=0&limit=100`),
          // Invalid queries too: validation must not run before the membership check.
          get(`/api/conversations/${id}/messages?limit=abc`),
          get(`/api/conversations/${id}/messages?before=2&after=1`),
        ]),
    },
    async member(fx) {
      const body = await okJson(
        await send(fx.server, get(`/api/conversations/${fx.directId}/messages`), fx.val),
      );
      assert.deepEqual(body.messages.map((m: { content: string }) => m.content), [
        "first private message",
        "second private message",
        "a reply from Val",
      ]);
    },
  },
  "POST /api/conversations/:id/messages": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/messages`, { json: { content: "intrusion" } }),
          post(`/api/conversations/${id}/messages`, { json: { content: "x", clientId: "eve-1" } }),
          post(`/api/conversations/${id}/messages`, { json: {} }),
          post(`/api/conversations/${id}/messages`, BAD_JSON),
          post(`/api/conversations/${id}/messages`, { raw: "hi", type: "text/plain" }),
          post(`/api/conversations/${id}/messages`, { form: { content: "intrusion" } }, HTML),
        ]),
    },
    async member(fx) {
      const res = await send(
        fx.server,
        post(`/api/conversations/${fx.groupId}/messages`, { json: { content: "from Val" } }),
        fx.val,
      );
      assert.equal((await okJson(res, 201)).message.content, "from Val");
    },
  },
  "POST /api/conversations/:id/read": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/read`, { json: { seq: 1 } }),
          post(`/api/conversations/${id}/read`, { json: { seq: "many" } }),
        ]),
    },
    async member(fx) {
      const res = await send(
        fx.server,
        post(`/api/conversations/${fx.directId}/read`, { json: { seq: 2 } }),
        fx.vic,
      );
      assert.equal(res.status, 204);
    },
  },
  "GET /api/conversations/blocked": {
    signedOut: "unauthorized",
    outsider: { none: "lists the caller's own blocks only" },
    async member(fx) {
      const body = await okJson(await send(fx.server, get("/api/conversations/blocked"), fx.val));
      assert.ok(Array.isArray(body.users));
    },
  },
  "DELETE /api/conversations/blocked/:userId": {
    signedOut: "unauthorized",
    outsider: { none: "removes the caller's own block only" },
    async member(fx) {
      const path = `/api/conversations/blocked/${fx.vic.user.id}`;
      assert.equal((await send(fx.server, { method: "DELETE", path }, fx.val)).status, 204);
    },
  },
  "POST /api/conversations/blocked/:userId/remove": {
    signedOut: "unauthorized",
    outsider: { none: "removes the caller's own block only (the account page's form)" },
    async member(fx) {
      const path = `/api/conversations/blocked/${fx.vic.user.id}/remove`;
      redirectsTo(
        await send(fx.server, post(path, { form: {} }, HTML), fx.val),
        "/account?done=unblocked",
      );
      assert.equal((await send(fx.server, post(path), fx.val)).status, 204);
    },
  },
  "POST /api/conversations/:id/leave": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => conversationProbes(fx, (id) => [post(`/api/conversations/${id}/leave`)]),
    },
    async member(fx) {
      // A group of its own: the shared world's conversations stay as they are.
      const id = await conversationWith(fx.server, fx.vic, [fx.val], { title: "To leave" });
      const res = await send(fx.server, post(`/api/conversations/${id}/leave`), fx.val);
      assert.equal(res.status, 204);
    },
  },
  "POST /api/conversations/:id/block": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => conversationProbes(fx, (id) => [post(`/api/conversations/${id}/block`)]),
    },
    async member(fx) {
      const id = await conversationWith(fx.server, fx.vic, [fx.val], { title: "To block" });
      const res = await send(fx.server, post(`/api/conversations/${id}/block`), fx.val);
      assert.equal(res.status, 204);
      // Unblocked again: Vic keeps starting conversations with Val in other rows.
      const path = `/api/conversations/blocked/${fx.vic.user.id}`;
      assert.equal((await send(fx.server, { method: "DELETE", path }, fx.val)).status, 204);
    },
  },
  "GET /api/projects": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        const body = await okJson(await send(fx.server, get("/api/projects"), fx.eve));
        assert.deepEqual(body.projects.map((p: { id: string }) => p.id), [fx.eveProject]);
      },
    },
    async member(fx) {
      const body = await okJson(await send(fx.server, get("/api/projects"), fx.val));
      assert.deepEqual(body.projects.map((p: { id: string }) => p.id), [fx.project.id]);
    },
  },
  "POST /api/projects": {
    signedOut: "unauthorized",
    outsider: { none: "creates the caller's own project" },
    async member(fx) {
      const res = await send(fx.server, post("/api/projects", { json: { name: "Mine" } }), fx.val);
      assert.equal((await okJson(res, 201)).project.role, "owner");
    },
  },
  "GET /api/projects/:id": {
    signedOut: "unauthorized",
    outsider: { probes: (fx) => projectProbes(fx, (id) => [get(`/api/projects/${id}`)]) },
    async member(fx) {
      const body = await okJson(
        await send(fx.server, get(`/api/projects/${fx.project.id}`), fx.val),
      );
      assert.equal(body.project.name, "Secret project");
      assert.equal(body.members.length, 2);
    },
  },
  "POST /api/projects/:id/members": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        projectProbes(fx, (id) => [
          post(`/api/projects/${id}/members`, { json: { username: fx.eve.user.username } }),
          post(`/api/projects/${id}/members`, {
            json: { username: fx.eve.user.username, role: "admin" },
          }),
          post(`/api/projects/${id}/members`, { json: { username: "" } }),
          post(`/api/projects/${id}/members`, { form: { username: fx.eve.user.username } }, HTML),
        ]),
    },
    async member(fx) {
      const res = await send(
        fx.server,
        post(`/api/projects/${fx.eveProject}/members`, {
          json: { username: fx.val.user.username },
        }),
        fx.eve,
      );
      assert.equal((await okJson(res, 201)).member.user.id, fx.val.user.id);
    },
  },
  "DELETE /api/projects/:id/members/:userId": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        memberProbes(fx, (p, u) => ({ method: "DELETE", path: `/api/projects/${p}/members/${u}` })),
    },
    async member(fx) {
      // Val is in Eve's project since the row above: Eve removes her.
      const res = await send(fx.server, {
        method: "DELETE",
        path: `/api/projects/${fx.eveProject}/members/${fx.val.user.id}`,
      }, fx.eve);
      assert.equal(res.status, 204);
    },
  },
  "POST /api/projects/:id/members/:userId/remove": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => [
        ...memberProbes(fx, (p, u) => post(`/api/projects/${p}/members/${u}/remove`)),
        ...memberProbes(
          fx,
          (p, u) => post(`/api/projects/${p}/members/${u}/remove`, { form: {} }, HTML),
        ),
      ],
    },
    async member(fx) {
      await addMember(fx.server, fx.eve, fx.eveProject, fx.val);
      const res = await send(
        fx.server,
        post(`/api/projects/${fx.eveProject}/members/${fx.val.user.id}/remove`, { form: {} }, HTML),
        fx.val,
      );
      redirectsTo(res, "/projects");
    },
  },
  "GET /api/projects/:id/files": {
    signedOut: "unauthorized",
    outsider: { probes: (fx) => projectProbes(fx, (id) => [get(`/api/projects/${id}/files`)]) },
    async member(fx) {
      const body = await okJson(
        await send(fx.server, get(`/api/projects/${fx.project.id}/files`), fx.vic),
      );
      assert.deepEqual(body.files.map((f: { id: string }) => f.id), [fx.fileId]);
    },
  },
  "POST /api/projects/:id/files": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        projectProbes(fx, (id) => [
          post(`/api/projects/${id}/files`, { file: "planted.txt" }),
          post(`/api/projects/${id}/files`, { file: "planted.txt" }, HTML),
          post(`/api/projects/${id}/files`, {
            raw: "--x--",
            type: "multipart/form-data; boundary=x",
          }),
          post(`/api/projects/${id}/files`, { json: {} }),
        ]),
    },
    async member(fx) {
      const res = await send(
        fx.server,
        post(`/api/projects/${fx.project.id}/files`, { file: "v.txt" }),
        fx.vic,
      );
      assert.equal((await okJson(res, 201)).file.name, "v.txt");
    },
  },
  "GET /api/projects/:id/files/:fileId": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => [
        ...fileProbes(fx, (p, f) => get(`/api/projects/${p}/files/${f}`)),
        ...fileProbes(fx, (p, f) => get(`/api/projects/${p}/files/${f}?inline=1`)),
      ],
    },
    async member(fx) {
      const res = await send(
        fx.server,
        get(`/api/projects/${fx.project.id}/files/${fx.fileId}`),
        fx.vic,
      );
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "the victim's private notes\n");
    },
  },
  "DELETE /api/projects/:id/files/:fileId": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        fileProbes(fx, (p, f) => ({ method: "DELETE", path: `/api/projects/${p}/files/${f}` })),
    },
    async member(fx) {
      const id = await uploadFile(fx.server, fx.val, fx.project.id, "short-lived.txt");
      const res = await send(fx.server, {
        method: "DELETE",
        path: `/api/projects/${fx.project.id}/files/${id}`,
      }, fx.val);
      assert.equal(res.status, 204);
    },
  },
  "POST /api/projects/:id/files/:fileId/delete": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => [
        ...fileProbes(fx, (p, f) => post(`/api/projects/${p}/files/${f}/delete`)),
        ...fileProbes(
          fx,
          (p, f) => post(`/api/projects/${p}/files/${f}/delete`, { form: {} }, HTML),
        ),
      ],
    },
    async member(fx) {
      const id = await uploadFile(fx.server, fx.val, fx.project.id, "short-lived.txt");
      const res = await send(
        fx.server,
        post(`/api/projects/${fx.project.id}/files/${id}/delete`, { form: {} }, HTML),
        fx.vic,
      );
      redirectsTo(res, `/projects/${fx.project.id}`);
    },
  },
  "GET /api/ws": {
    async signedOut(fx) {
      const { status, body } = await rawUpgrade(fx.server.base, { Origin: fx.server.base });
      assert.equal(status, 401);
      assert.equal(JSON.parse(body).error.code, "unauthorized");
    },
    // `?join=<id>` names a conversation: checked as the join frame is (its row below).
    outsider: {
      async check(fx) {
        for (const id of [fx.directId, fx.groupId]) {
          const client = await openSocket(fx, fx.eve, `?join=${id}`);
          const error = await client.next("error");
          assert.equal(error.code, "not_found");
          assert.equal(error.ref, id);
          await client.roundTrip();
          assert.deepEqual(client.pending("recent_messages"), [], "nothing of theirs is sent");
          await client.close();
        }
      },
    },
    async member(fx) {
      const plain = await openSocket(fx, fx.val, "");
      await plain.roundTrip();
      await plain.close();
      const joined = await openSocket(fx, fx.val, `?join=${fx.groupId}`);
      const recent = await joined.next("recent_messages");
      assert.equal(recent.conversationId, fx.groupId);
      assert.ok(recent.messages.some((m) => m.content === "group message"), "the group's history");
      await joined.close();
    },
  },
  "GET /auth/oauth/:provider/signin": {
    async signedOut(fx, path) {
      const start = await send(fx.server, get(path));
      assert.equal(start.status, 303);
      assert.match(start.headers.get("location") ?? "", /^https:\/\/github\.com\/login\/oauth/);
      // Linking an identity needs the account it goes to: signed out, sign in first.
      redirectsTo(
        await send(fx.server, get(`${path}?link=1`)),
        `/login?next=${encodeURIComponent(`${path}?link=1`)}`,
      );
      const unknown = await send(fx.server, get("/auth/oauth/nowhere/signin"));
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();
    },
    outsider: { none: "starts the caller's own sign-in; names no one's object" },
    async member(fx) {
      const res = await send(fx.server, get("/auth/oauth/github/signin?link=1"), fx.val);
      assert.equal(res.status, 303);
      assert.match(res.headers.get("location") ?? "", /^https:\/\/github\.com\/login\/oauth/);
    },
  },
  "GET /auth/oauth/:provider/callback": {
    async signedOut(fx, path) {
      // No flow was started here: an error page, and nobody is signed in.
      const res = await send(fx.server, get(`${path}?state=forged&code=x`));
      assert.equal(res.status, 400);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      assert.equal(res.headers.getSetCookie().length, 0);
      await res.body?.cancel();
    },
    outsider: {
      none: "a flow's state is bound to the browser that began it (tests/oauth_test.ts)",
    },
    member: { delegated: "tests/http/oauth_test.ts signs in and links through a real provider" },
  },
  "GET /api/conversations/:id/files": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => conversationProbes(fx, (id) => [get(`/api/conversations/${id}/files`)]),
    },
    async member(fx) {
      // A project's conversation reaches its project's files.
      const body = await okJson(
        await send(fx.server, get(`/api/conversations/${fx.project.conversationId}/files`), fx.vic),
      );
      assert.ok(body.files.some((f: { id: string }) => f.id === fx.fileId));
    },
  },
  "POST /api/conversations/:id/files": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/files`, { file: "planted.txt" }),
          post(`/api/conversations/${id}/files`, { file: "planted.txt" }, HTML),
          post(`/api/conversations/${id}/files`, {
            raw: "--x--",
            type: "multipart/form-data; boundary=x",
          }),
          post(`/api/conversations/${id}/files`, { json: {} }),
        ]),
    },
    async member(fx) {
      const { id } = await ownMessage(fx);
      const res = await send(
        fx.server,
        post(`/api/conversations/${id}/files`, { file: "v.txt" }),
        fx.vic,
      );
      const { file } = await okJson(res, 201);
      assert.equal(file.conversationId, id);
    },
  },
  "GET /api/conversations/:id/files/:fileId": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          get(`/api/conversations/${id}/files/${fx.fileId}`),
          get(`/api/conversations/${id}/files/${fx.fileId}?inline=1`),
        ]),
    },
    async member(fx) {
      const res = await send(
        fx.server,
        get(`/api/conversations/${fx.project.conversationId}/files/${fx.fileId}`),
        fx.vic,
      );
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "the victim's private notes\n");
    },
  },
  "DELETE /api/conversations/:id/files/:fileId": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          { method: "DELETE", path: `/api/conversations/${id}/files/${fx.fileId}` },
        ]),
    },
    async member(fx) {
      const { id } = await ownMessage(fx);
      const up = await send(
        fx.server,
        post(`/api/conversations/${id}/files`, { file: "x.txt" }),
        fx.val,
      );
      const { file } = await okJson(up, 201);
      const res = await send(fx.server, {
        method: "DELETE",
        path: `/api/conversations/${id}/files/${file.id}`,
      }, fx.val);
      assert.equal(res.status, 204);
    },
  },
  "POST /api/conversations/:id/files/:fileId/delete": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/files/${fx.fileId}/delete`),
          post(`/api/conversations/${id}/files/${fx.fileId}/delete`, { form: {} }, HTML),
        ]),
    },
    async member(fx) {
      const { id } = await ownMessage(fx);
      const up = await send(
        fx.server,
        post(`/api/conversations/${id}/files`, { file: "x.txt" }),
        fx.val,
      );
      const { file } = await okJson(up, 201);
      const res = await send(
        fx.server,
        post(`/api/conversations/${id}/files/${file.id}/delete`, { form: {} }, HTML),
        fx.val,
      );
      redirectsTo(res, `/conversations/${id}`);
    },
  },
  "PATCH /api/conversations/:id/messages/:seq": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          {
            method: "PATCH",
            path: `/api/conversations/${id}/messages/1`,
            body: { json: { content: "x" } },
          },
          { method: "PATCH", path: `/api/conversations/${id}/messages/1`, body: { json: {} } },
          {
            method: "PATCH",
            path: `/api/conversations/${id}/messages/abc`,
            body: { json: { content: "x" } },
          },
          { method: "PATCH", path: `/api/conversations/${id}/messages/1`, body: BAD_JSON },
        ]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const res = await send(
        fx.server,
        {
          method: "PATCH",
          path: `/api/conversations/${id}/messages/${seq}`,
          body: { json: { content: "edited" } },
        },
        fx.val,
      );
      assert.equal((await okJson(res)).message.content, "edited");
    },
  },
  "DELETE /api/conversations/:id/messages/:seq": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          { method: "DELETE", path: `/api/conversations/${id}/messages/1` },
          { method: "DELETE", path: `/api/conversations/${id}/messages/0` },
        ]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const res = await send(
        fx.server,
        { method: "DELETE", path: `/api/conversations/${id}/messages/${seq}` },
        fx.val,
      );
      assert.ok((await okJson(res)).message.deletedAt);
    },
  },
  "POST /api/conversations/:id/messages/:seq/edit": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/messages/1/edit`, { json: { content: "x" } }),
          post(`/api/conversations/${id}/messages/1/edit`, { form: { content: "x" } }, HTML),
        ]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const res = await send(
        fx.server,
        post(
          `/api/conversations/${id}/messages/${seq}/edit`,
          { form: { content: "edited" } },
          HTML,
        ),
        fx.val,
      );
      redirectsTo(res, `/conversations/${id}#m${seq}`);
    },
  },
  "POST /api/conversations/:id/messages/:seq/delete": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/messages/1/delete`),
          post(`/api/conversations/${id}/messages/1/delete`, { form: {} }, HTML),
        ]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const res = await send(
        fx.server,
        post(`/api/conversations/${id}/messages/${seq}/delete`, { form: {} }, HTML),
        fx.val,
      );
      redirectsTo(res, `/conversations/${id}#m${seq}`);
    },
  },
  "PUT /api/conversations/:id/messages/:seq/reactions/:emoji": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          { method: "PUT", path: `/api/conversations/${id}/messages/1/reactions/${THUMBS}` },
          { method: "PUT", path: `/api/conversations/${id}/messages/1/reactions/not-emoji` },
        ]),
    },
    async member(fx) {
      const res = await send(
        fx.server,
        { method: "PUT", path: `/api/conversations/${fx.directId}/messages/1/reactions/${THUMBS}` },
        fx.val,
      );
      assert.deepEqual((await okJson(res)).message.reactions, [
        { emoji: "👍", userIds: [fx.val.user.id] },
      ]);
    },
  },
  "POST /api/conversations/:id/messages/:seq/reactions/:emoji": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(
            `/api/conversations/${id}/messages/1/reactions/${THUMBS}`,
            { form: { on: "1" } },
            HTML,
          ),
          post(`/api/conversations/${id}/messages/1/reactions/${THUMBS}`, { form: { on: "x" } }),
        ]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const res = await send(
        fx.server,
        post(
          `/api/conversations/${id}/messages/${seq}/reactions/${THUMBS}`,
          { form: { on: "1" } },
          HTML,
        ),
        fx.vic,
      );
      redirectsTo(res, `/conversations/${id}#m${seq}`);
    },
  },
  "DELETE /api/conversations/:id/messages/:seq/reactions/:emoji": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          { method: "DELETE", path: `/api/conversations/${id}/messages/1/reactions/${THUMBS}` },
        ]),
    },
    async member(fx) {
      // The reaction the row above added.
      const res = await send(
        fx.server,
        {
          method: "DELETE",
          path: `/api/conversations/${fx.directId}/messages/1/reactions/${THUMBS}`,
        },
        fx.val,
      );
      assert.deepEqual((await okJson(res)).message.reactions, []);
    },
  },
  "GET /api/search": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        for (const q of ["private", "secret", "group message", "chatter", "reply"]) {
          const body = await okJson(await send(fx.server, get(`/api/search?q=${q}`), fx.eve));
          assert.deepEqual(body.results, [], `Eve found the victim's messages for "${q}"`);
        }
      },
    },
    async member(fx) {
      const body = await okJson(await send(fx.server, get("/api/search?q=priv"), fx.val));
      assert.deepEqual(
        body.results.map((r: { message: { content: string } }) => r.message.content),
        ["second private message", "first private message"],
      );
    },
  },
  "GET /healthz": {
    async signedOut(fx, path) {
      assert.deepEqual(await okJson(await send(fx.server, get(path))), { status: "ok" });
    },
    outsider: { none: "a liveness probe; names no object" },
    async member(fx) {
      assert.equal((await okJson(await send(fx.server, get("/healthz"), fx.val))).status, "ok");
    },
  },
  "GET /readyz": {
    async signedOut(fx, path) {
      assert.deepEqual(await okJson(await send(fx.server, get(path))), { status: "ready" });
    },
    outsider: { none: "a readiness probe; names no object" },
    async member(fx) {
      assert.equal((await okJson(await send(fx.server, get("/readyz"), fx.val))).status, "ready");
    },
  },
  "GET /metrics": {
    async signedOut(fx, path) {
      assert.equal(
        (await okJson(await send(fx.server, get(path)), 401)).error.code,
        "unauthorized",
      );
    },
    outsider: {
      async check(fx) {
        // A session is no metrics token: only METRICS_TOKEN opens the metrics.
        const res = await send(fx.server, get("/metrics"), fx.eve);
        assert.equal((await okJson(res, 401)).error.code, "unauthorized");
      },
    },
    async member(fx) {
      const res = await fx.server.fetch("/metrics", {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^hearth_http_requests_total\{/m);
    },
  },
  "GET /login": {
    async signedOut(fx, path) {
      assert.match(await okPage(await send(fx.server, get(path))), /<form/);
    },
    outsider: { none: "a public page" },
    async member(fx) {
      redirectsTo(await send(fx.server, get("/login"), fx.val), "/");
    },
  },
  "GET /register": {
    async signedOut(fx, path) {
      assert.match(await okPage(await send(fx.server, get(path))), /<form/);
    },
    outsider: { none: "a public page" },
    async member(fx) {
      redirectsTo(await send(fx.server, get("/register"), fx.val), "/");
    },
  },
  "GET /account": {
    signedOut: "to_login",
    outsider: { none: "shows the caller's own account and sessions" },
    async member(fx) {
      assert.match(await okPage(await send(fx.server, get("/account"), fx.val)), /<form/);
    },
  },
  "GET /": {
    signedOut: "to_login",
    outsider: {
      async check(fx) {
        const page = await okPage(await send(fx.server, get("/"), fx.eve));
        assert.doesNotMatch(page, /Secret plans|Vic Tim/);
      },
    },
    async member(fx) {
      assert.match(await okPage(await send(fx.server, get("/"), fx.val)), /Secret plans/);
    },
  },
  "GET /conversations/:id": {
    signedOut: "to_login",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          get(`/conversations/${id}`, HTML),
          get(`/conversations/${id}?before=2`, HTML),
          get(`/conversations/${id}?around=2`, HTML),
        ]),
    },
    async member(fx) {
      const page = await okPage(
        await send(fx.server, get(`/conversations/${fx.directId}`), fx.val),
      );
      assert.match(page, /second private message/);
    },
  },
  "GET /search": {
    signedOut: "to_login",
    outsider: {
      async check(fx) {
        const page = await okPage(await send(fx.server, get("/search?q=private"), fx.eve));
        assert.doesNotMatch(page, /second private message|Secret plans/);
        assert.match(page, /No messages match/);
      },
    },
    async member(fx) {
      const page = await okPage(await send(fx.server, get("/search?q=priv"), fx.val));
      assert.match(page, /second <mark[^>]*>private<\/mark> message/);
    },
  },
  "GET /new": {
    signedOut: "to_login",
    outsider: { none: "a form that names no object" },
    async member(fx) {
      assert.match(await okPage(await send(fx.server, get("/new"), fx.val)), /<form/);
    },
  },
  "GET /projects": {
    signedOut: "to_login",
    outsider: {
      async check(fx) {
        const page = await okPage(await send(fx.server, get("/projects"), fx.eve));
        assert.doesNotMatch(page, /Secret project/);
      },
    },
    async member(fx) {
      assert.match(await okPage(await send(fx.server, get("/projects"), fx.val)), /Secret project/);
    },
  },
  "GET /projects/:id": {
    signedOut: "to_login",
    outsider: { probes: (fx) => projectProbes(fx, (id) => [get(`/projects/${id}`, HTML)]) },
    async member(fx) {
      const page = await okPage(await send(fx.server, get(`/projects/${fx.project.id}`), fx.val));
      assert.match(page, /project chatter/);
    },
  },

  // ---- Issue 16: the site admin, channels and changing who takes part ----
  // Vic registered first: he is the site admin. Eve and Val are not.
  // ---- Issue 17: threads, pins, saved messages, drafts ----
  "GET /api/conversations/:id/threads/:seq": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => conversationProbes(fx, (id) => [get(`/api/conversations/${id}/threads/1`)]),
    },
    async member(fx) {
      const body = await okJson(
        await send(fx.server, get(`/api/conversations/${fx.directId}/threads/1`), fx.val),
      );
      assert.equal(body.parent.content, "first private message");
    },
  },
  "POST /api/conversations/:id/threads/:seq/read": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/threads/1/read`, { json: { seq: 1 } }),
        ]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const req = post(`/api/conversations/${id}/threads/${seq}/read`, { json: { seq } });
      assert.equal((await send(fx.server, req, fx.val)).status, 204);
    },
  },
  "GET /api/threads": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        const body = await okJson(await send(fx.server, get("/api/threads"), fx.eve));
        assert.deepEqual(body.threads, []);
      },
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const reply = post(`/api/conversations/${id}/messages`, {
        json: { content: "a reply", parentSeq: seq },
      });
      await okJson(await send(fx.server, reply, fx.vic), 201);
      const body = await okJson(await send(fx.server, get("/api/threads"), fx.val));
      assert.ok(body.threads.some((t: { parent: { seq: number } }) => t.parent.seq === seq));
    },
  },
  "GET /threads": {
    signedOut: "to_login",
    outsider: {
      async check(fx) {
        const page = await okPage(await send(fx.server, get("/threads"), fx.eve));
        assert.doesNotMatch(page, /private message|Secret plans/);
      },
    },
    async member(fx) {
      await okPage(await send(fx.server, get("/threads"), fx.val));
    },
  },
  "GET /conversations/:id/threads/:seq": {
    signedOut: "to_login",
    outsider: {
      probes: (fx) => conversationProbes(fx, (id) => [get(`/conversations/${id}/threads/1`, HTML)]),
    },
    async member(fx) {
      const page = await okPage(
        await send(fx.server, get(`/conversations/${fx.directId}/threads/1`), fx.val),
      );
      assert.match(page, /first private message/);
    },
  },
  "GET /api/conversations/:id/pins": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => conversationProbes(fx, (id) => [get(`/api/conversations/${id}/pins`)]),
    },
    async member(fx) {
      const body = await okJson(
        await send(fx.server, get(`/api/conversations/${fx.directId}/pins`), fx.val),
      );
      assert.ok(Array.isArray(body.messages));
    },
  },
  "GET /conversations/:id/pins": {
    signedOut: "to_login",
    outsider: {
      probes: (fx) => conversationProbes(fx, (id) => [get(`/conversations/${id}/pins`, HTML)]),
    },
    async member(fx) {
      await okPage(await send(fx.server, get(`/conversations/${fx.directId}/pins`), fx.val));
    },
  },
  "PUT /api/conversations/:id/messages/:seq/pin": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          { method: "PUT", path: `/api/conversations/${id}/messages/1/pin` },
        ]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const path = `/api/conversations/${id}/messages/${seq}/pin`;
      assert.equal((await send(fx.server, { method: "PUT", path }, fx.val)).status, 204);
    },
  },
  "DELETE /api/conversations/:id/messages/:seq/pin": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          { method: "DELETE", path: `/api/conversations/${id}/messages/1/pin` },
        ]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const path = `/api/conversations/${id}/messages/${seq}/pin`;
      assert.equal((await send(fx.server, { method: "PUT", path }, fx.val)).status, 204);
      assert.equal((await send(fx.server, { method: "DELETE", path }, fx.vic)).status, 204);
    },
  },
  "POST /api/conversations/:id/messages/:seq/pin": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/messages/1/pin`, { form: { on: "1" } }),
        ]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const req = post(`/api/conversations/${id}/messages/${seq}/pin`, { form: { on: "1" } });
      const res = await send(fx.server, req, fx.val);
      assert.equal(res.status, 303);
      assert.match(res.headers.get("location") ?? "", new RegExp(`^/conversations/${id}`));
    },
  },
  "GET /api/saved": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        const body = await okJson(await send(fx.server, get("/api/saved"), fx.eve));
        assert.deepEqual(body.items, []);
      },
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const put = { method: "PUT", path: `/api/saved/${id}/${seq}` };
      assert.equal((await send(fx.server, put, fx.val)).status, 204);
      const body = await okJson(await send(fx.server, get("/api/saved"), fx.val));
      assert.ok(body.items.some((i: { message: { seq: number } }) => i.message.seq === seq));
    },
  },
  "GET /saved": {
    signedOut: "to_login",
    outsider: {
      async check(fx) {
        const page = await okPage(await send(fx.server, get("/saved"), fx.eve));
        assert.doesNotMatch(page, /private message/);
      },
    },
    async member(fx) {
      await okPage(await send(fx.server, get("/saved"), fx.val));
    },
  },
  "GET /api/saved/:conversationId": {
    signedOut: "unauthorized",
    outsider: { probes: (fx) => conversationProbes(fx, (id) => [get(`/api/saved/${id}`)]) },
    async member(fx) {
      const body = await okJson(await send(fx.server, get(`/api/saved/${fx.directId}`), fx.val));
      assert.ok(Array.isArray(body.seqs));
    },
  },
  "PUT /api/saved/:conversationId/:seq": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [{ method: "PUT", path: `/api/saved/${id}/1` }]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const req = { method: "PUT", path: `/api/saved/${id}/${seq}` };
      assert.equal((await send(fx.server, req, fx.vic)).status, 204);
    },
  },
  "DELETE /api/saved/:conversationId/:seq": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [{ method: "DELETE", path: `/api/saved/${id}/1` }]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const path = `/api/saved/${id}/${seq}`;
      assert.equal((await send(fx.server, { method: "PUT", path }, fx.vic)).status, 204);
      assert.equal((await send(fx.server, { method: "DELETE", path }, fx.vic)).status, 204);
    },
  },
  "POST /api/saved/:conversationId/:seq": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [post(`/api/saved/${id}/1`, { form: { on: "1" } })]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const res = await send(
        fx.server,
        post(`/api/saved/${id}/${seq}`, { form: { on: "1" } }),
        fx.val,
      );
      assert.equal(res.status, 303);
    },
  },
  "GET /api/conversations/:id/draft": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => conversationProbes(fx, (id) => [get(`/api/conversations/${id}/draft`)]),
    },
    async member(fx) {
      const body = await okJson(
        await send(fx.server, get(`/api/conversations/${fx.directId}/draft`), fx.val),
      );
      assert.equal(body.draft, null);
    },
  },
  "PUT /api/conversations/:id/draft": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          {
            method: "PUT",
            path: `/api/conversations/${id}/draft`,
            body: { json: { content: "Eve" } },
          },
        ]),
    },
    async member(fx) {
      const { id } = await ownMessage(fx);
      const req = {
        method: "PUT",
        path: `/api/conversations/${id}/draft`,
        body: { json: { content: "soon" } },
      };
      assert.equal((await send(fx.server, req, fx.val)).status, 204);
      const body = await okJson(
        await send(fx.server, get(`/api/conversations/${id}/draft`), fx.val),
      );
      assert.equal(body.draft.content, "soon");
      const other = await okJson(
        await send(fx.server, get(`/api/conversations/${id}/draft`), fx.vic),
      );
      assert.equal(other.draft, null, "a draft is private");
    },
  },
  "DELETE /api/conversations/:id/draft": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(
          fx,
          (id) => [{ method: "DELETE", path: `/api/conversations/${id}/draft` }],
        ),
    },
    async member(fx) {
      const { id } = await ownMessage(fx);
      const path = `/api/conversations/${id}/draft`;
      assert.equal((await send(fx.server, { method: "DELETE", path }, fx.val)).status, 204);
    },
  },
  "GET /api/invites": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        const body = await okJson(await send(fx.server, get("/api/invites"), fx.eve));
        assert.deepEqual(body.invites, []);
      },
    },
    async member(fx) {
      const body = await okJson(await send(fx.server, get("/api/invites"), fx.vic));
      assert.ok(body.invites.some((i: { id: string }) => i.id === fx.vicInvite.id));
    },
  },
  "POST /api/invites": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        // Members may not invite unless the admin lets them (the default: they may not).
        const res = await send(fx.server, post("/api/invites", { json: { maxUses: 5 } }), fx.eve);
        assert.equal(res.status, 403);
        assert.equal((await res.json()).error.code, "forbidden");
      },
    },
    async member(fx) {
      const body = await okJson(
        await send(fx.server, post("/api/invites", { json: { maxUses: 2 } }), fx.vic),
        201,
      );
      assert.match(body.invite.url, /\/join\//);
    },
  },
  "DELETE /api/invites/:id": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        probes("Vic's invite", (id) => ({ method: "DELETE", path: `/api/invites/${id}` }), {
          invite: fx.vicInvite.id,
          "not an id": "not-an-id!",
        }, fx.missing.conversation),
    },
    async member(fx) {
      const made = await okJson(
        await send(fx.server, post("/api/invites", { json: {} }), fx.vic),
        201,
      );
      const res = await send(fx.server, {
        method: "DELETE",
        path: `/api/invites/${made.invite.id}`,
      }, fx.vic);
      assert.equal(res.status, 204);
    },
  },
  "POST /api/invites/:id/revoke": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        probes("Vic's invite", (id) => post(`/api/invites/${id}/revoke`), {
          invite: fx.vicInvite.id,
          "not an id": "not-an-id!",
        }, fx.missing.conversation),
    },
    async member(fx) {
      const made = await okJson(
        await send(fx.server, post("/api/invites", { json: {} }), fx.vic),
        201,
      );
      const res = await send(
        fx.server,
        post(`/api/invites/${made.invite.id}/revoke`, { form: {} }),
        fx.vic,
      );
      redirectsTo(res, "/invites?done=invite_revoked");
    },
  },
  "GET /invites": {
    signedOut: "to_login",
    outsider: {
      async check(fx) {
        const page = await okPage(await send(fx.server, get("/invites"), fx.eve));
        assert.doesNotMatch(page, new RegExp(fx.vicInvite.code));
      },
    },
    async member(fx) {
      assert.match(
        await okPage(await send(fx.server, get("/invites"), fx.vic)),
        new RegExp(fx.vicInvite.code),
      );
    },
  },
  "GET /join/:code": {
    // A public page: the register form with the invite in it, or why the link is no good.
    async signedOut(fx) {
      const page = await okPage(await send(fx.server, get(`/join/${fx.vicInvite.code}`)));
      assert.match(page, new RegExp(fx.vicInvite.code));
      const bad = await send(fx.server, get(`/join/${"x".repeat(22)}`));
      assert.equal(bad.status, 404);
      assert.doesNotMatch(await bad.text(), new RegExp(fx.vicInvite.code));
    },
    outsider: { none: "a signed-in person is sent home (tests/http/invites_test.ts)" },
    async member(fx) {
      redirectsTo(await send(fx.server, get(`/join/${fx.vicInvite.code}`), fx.val), "/");
    },
  },
  "GET /api/admin/users": {
    signedOut: "unauthorized",
    outsider: { check: (fx) => refusedToNonAdmin(fx, get("/api/admin/users")) },
    async member(fx) {
      const body = await okJson(await send(fx.server, get("/api/admin/users"), fx.vic));
      const ids = body.users.map((u: { id: string }) => u.id);
      assert.ok(ids.includes(fx.val.user.id) && ids.includes(fx.eve.user.id));
    },
  },
  "POST /api/admin/users": {
    signedOut: "unauthorized",
    outsider: {
      check: (fx) =>
        refusedToNonAdmin(fx, post("/api/admin/users", { json: newAccount("eves-friend") })),
    },
    async member(fx) {
      const req = post("/api/admin/users", { json: newAccount("vics-hire") });
      const body = await okJson(await send(fx.server, req, fx.vic), 201);
      assert.equal(body.user.username, "vics-hire");
    },
  },
  "PATCH /api/admin/users/:id": {
    signedOut: "unauthorized",
    outsider: {
      check: (fx) =>
        refusedToNonAdmin(fx, {
          method: "PATCH",
          path: `/api/admin/users/${fx.val.user.id}`,
          body: { json: { disabled: true } },
        }),
    },
    async member(fx) {
      const path = `/api/admin/users/${fx.val.user.id}`;
      const made = await okJson(
        await send(fx.server, { method: "PATCH", path, body: { json: { isAdmin: true } } }, fx.vic),
      );
      assert.equal(made.user.isAdmin, true);
      const undone = await okJson(
        await send(
          fx.server,
          { method: "PATCH", path, body: { json: { isAdmin: false } } },
          fx.vic,
        ),
      );
      assert.equal(undone.user.isAdmin, false);
    },
  },
  "POST /api/admin/users/:id": {
    signedOut: "unauthorized",
    outsider: {
      check: (fx) =>
        refusedToNonAdmin(
          fx,
          post(`/api/admin/users/${fx.val.user.id}`, { json: { disabled: true } }),
        ),
    },
    async member(fx) {
      const hire = await registerUser(fx.server, { username: "to-disable" });
      const path = `/api/admin/users/${hire.user.id}`;
      const body = await okJson(
        await send(fx.server, post(path, { json: { disabled: true } }), fx.vic),
      );
      assert.equal(body.user.disabled, true);
      assert.equal(await signedIn(fx.server, hire.cookie), false);
    },
  },
  "DELETE /api/admin/users/:id": {
    signedOut: "unauthorized",
    outsider: {
      check: (fx) =>
        refusedToNonAdmin(fx, { method: "DELETE", path: `/api/admin/users/${fx.val.user.id}` }),
    },
    async member(fx) {
      const hire = await registerUser(fx.server, { username: "to-delete-1" });
      const res = await send(fx.server, {
        method: "DELETE",
        path: `/api/admin/users/${hire.user.id}`,
      }, fx.vic);
      assert.equal(res.status, 204);
    },
  },
  "POST /api/admin/users/:id/delete": {
    signedOut: "unauthorized",
    outsider: {
      check: (fx) =>
        refusedToNonAdmin(fx, post(`/api/admin/users/${fx.val.user.id}/delete`, { json: {} })),
    },
    async member(fx) {
      const hire = await registerUser(fx.server, { username: "to-delete-2" });
      const res = await send(
        fx.server,
        post(`/api/admin/users/${hire.user.id}/delete`, { form: {} }),
        fx.vic,
      );
      assert.equal(res.status, 303);
      assert.match(res.headers.get("location") ?? "", /^\/admin\?done=deleted/);
    },
  },
  "GET /api/admin/settings": {
    signedOut: "unauthorized",
    outsider: { check: (fx) => refusedToNonAdmin(fx, get("/api/admin/settings")) },
    async member(fx) {
      const body = await okJson(await send(fx.server, get("/api/admin/settings"), fx.vic));
      assert.equal(typeof body.settings.registration, "string");
    },
  },
  "PATCH /api/admin/settings": {
    signedOut: "unauthorized",
    outsider: {
      check: (fx) =>
        refusedToNonAdmin(fx, {
          method: "PATCH",
          path: "/api/admin/settings",
          body: { json: { name: "Eve's" } },
        }),
    },
    async member(fx) {
      const req = {
        method: "PATCH",
        path: "/api/admin/settings",
        body: { json: { name: "Vic's site" } },
      };
      assert.equal((await okJson(await send(fx.server, req, fx.vic))).settings.name, "Vic's site");
    },
  },
  "POST /api/admin/settings": {
    signedOut: "unauthorized",
    outsider: {
      check: (fx) =>
        refusedToNonAdmin(fx, post("/api/admin/settings", { json: { name: "Eve's" } })),
    },
    async member(fx) {
      const req = post("/api/admin/settings", { json: { name: "Hearth" } });
      assert.equal((await okJson(await send(fx.server, req, fx.vic))).settings.name, "Hearth");
    },
  },
  "GET /admin": {
    signedOut: "to_login",
    outsider: {
      async check(fx) {
        const res = await send(fx.server, get("/admin", HTML), fx.eve);
        assert.ok(res.status === 403 || res.status === 404, `got ${res.status}`);
        assert.doesNotMatch(await res.text(), new RegExp(fx.val.user.username));
      },
    },
    async member(fx) {
      assert.match(
        await okPage(await send(fx.server, get("/admin"), fx.vic)),
        new RegExp(fx.val.user.username),
      );
    },
  },
  "GET /admin/users/:id/delete": {
    signedOut: "to_login",
    outsider: {
      async check(fx) {
        const res = await send(
          fx.server,
          get(`/admin/users/${fx.val.user.id}/delete`, HTML),
          fx.eve,
        );
        assert.ok(res.status === 403 || res.status === 404, `got ${res.status}`);
        assert.doesNotMatch(await res.text(), new RegExp(fx.val.user.username));
      },
    },
    async member(fx) {
      const page = await okPage(
        await send(fx.server, get(`/admin/users/${fx.val.user.id}/delete`), fx.vic),
      );
      assert.match(page, new RegExp(fx.val.user.username));
    },
  },
  "GET /api/channels": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        const body = await okJson(await send(fx.server, get("/api/channels"), fx.eve));
        const ids = body.channels.map((c: { id: string }) => c.id);
        assert.ok(ids.includes(fx.publicChannel) && !ids.includes(fx.privateChannel));
      },
    },
    async member(fx) {
      const body = await okJson(await send(fx.server, get("/api/channels"), fx.val));
      assert.ok(body.channels.some((c: { id: string }) => c.id === fx.privateChannel));
    },
  },
  "GET /api/channels/:id": {
    signedOut: "unauthorized",
    outsider: { probes: (fx) => channelProbes(fx, (id) => [get(`/api/channels/${id}`)]) },
    async member(fx) {
      const body = await okJson(
        await send(fx.server, get(`/api/channels/${fx.privateChannel}`), fx.val),
      );
      assert.equal(body.channel.title, "vic-secret-room");
    },
  },
  "GET /channels": {
    signedOut: "to_login",
    outsider: {
      async check(fx) {
        const page = await okPage(await send(fx.server, get("/channels"), fx.eve));
        assert.match(page, /vic-open-room/);
        assert.doesNotMatch(page, /vic-secret-room/);
      },
    },
    async member(fx) {
      assert.match(
        await okPage(await send(fx.server, get("/channels"), fx.val)),
        /vic-secret-room/,
      );
    },
  },
  "POST /api/conversations/:id/join": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => channelProbes(fx, (id) => [post(`/api/conversations/${id}/join`)]),
    },
    async member(fx) {
      const id = await channelOf(fx, fx.vic, { title: "open-to-join", visibility: "public" });
      const body = await okJson(
        await send(fx.server, post(`/api/conversations/${id}/join`), fx.eve),
      );
      assert.equal(body.conversation.id, id);
    },
  },
  "POST /api/conversations/:id/members": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        channelProbes(fx, (id) => [
          post(`/api/conversations/${id}/members`, { json: { usernames: [fx.eve.user.username] } }),
        ]),
    },
    async member(fx) {
      const id = await conversationWith(fx.server, fx.vic, [fx.val], { title: "Add to" });
      const req = post(`/api/conversations/${id}/members`, {
        json: { usernames: [fx.eve.user.username] },
      });
      const body = await okJson(await send(fx.server, req, fx.val));
      assert.equal(body.conversation.participants.length, 3);
    },
  },
  "DELETE /api/conversations/:id/members/:userId": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        channelProbes(fx, (id) => [
          { method: "DELETE", path: `/api/conversations/${id}/members/${fx.val.user.id}` },
        ]),
    },
    async member(fx) {
      const id = await channelOf(fx, fx.vic, { title: "remove-from", visibility: "private" }, [
        fx.val,
      ]);
      const path = `/api/conversations/${id}/members/${fx.val.user.id}`;
      assert.equal((await send(fx.server, { method: "DELETE", path }, fx.vic)).status, 204);
    },
  },
  "POST /api/conversations/:id/members/:userId/remove": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        channelProbes(
          fx,
          (id) => [post(`/api/conversations/${id}/members/${fx.val.user.id}/remove`)],
        ),
    },
    async member(fx) {
      const id = await channelOf(fx, fx.vic, { title: "leave-by-form", visibility: "public" }, [
        fx.val,
      ]);
      const res = await send(
        fx.server,
        post(`/api/conversations/${id}/members/${fx.val.user.id}/remove`, { form: {} }),
        fx.val,
      );
      redirectsTo(res, "/");
    },
  },
  "PATCH /api/conversations/:id": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        channelProbes(fx, (id) => [
          {
            method: "PATCH",
            path: `/api/conversations/${id}`,
            body: { json: { topic: "Eve was here" } },
          },
        ]),
    },
    async member(fx) {
      const id = await channelOf(fx, fx.vic, { title: "to-rename", visibility: "public" });
      const req = {
        method: "PATCH",
        path: `/api/conversations/${id}`,
        body: { json: { title: "renamed" } },
      };
      assert.equal(
        (await okJson(await send(fx.server, req, fx.vic))).conversation.title,
        "renamed",
      );
    },
  },
  "POST /api/conversations/:id/settings": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        channelProbes(
          fx,
          (id) => [post(`/api/conversations/${id}/settings`, { json: { topic: "Eve" } })],
        ),
    },
    async member(fx) {
      const id = await channelOf(fx, fx.vic, { title: "topic-by-form", visibility: "public" });
      const res = await send(
        fx.server,
        post(`/api/conversations/${id}/settings`, { form: { topic: "Plans" } }),
        fx.vic,
      );
      redirectsTo(res, `/conversations/${id}`);
    },
  },
  // ---- Issue 18: notification settings, Web Push, the installable app ----
  "GET /api/conversations/:id/notifications": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [get(`/api/conversations/${id}/notifications`)]),
    },
    async member(fx) {
      const path = `/api/conversations/${fx.directId}/notifications`;
      const body = await okJson(await send(fx.server, get(path), fx.val));
      assert.ok(["all", "mentions", "nothing"].includes(body.level), JSON.stringify(body));
      assert.equal(typeof body.muted, "boolean");
    },
  },
  "PUT /api/conversations/:id/notifications": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [{
          method: "PUT",
          path: `/api/conversations/${id}/notifications`,
          body: { json: { level: "nothing", muted: true } },
        }]),
    },
    async member(fx) {
      const { id } = await ownMessage(fx);
      const path = `/api/conversations/${id}/notifications`;
      const req = { method: "PUT", path, body: { json: { level: "nothing", muted: true } } };
      await okJson(await send(fx.server, req, fx.val));
      assert.deepEqual(await okJson(await send(fx.server, get(path), fx.val)), {
        level: "nothing",
        muted: true,
      });
    },
  },
  "POST /api/conversations/:id/notifications": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/notifications`, { form: { muted: "1" } }),
        ]),
    },
    async member(fx) {
      const { id } = await ownMessage(fx);
      const path = `/api/conversations/${id}/notifications`;
      const res = await send(fx.server, post(path, { form: { muted: "1" } }), fx.val);
      assert.equal(res.status, 303);
      assert.equal((await okJson(await send(fx.server, get(path), fx.val))).muted, true);
    },
  },
  "GET /api/me/dnd": {
    signedOut: "unauthorized",
    outsider: { none: "your own do-not-disturb: there is nobody else's to ask for" },
    async member(fx) {
      assert.deepEqual(await okJson(await send(fx.server, get("/api/me/dnd"), fx.val)), {
        until: null,
      });
    },
  },
  "PUT /api/me/dnd": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        // Eve's own do-not-disturb is hers alone: Val's stays off.
        const until = new Date(Date.now() + 3_600_000).toISOString();
        const req = { method: "PUT", path: "/api/me/dnd", body: { json: { until } } };
        await okJson(await send(fx.server, req, fx.eve));
        const val = await okJson(await send(fx.server, get("/api/me/dnd"), fx.val));
        assert.equal(val.until, null);
        const off = { method: "PUT", path: "/api/me/dnd", body: { json: { until: null } } };
        await okJson(await send(fx.server, off, fx.eve));
      },
    },
    async member(fx) {
      const until = new Date(Date.now() + 3_600_000).toISOString();
      const req = { method: "PUT", path: "/api/me/dnd", body: { json: { until } } };
      await okJson(await send(fx.server, req, fx.val));
      const back = await okJson(await send(fx.server, get("/api/me/dnd"), fx.val));
      assert.equal(Date.parse(back.until), Date.parse(until));
      const off = { method: "PUT", path: "/api/me/dnd", body: { json: { until: null } } };
      await okJson(await send(fx.server, off, fx.val));
    },
  },
  "POST /api/me/dnd": {
    signedOut: "unauthorized",
    outsider: { none: "your own do-not-disturb: there is nobody else's to set" },
    async member(fx) {
      const res = await send(fx.server, post("/api/me/dnd", { form: { for: "30m" } }), fx.val);
      assert.equal(res.status, 303);
      const back = await okJson(await send(fx.server, get("/api/me/dnd"), fx.val));
      assert.ok(Date.parse(back.until) > Date.now());
      await send(fx.server, post("/api/me/dnd", { form: { for: "off" } }), fx.val);
    },
  },
  "GET /api/push/key": {
    signedOut: "unauthorized",
    outsider: { none: "the site's public VAPID key, the same for everyone signed in" },
    async member(fx) {
      const { publicKey } = await okJson(await send(fx.server, get("/api/push/key"), fx.val));
      assert.match(publicKey, /^B[\w-]{86}$/, "a 65-byte uncompressed P-256 point, base64url");
    },
  },
  "GET /api/push/subscriptions": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        const endpoint = await subscribePush(fx, fx.val, "val-listed");
        const body = await okJson(await send(fx.server, get("/api/push/subscriptions"), fx.eve));
        assert.ok(!JSON.stringify(body).includes(endpoint), "Val's device is not Eve's");
      },
    },
    async member(fx) {
      const endpoint = await subscribePush(fx, fx.val, "val-own");
      const body = await okJson(await send(fx.server, get("/api/push/subscriptions"), fx.val));
      assert.ok(body.subscriptions.some((s: { endpoint: string }) => s.endpoint === endpoint));
    },
  },
  "POST /api/push/subscriptions": {
    signedOut: "unauthorized",
    outsider: { none: "a subscription is made for the caller alone" },
    async member(fx) {
      await subscribePush(fx, fx.val, "val-new");
    },
  },
  "DELETE /api/push/subscriptions": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        // Eve naming Val's endpoint removes nothing of Val's.
        const endpoint = await subscribePush(fx, fx.val, "val-kept");
        const req = {
          method: "DELETE",
          path: "/api/push/subscriptions",
          body: { json: { endpoint } },
        };
        assert.equal((await send(fx.server, req, fx.eve)).status, 204);
        const body = await okJson(await send(fx.server, get("/api/push/subscriptions"), fx.val));
        assert.ok(body.subscriptions.some((s: { endpoint: string }) => s.endpoint === endpoint));
      },
    },
    async member(fx) {
      const endpoint = await subscribePush(fx, fx.val, "val-gone");
      const req = {
        method: "DELETE",
        path: "/api/push/subscriptions",
        body: { json: { endpoint } },
      };
      assert.equal((await send(fx.server, req, fx.val)).status, 204);
      const body = await okJson(await send(fx.server, get("/api/push/subscriptions"), fx.val));
      assert.ok(!body.subscriptions.some((s: { endpoint: string }) => s.endpoint === endpoint));
    },
  },
  "GET /manifest.webmanifest": {
    async signedOut(fx, path) {
      const res = await send(fx.server, get(path));
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^application\/manifest\+json/);
      assert.equal((await res.json()).start_url, "/");
    },
    outsider: { none: "the app's manifest: the site's name and icons, the same for everyone" },
    async member(fx) {
      const res = await send(fx.server, get("/manifest.webmanifest"), fx.val);
      assert.equal(res.status, 200);
      assert.equal((await res.json()).display, "standalone");
    },
  },
  "GET /sw.js": {
    async signedOut(fx, path) {
      const res = await send(fx.server, get(path));
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
      await res.body?.cancel();
    },
    outsider: { none: "the service worker script, the same for everyone" },
    async member(fx) {
      const res = await send(fx.server, get("/sw.js"), fx.val);
      assert.equal(res.status, 200);
      await res.body?.cancel();
    },
  },
  "GET /offline": {
    async signedOut(fx, path) {
      const res = await send(fx.server, get(path));
      assert.equal(res.status, 200);
      assert.match(await res.text(), /offline/i);
    },
    outsider: { none: "a static offline page, the same for everyone" },
    async member(fx) {
      const res = await send(fx.server, get("/offline"), fx.val);
      assert.equal(res.status, 200);
      await res.body?.cancel();
    },
  },
  // ---- Issue 18: email (on in this fixture; mail is only queued) ----
  "GET /api/me/email": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        await giveEmail(fx, fx.val, "val-seen@example.test");
        const body = await okJson(await send(fx.server, get("/api/me/email"), fx.eve));
        assert.notEqual(body.address, "val-seen@example.test");
      },
    },
    async member(fx) {
      await giveEmail(fx, fx.val, "val-own@example.test");
      const body = await okJson(await send(fx.server, get("/api/me/email"), fx.val));
      assert.deepEqual(body, {
        address: "val-own@example.test",
        confirmed: false,
        notifications: true,
      });
    },
  },
  "PUT /api/me/email": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        // Another account's confirmed address is refused, naming nobody.
        const token = await giveEmail(fx, fx.val, "val-taken@example.test");
        await okPage(await send(fx.server, get(`/email/confirm/${token}`)));
        const req = {
          method: "PUT",
          path: "/api/me/email",
          body: { json: { email: "val-taken@example.test", currentPassword: PASSWORD } },
        };
        const res = await send(fx.server, req, fx.eve);
        const text = await res.text();
        assert.equal(res.status, 409, text);
        assert.doesNotMatch(text, /val|Val/);
      },
    },
    async member(fx) {
      await giveEmail(fx, fx.val, "val-put@example.test");
    },
  },
  "POST /api/me/email": {
    signedOut: "unauthorized",
    outsider: { none: "sets the caller's own address" },
    async member(fx) {
      const form = { email: "vic-form@example.test", currentPassword: VICTIM_PASSWORD };
      const res = await send(fx.server, post("/api/me/email", { form }), fx.vic);
      assert.equal(res.status, 303);
      assert.match(res.headers.get("location") ?? "", /^\/account/);
    },
  },
  "DELETE /api/me/email": {
    signedOut: "unauthorized",
    outsider: { none: "removes the caller's own address" },
    async member(fx) {
      await giveEmail(fx, fx.vic, "vic-del@example.test");
      assert.equal(
        (await send(fx.server, { method: "DELETE", path: "/api/me/email" }, fx.vic)).status,
        204,
      );
      const body = await okJson(await send(fx.server, get("/api/me/email"), fx.vic));
      assert.equal(body.address, null);
    },
  },
  "POST /api/me/email/remove": {
    signedOut: "unauthorized",
    outsider: { none: "removes the caller's own address" },
    async member(fx) {
      await giveEmail(fx, fx.vic, "vic-rm@example.test");
      const res = await send(fx.server, post("/api/me/email/remove", { form: {} }), fx.vic);
      assert.equal(res.status, 303);
    },
  },
  "PUT /api/me/email/notifications": {
    signedOut: "unauthorized",
    outsider: { none: "the caller's own email notifications" },
    async member(fx) {
      await giveEmail(fx, fx.vic, "vic-notes@example.test");
      const req = {
        method: "PUT",
        path: "/api/me/email/notifications",
        body: { json: { enabled: false } },
      };
      assert.equal((await okJson(await send(fx.server, req, fx.vic))).notifications, false);
    },
  },
  "POST /api/me/email/notifications": {
    signedOut: "unauthorized",
    outsider: { none: "the caller's own email notifications" },
    async member(fx) {
      await giveEmail(fx, fx.vic, "vic-notes-form@example.test");
      const req = post("/api/me/email/notifications", { form: { enabled: "true" } });
      assert.equal((await send(fx.server, req, fx.vic)).status, 303);
    },
  },
  "POST /api/auth/password-reset": {
    async signedOut(fx, path) {
      // 202 whoever is named: the answer says nothing of which accounts exist.
      for (const login of [fx.val.user.username, "nobody-at-all"]) {
        const res = await send(fx.server, post(path, { json: { login } }));
        assert.equal(res.status, 202);
        await res.body?.cancel();
      }
    },
    outsider: { none: "asking mails the account's own address, never the asker" },
    member: { delegated: "tests/http/email_test.ts: the mailed link reaches the account's owner" },
  },
  "POST /api/auth/password-reset/complete": {
    async signedOut(fx, path) {
      const req = post(path, {
        json: { token: "A".repeat(43), password: "a brand new passphrase 9" },
      });
      const res = await send(fx.server, req);
      assert.equal(res.status, 404);
      assert.equal((await res.json()).error.code, "reset_invalid");
    },
    outsider: { none: "only the mailed token opens it" },
    member: { delegated: "tests/http/email_test.ts follows a real reset link once" },
  },
  "GET /email/confirm/:token": {
    async signedOut(fx, path) {
      assert.equal((await send(fx.server, get(path))).status, 404);
    },
    outsider: { none: "only the mailed token opens it" },
    async member(fx) {
      const token = await giveEmail(fx, fx.val, "val-confirm@example.test");
      await okPage(await send(fx.server, get(`/email/confirm/${token}`)));
      const body = await okJson(await send(fx.server, get("/api/me/email"), fx.val));
      assert.equal(body.confirmed, true);
    },
  },
  "GET /forgot": {
    async signedOut(fx, path) {
      assert.match(await okPage(await send(fx.server, get(path))), /<form/);
    },
    outsider: { none: "a public page" },
    async member(fx) {
      assert.equal((await send(fx.server, get("/forgot"), fx.val)).status < 500, true);
    },
  },
  "GET /reset/done": {
    async signedOut(fx, path) {
      await okPage(await send(fx.server, get(path)));
    },
    outsider: { none: "a public page" },
    async member(fx) {
      assert.equal((await send(fx.server, get("/reset/done"), fx.val)).status < 500, true);
    },
  },
  "GET /reset/:token": {
    async signedOut(fx, path) {
      assert.equal((await send(fx.server, get(path))).status, 404);
    },
    outsider: { none: "only the mailed token opens it" },
    member: { delegated: "tests/http/email_test.ts opens a real reset link" },
  },
  "GET /email/unsubscribe/:token": {
    async signedOut(fx, path) {
      assert.equal((await send(fx.server, get(path))).status, 404);
    },
    outsider: { none: "only the mailed token opens it" },
    async member(fx) {
      await okPage(await send(fx.server, get(`/email/unsubscribe/${await unsubscribeLink(fx)}`)));
    },
  },
  "POST /email/unsubscribe/:token": {
    async signedOut(fx, path) {
      assert.equal((await send(fx.server, post(path, { form: {} }))).status, 404);
    },
    outsider: { none: "only the mailed token opens it" },
    async member(fx) {
      const token = await unsubscribeLink(fx);
      const res = await send(fx.server, post(`/email/unsubscribe/${token}`, { form: {} }));
      assert.ok(res.status < 400, `${res.status}`);
      await res.body?.cancel();
      const body = await okJson(await send(fx.server, get("/api/me/email"), fx.val));
      assert.equal(body.notifications, false);
    },
  },
  // ---- Issue 19: tokens, bots, webhooks in and out, slash commands, the API's description ----
  "GET /api/tokens": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        // Eve's list is hers: Vic's token is not in it.
        const { tokens } = await okJson(await send(fx.server, get("/api/tokens"), fx.eve));
        assert.ok(!tokens.some((t: { id: string }) => t.id === fx.vicTokenId));
      },
    },
    async member(fx) {
      const { tokens } = await okJson(await send(fx.server, get("/api/tokens"), fx.vic));
      assert.ok(tokens.some((t: { id: string }) => t.id === fx.vicTokenId));
    },
  },
  "POST /api/tokens": {
    signedOut: "unauthorized",
    outsider: { none: "makes a token of your own; names no one's object" },
    async member(fx) {
      const body = await okJson(
        await send(fx.server, post("/api/tokens", { json: { name: "val's script" } }), fx.val),
        201,
      );
      assert.match(body.secret, /^hth_/);
      // The secret signs Val in, as a program does it.
      const check = await fx.server.fetch("/api/tokens", {
        headers: { authorization: `Bearer ${body.secret}` },
      });
      const { tokens } = await okJson(check);
      assert.ok(tokens.some((t: { id: string }) => t.id === body.token.id));
    },
  },
  "DELETE /api/tokens/:id": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        probes(
          "a token",
          (id) => ({ method: "DELETE", path: `/api/tokens/${id}` }),
          { "Vic's": fx.vicTokenId },
          "01J0000000000000000000TOKN",
        ),
    },
    async member(fx) {
      const { token } = await okJson(
        await send(fx.server, post("/api/tokens", { json: { name: "short-lived" } }), fx.val),
        201,
      );
      const res = await send(
        fx.server,
        { method: "DELETE", path: `/api/tokens/${token.id}` },
        fx.val,
      );
      assert.equal(res.status, 204);
      const { tokens } = await okJson(await send(fx.server, get("/api/tokens"), fx.val));
      assert.ok(!tokens.some((t: { id: string }) => t.id === token.id));
    },
  },
  "POST /api/tokens/:id/revoke": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        probes(
          "a token",
          (id) => post(`/api/tokens/${id}/revoke`, { form: {} }),
          { "Vic's": fx.vicTokenId },
          "01J0000000000000000000TOKN",
        ),
    },
    async member(fx) {
      const { token } = await okJson(
        await send(fx.server, post("/api/tokens", { json: { name: "form-revoked" } }), fx.val),
        201,
      );
      const res = await send(
        fx.server,
        post(`/api/tokens/${token.id}/revoke`, { form: {} }),
        fx.val,
      );
      redirectsTo(res, "/account?done=token_revoked");
    },
  },
  "GET /api/bots": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        const { bots } = await okJson(await send(fx.server, get("/api/bots"), fx.eve));
        assert.ok(!bots.some((b: { id: string }) => b.id === fx.vicBotId));
      },
    },
    async member(fx) {
      const { bots } = await okJson(await send(fx.server, get("/api/bots"), fx.vic));
      assert.ok(bots.some((b: { id: string }) => b.id === fx.vicBotId));
    },
  },
  "POST /api/bots": {
    signedOut: "unauthorized",
    outsider: { none: "makes a bot of your own; names no one's object" },
    async member(fx) {
      const body = await okJson(
        await send(
          fx.server,
          post("/api/bots", { json: { username: `valbot${mode}`, displayName: "Val's bot" } }),
          fx.val,
        ),
        201,
      );
      assert.equal(body.bot.isBot, true);
      assert.match(body.secret, /^hth_/);
    },
  },
  "DELETE /api/bots/:id": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        // Someone else's bot: refused, and it stays (bots are people, their ids are not secret).
        const res = await send(
          fx.server,
          { method: "DELETE", path: `/api/bots/${fx.vicBotId}` },
          fx.eve,
        );
        assert.equal((await okJson(res, 403)).error.code, "forbidden");
        const { bots } = await okJson(await send(fx.server, get("/api/bots"), fx.vic));
        assert.ok(bots.some((b: { id: string }) => b.id === fx.vicBotId));
      },
    },
    async member(fx) {
      const { bot } = await okJson(
        await send(
          fx.server,
          post("/api/bots", { json: { username: `gonebot${mode}`, displayName: "Gone" } }),
          fx.val,
        ),
        201,
      );
      const res = await send(fx.server, { method: "DELETE", path: `/api/bots/${bot.id}` }, fx.val);
      assert.equal(res.status, 204);
    },
  },
  "POST /api/bots/:id/delete": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        const res = await send(
          fx.server,
          post(`/api/bots/${fx.vicBotId}/delete`, { json: {} }),
          fx.eve,
        );
        assert.equal((await okJson(res, 403)).error.code, "forbidden");
      },
    },
    async member(fx) {
      const { bot } = await okJson(
        await send(
          fx.server,
          post("/api/bots", { json: { username: `formbot${mode}`, displayName: "Form" } }),
          fx.val,
        ),
        201,
      );
      const res = await send(fx.server, post(`/api/bots/${bot.id}/delete`, { form: {} }), fx.val);
      redirectsTo(res, "/account?done=bot_deleted");
    },
  },
  "GET /api/conversations/:id/webhooks": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => conversationProbes(fx, (id) => [get(`/api/conversations/${id}/webhooks`)]),
    },
    async member(fx) {
      const path = `/api/conversations/${fx.groupId}/webhooks`;
      const { webhooks } = await okJson(await send(fx.server, get(path), fx.val));
      assert.ok(webhooks.some((w: { id: string }) => w.id === fx.vicHook.id));
    },
  },
  "POST /api/conversations/:id/webhooks": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/webhooks`, { json: { name: "intruder" } }),
        ]),
    },
    async member(fx) {
      const path = `/api/conversations/${fx.eveChannel}/webhooks`;
      const { webhook } = await okJson(
        await send(fx.server, post(path, { json: { name: "Eve's CI" } }), fx.eve),
        201,
      );
      assert.match(webhook.url, new RegExp(`/hooks/${webhook.id}/`));
    },
  },
  "DELETE /api/conversations/:id/webhooks/:hookId": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => [
        ...conversationProbes(fx, (id) => [{
          method: "DELETE",
          path: `/api/conversations/${id}/webhooks/${fx.vicHook.id}`,
        }]),
        // In her own channel, Vic's webhook id is a webhook that does not exist.
        ...probes(
          "a webhook of another conversation",
          (hook) => ({
            method: "DELETE",
            path: `/api/conversations/${fx.eveChannel}/webhooks/${hook}`,
          }),
          { "Vic's": fx.vicHook.id },
          "01J00000000000000000000HOOK",
        ),
      ],
    },
    async member(fx) {
      const base = `/api/conversations/${fx.eveChannel}/webhooks`;
      const { webhook } = await okJson(
        await send(fx.server, post(base, { json: { name: "to delete" } }), fx.eve),
        201,
      );
      const res = await send(
        fx.server,
        { method: "DELETE", path: `${base}/${webhook.id}` },
        fx.eve,
      );
      assert.equal(res.status, 204);
    },
  },
  "POST /api/conversations/:id/webhooks/:hookId/delete": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => [
        ...conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/webhooks/${fx.vicHook.id}/delete`, { form: {} }),
        ]),
        ...probes(
          "a webhook of another conversation",
          (hook) =>
            post(`/api/conversations/${fx.eveChannel}/webhooks/${hook}/delete`, { json: {} }),
          { "Vic's": fx.vicHook.id },
          "01J00000000000000000000HOOK",
        ),
      ],
    },
    async member(fx) {
      const base = `/api/conversations/${fx.eveChannel}/webhooks`;
      const { webhook } = await okJson(
        await send(fx.server, post(base, { json: { name: "form delete" } }), fx.eve),
        201,
      );
      const res = await send(fx.server, post(`${base}/${webhook.id}/delete`, { form: {} }), fx.eve);
      assert.equal(res.status, 303);
    },
  },
  "POST /hooks/:id/:secret": {
    async signedOut(fx) {
      // The secret in the address is the credential: no cookie, no token, no Origin.
      const wrong = fx.vicHook.url.replace(/[^/]+$/, "not-the-secret");
      const refused = await fx.server.fetch(new URL(wrong).pathname, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "forged" }),
      });
      const unknown = await fx.server.fetch("/hooks/01J00000000000000000000HOOK/not-the-secret", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "forged" }),
      });
      assert.equal(refused.status, 404);
      assert.deepEqual(
        await observe(refused, fx.vicHook.id),
        await observe(unknown, "01J00000000000000000000HOOK"),
      );
    },
    outsider: { none: "the secret in the address is the credential (a wrong one: signedOut)" },
    async member(fx) {
      const res = await fx.server.fetch(new URL(fx.vicHook.url).pathname, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "Build #7 passed" }),
      });
      const body = await okJson(res);
      assert.equal(body.ok, true);
      assert.equal(body.message.content, "Build #7 passed");
    },
  },
  "GET /api/conversations/:id/outgoing-webhooks": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [get(`/api/conversations/${id}/outgoing-webhooks`)]),
    },
    async member(fx) {
      const path = `/api/conversations/${fx.groupId}/outgoing-webhooks`;
      const { webhooks } = await okJson(await send(fx.server, get(path), fx.val));
      assert.ok(webhooks.some((w: { id: string }) => w.id === fx.vicOutgoingId));
      // The secret is never listed.
      assert.ok(webhooks.every((w: Record<string, unknown>) => !("secret" in w)));
    },
  },
  "POST /api/conversations/:id/outgoing-webhooks": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/outgoing-webhooks`, {
            json: { url: "http://127.0.0.1:9/x", events: ["message"] },
          }),
        ]),
    },
    async member(fx) {
      const path = `/api/conversations/${fx.eveChannel}/outgoing-webhooks`;
      const body = await okJson(
        await send(
          fx.server,
          post(path, { json: { url: "http://127.0.0.1:9/eve", events: ["message"] } }),
          fx.eve,
        ),
        201,
      );
      assert.equal(typeof body.secret, "string");
      // Link-local stays refused even with the tests' switch on.
      const meta = await send(
        fx.server,
        post(path, { json: { url: "http://169.254.169.254/latest", events: ["message"] } }),
        fx.eve,
      );
      assert.equal((await okJson(meta, 400)).error.code, "address_refused");
    },
  },
  "DELETE /api/conversations/:id/outgoing-webhooks/:hookId": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => [
        ...conversationProbes(fx, (id) => [{
          method: "DELETE",
          path: `/api/conversations/${id}/outgoing-webhooks/${fx.vicOutgoingId}`,
        }]),
        ...probes(
          "an outgoing webhook of another conversation",
          (hook) => ({
            method: "DELETE",
            path: `/api/conversations/${fx.eveChannel}/outgoing-webhooks/${hook}`,
          }),
          { "Vic's": fx.vicOutgoingId },
          "01J00000000000000000000HOOK",
        ),
      ],
    },
    async member(fx) {
      const base = `/api/conversations/${fx.eveChannel}/outgoing-webhooks`;
      const { webhook } = await okJson(
        await send(
          fx.server,
          post(base, { json: { url: "http://127.0.0.1:9/gone", events: ["message"] } }),
          fx.eve,
        ),
        201,
      );
      const res = await send(
        fx.server,
        { method: "DELETE", path: `${base}/${webhook.id}` },
        fx.eve,
      );
      assert.equal(res.status, 204);
    },
  },
  "POST /api/conversations/:id/outgoing-webhooks/:hookId/delete": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => [
        ...conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/outgoing-webhooks/${fx.vicOutgoingId}/delete`, {
            form: {},
          }),
        ]),
        ...probes(
          "an outgoing webhook of another conversation",
          (hook) =>
            post(`/api/conversations/${fx.eveChannel}/outgoing-webhooks/${hook}/delete`, {
              json: {},
            }),
          { "Vic's": fx.vicOutgoingId },
          "01J00000000000000000000HOOK",
        ),
      ],
    },
    async member(fx) {
      const base = `/api/conversations/${fx.eveChannel}/outgoing-webhooks`;
      const { webhook } = await okJson(
        await send(
          fx.server,
          post(base, { json: { url: "http://127.0.0.1:9/form", events: ["message"] } }),
          fx.eve,
        ),
        201,
      );
      const res = await send(fx.server, post(`${base}/${webhook.id}/delete`, { form: {} }), fx.eve);
      assert.equal(res.status, 303);
    },
  },
  "GET /api/conversations/:id/outgoing-webhooks/:hookId/deliveries": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) => [
        ...conversationProbes(fx, (id) => [
          get(`/api/conversations/${id}/outgoing-webhooks/${fx.vicOutgoingId}/deliveries`),
        ]),
        ...probes(
          "an outgoing webhook of another conversation",
          (hook) => get(`/api/conversations/${fx.eveChannel}/outgoing-webhooks/${hook}/deliveries`),
          { "Vic's": fx.vicOutgoingId },
          "01J00000000000000000000HOOK",
        ),
      ],
    },
    async member(fx) {
      const path =
        `/api/conversations/${fx.groupId}/outgoing-webhooks/${fx.vicOutgoingId}/deliveries`;
      const { deliveries } = await okJson(await send(fx.server, get(path), fx.vic));
      assert.ok(Array.isArray(deliveries));
      // Val takes part in the group but did not make the webhook: its log is not hers.
      assert.equal((await send(fx.server, get(path), fx.val)).status, 403);
    },
  },
  "POST /api/conversations/:id/commands": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/commands`, { json: { text: "/shrug" } }),
        ]),
    },
    async member(fx) {
      const { id } = await ownMessage(fx);
      const path = `/api/conversations/${id}/commands`;
      const body = await okJson(
        await send(fx.server, post(path, { json: { text: "/shrug ok" } }), fx.val),
      );
      assert.equal(body.result.kind, "sent");
      assert.match(body.result.message.content, /ツ/);
    },
  },
  "GET /api/openapi.json": {
    async signedOut(fx, path) {
      // The API's description is public: it names routes, never anyone's data.
      const doc = await okJson(await send(fx.server, get(path)));
      assert.equal(doc.openapi, "3.1.0");
    },
    outsider: { none: "the same description for everyone" },
    async member(fx) {
      const doc = await okJson(await send(fx.server, get("/api/openapi.json"), fx.val));
      assert.ok(doc.paths["/api/tokens"]);
    },
  },
  "GET /api/docs": {
    async signedOut(fx, path) {
      assert.match(await okPage(await send(fx.server, get(path))), /\/api\/tokens/);
    },
    outsider: { none: "the same description for everyone" },
    async member(fx) {
      assert.match(await okPage(await send(fx.server, get("/api/docs"), fx.val)), /Bearer/);
    },
  },
  "GET /commands": {
    signedOut: "to_login",
    outsider: { none: "the list of slash commands, the same for everyone" },
    async member(fx) {
      assert.match(await okPage(await send(fx.server, get("/commands"), fx.val)), /\/shrug/);
    },
  },
  // ---- Issue 20: link previews, search suggestions ----
  "GET /api/previews/:urlHash/image": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [get(`/api/previews/${"a".repeat(43)}/image?c=${id}&s=1`)]),
    },
    member: {
      delegated: "tests/http/previews_test.ts: a participant gets the image of a message that " +
        "shows it (it needs a page fetched by the preview worker, which the matrix does not run)",
    },
  },
  "DELETE /api/conversations/:id/messages/:seq/preview": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [{
          method: "DELETE",
          path: `/api/conversations/${id}/messages/1/preview`,
        }]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const path = `/api/conversations/${id}/messages/${seq}/preview`;
      assert.equal((await send(fx.server, { method: "DELETE", path }, fx.val)).status, 204);
      // Vic takes part, but the message is Val's: its preview is hers to remove.
      const other = await send(fx.server, { method: "DELETE", path }, fx.vic);
      assert.equal((await okJson(other, 403)).error.code, "forbidden");
    },
  },
  "POST /api/conversations/:id/messages/:seq/preview/remove": {
    signedOut: "unauthorized",
    outsider: {
      probes: (fx) =>
        conversationProbes(fx, (id) => [
          post(`/api/conversations/${id}/messages/1/preview/remove`, { form: {} }),
        ]),
    },
    async member(fx) {
      const { id, seq } = await ownMessage(fx);
      const path = `/api/conversations/${id}/messages/${seq}/preview/remove`;
      redirectsTo(
        await send(fx.server, post(path, { form: {} }), fx.val),
        `/conversations/${id}#m${seq}`,
      );
    },
  },
  "GET /api/search/suggestions": {
    signedOut: "unauthorized",
    outsider: {
      async check(fx) {
        // Eve is offered none of the victim's conversations or channels, whatever she types.
        const victims = ["Secret plans", "vic-secret-room", "Val's own"];
        for (const q of ["in:", "in:#", "in:@", 'in:"', "in:s", "in:#vic", 'in:"Secret']) {
          const path = `/api/search/suggestions?q=${encodeURIComponent(q)}`;
          const { suggestions } = await okJson(await send(fx.server, get(path), fx.eve));
          for (const s of suggestions as { insert: string; label: string }[]) {
            assert.ok(
              !victims.some((v) => s.insert.includes(v) || s.label.includes(v)),
              `${q} offered ${JSON.stringify(s)}`,
            );
          }
        }
      },
    },
    async member(fx) {
      const path = `/api/search/suggestions?q=${encodeURIComponent('in:"Secret')}`;
      const { suggestions } = await okJson(await send(fx.server, get(path), fx.val));
      assert.ok(
        suggestions.some((s: { insert: string }) => s.insert.includes("Secret plans")),
        JSON.stringify(suggestions),
      );
    },
  },
};

/** The password the victim world's people have (tests/security/security_world.ts). */
const VICTIM_PASSWORD = "victims keep their own passphrase 7";

/**
 * Gives `who` the address `email` (PUT /api/me/email) and returns the token of the
 * confirmation link that was queued for it (read from the mail queue in the fixture's store).
 */
async function giveEmail(fx: Fixture, who: Person, email: string): Promise<string> {
  const password = who === fx.eve ? PASSWORD : VICTIM_PASSWORD;
  const req = {
    method: "PUT",
    path: "/api/me/email",
    body: { json: { email, currentPassword: password } },
  };
  await okJson(await send(fx.server, req, who), 202);
  const mails = await Array.fromAsync(
    fx.server.ctx.kv.list<Job<Mail>>({ prefix: outboxQueuePrefix("mail") }),
  );
  const mail = mails.map((e) => e.value.payload).findLast((m) => m.to === email)!;
  return /\/email\/confirm\/([\w-]{43})/.exec(mail.text)![1];
}

/** Val's confirmed address's unsubscribe token (what the digest's link carries). */
async function unsubscribeLink(fx: Fixture): Promise<string> {
  // Once: giving an address is limited to 10 an hour per person.
  const held = await getEmailRecord(fx.server.ctx.kv, fx.val.user.id);
  if (held?.address === "val-unsub@example.test" && held.confirmedAt) {
    return unsubscribeToken(fx.val.user.id, held);
  }
  const token = await giveEmail(fx, fx.val, "val-unsub@example.test");
  await okPage(await send(fx.server, get(`/email/confirm/${token}`)));
  const record = await getEmailRecord(fx.server.ctx.kv, fx.val.user.id);
  return unsubscribeToken(fx.val.user.id, record!);
}

/**
 * Subscribes `who` to pushes at a made-up endpoint on 127.0.0.1 (PUSH_ALLOW_PRIVATE: nothing is
 * sent, the notifier does not run here) with a real P-256 key; the endpoint.
 */
async function subscribePush(fx: Fixture, who: Person, name: string): Promise<string> {
  const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const b64 = (bytes: Uint8Array) => bytes.toBase64({ alphabet: "base64url", omitPadding: true });
  const endpoint = `http://127.0.0.1:9/push/${name}-${crypto.randomUUID()}`;
  const keys = { p256dh: b64(raw), auth: b64(crypto.getRandomValues(new Uint8Array(16))) };
  const req = post("/api/push/subscriptions", { json: { endpoint, keys } });
  await okJson(await send(fx.server, req, who), 201);
  return endpoint;
}

/** A non-admin (Eve) asking an admin route: 403 `forbidden`, and nothing changed. */
async function refusedToNonAdmin(fx: Fixture, req: Req): Promise<void> {
  const res = await send(fx.server, req, fx.eve);
  const body = await res.json();
  assert.equal(res.status, 403, `${req.method} ${req.path}: ${JSON.stringify(body)}`);
  assert.equal(body.error.code, "forbidden");
  assert.equal(await signedIn(fx.server, fx.val.cookie), true, "Val still signs in");
  const res2 = await send(
    fx.server,
    post("/api/auth/login", {
      json: { username: "eves-friend", password: PASSWORD },
    }),
  );
  assert.equal(res2.status, 401, "no account was made for Eve");
  await res2.body?.cancel();
}

const newAccount = (username: string) => ({ username, password: PASSWORD, displayName: username });

/** A channel made by `creator` (with `others` added), as its id. */
async function channelOf(
  fx: Fixture,
  creator: Person,
  input: { title: string; visibility: "public" | "private"; topic?: string },
  others: Person[] = [],
): Promise<string> {
  const made = await okJson(
    await send(
      fx.server,
      post("/api/conversations", { json: { kind: "channel", ...input } }),
      creator,
    ),
    201,
  );
  const id: string = made.conversation.id;
  if (others.length) {
    const usernames = others.map((o) => o.user.username);
    await okJson(
      await send(
        fx.server,
        post(`/api/conversations/${id}/members`, { json: { usernames } }),
        creator,
      ),
    );
  }
  return id;
}

/** Vic's private channel (Val in it), group and direct conversation, against a missing id. */
function channelProbes(fx: Fixture, template: (id: string) => Req[]): Probe[] {
  const hidden = {
    "private channel": fx.privateChannel,
    group: fx.groupId,
    direct: fx.directId,
    "not an id": "not-an-id!",
  };
  return template("X").flatMap((_, i) =>
    probes(`variant ${i + 1}`, (id) => template(id)[i], hidden, fx.missing.conversation)
  );
}

/** A route's path with its params filled with the victim's ids. */
function fill(path: string, fx: Fixture): string {
  const id = path.includes("conversations/:id")
    ? fx.directId
    : path.includes("sessions/:id")
    ? fx.vicSessionId
    : fx.project.id;
  return path
    .replace(":id", id)
    .replace(":fileId", fx.fileId)
    .replace(":userId", fx.val.user.id)
    .replace(":conversationId", fx.directId)
    .replace(":provider", "github")
    .replace(":seq", "1")
    .replace(":emoji", THUMBS)
    .replace(":hookId", fx.vicHook.id)
    .replace(":secret", "not-the-secret");
}

async function assertProbe(fx: Fixture, probe: Probe) {
  const hidden = await observe(await send(fx.server, probe.hidden, fx.eve), probe.hiddenId);
  const missing = await observe(await send(fx.server, probe.missing, fx.eve), probe.missingId);
  const label = `${probe.hidden.method} ${probe.hidden.path}: ${probe.what}`;
  assert.deepEqual(hidden, missing, `${label}: an outsider can tell the object exists`);
  if (hidden.status === 303) {
    // A form post (no JavaScript) goes back with the error's code, never to the object.
    assert.match(hidden.headers.join("\n"), /location: \/\?error=not_found/, label);
  } else {
    assert.equal(hidden.status, 404, `${label}: expected 404, got ${hidden.status}`);
  }
}

Deno.test(
  "authorization matrix: every route, signed out, as an outsider and as a member",
  (t) => runMatrix(t, "cookie"),
);

Deno.test(
  "authorization matrix with bearer tokens: every /api route as a program calls it",
  (t) => runMatrix(t, "bearer"),
);

/**
 * Routes the bearer run leaves to the cookie run: a browser's session itself (signing in and
 * out, the sessions list, the password: a token is not a session).
 */
function cookieOnly(route: string): boolean {
  const path = route.split(" ")[1];
  return !path.startsWith("/api/") || path.startsWith("/api/auth/");
}

async function runMatrix(t: Deno.TestContext, run: "cookie" | "bearer") {
  mode = run;
  tokens.clear();
  const rows = Object.entries(MATRIX).filter(([route]) => run === "cookie" || !cookieOnly(route));
  // A GitHub provider: starting its flow is a redirect (no network needed).
  const server = await startTestServer({
    GITHUB_CLIENT_ID: "id",
    GITHUB_CLIENT_SECRET: "secret",
    METRICS_TOKEN,
    // Push subscriptions on 127.0.0.1 are taken (nothing is sent: no notifier runs here), and
    // the email routes are on (mail is only queued).
    PUSH_ALLOW_PRIVATE: "1",
    SMTP_URL: "smtp://127.0.0.1:9",
    MAIL_FROM: "hearth@example.test",
    // Outgoing webhooks to 127.0.0.1 are taken (nothing is delivered: no worker runs here).
    WEBHOOKS_ALLOW_PRIVATE: "1",
  });
  try {
    const world = await buildVictimWorld(server);
    const eve = await registerUser(server, { displayName: "Eve" });
    const eveProject = (await projectWith(server, eve, [], "Eve's own")).id;
    const vicSessionId = await sessionIdFromCookie(world.vic.cookie);
    const fx: Fixture = {
      ...world,
      server,
      eve,
      eveProject,
      vicSessionId,
      privateChannel: "",
      publicChannel: "",
      vicTokenId: "",
      vicBotId: "",
      vicHook: { id: "", url: "" },
      vicOutgoingId: "",
      eveChannel: "",
      vicInvite: (await okJson(
        await send(server, post("/api/invites", { json: { maxUses: 3 } }), world.vic),
        201,
      )).invite,
    };
    fx.privateChannel = await channelOf(fx, fx.vic, {
      title: "vic-secret-room",
      visibility: "private",
      topic: "secret topic",
    }, [fx.val]);
    fx.publicChannel = await channelOf(fx, fx.vic, {
      title: "vic-open-room",
      visibility: "public",
    });
    fx.eveChannel = await channelOf(fx, fx.eve, { title: "eve-room", visibility: "private" });
    const made = (req: Req, who: Person) => send(server, req, who).then((r) => okJson(r, 201));
    fx.vicTokenId = (await made(post("/api/tokens", { json: { name: "vic's" } }), fx.vic)).token.id;
    fx.vicBotId = (await made(
      post("/api/bots", { json: { username: `vicbot-${run}`, displayName: "Vic's bot" } }),
      fx.vic,
    )).bot.id;
    fx.vicHook = (await made(
      post(`/api/conversations/${fx.groupId}/webhooks`, { json: { name: "Vic's CI" } }),
      fx.vic,
    )).webhook;
    fx.vicOutgoingId = (await made(
      post(`/api/conversations/${fx.groupId}/outgoing-webhooks`, {
        json: { url: "http://127.0.0.1:9/hook", events: ["message"] },
      }),
      fx.vic,
    )).webhook.id;

    if (run === "cookie") {
      await t.step("every route of the app has a row, and every row a route", () => {
        const routes = createApp(server.ctx).routes
          .filter((r) => r.method !== "ALL")
          .map((r) => `${r.method} ${r.path}`);
        const rows = Object.keys(MATRIX);
        const uncovered = routes.filter((r) => !rows.includes(r));
        const stale = rows.filter((r) => !routes.includes(r));
        assert.deepEqual(uncovered, [], `routes without a row in the matrix: ${uncovered}`);
        assert.deepEqual(stale, [], `rows for routes that no longer exist: ${stale}`);
      });
    }

    // The victims' tokens exist before the snapshot (each is made on its first use).
    if (run === "bearer") { for (const who of [fx.vic, fx.val]) await tokenOf(server, who); }
    const before = await snapshotVictim(server.ctx.kv, fx);
    assert.equal(before.get(`count ${JSON.stringify(["msg", fx.directId])}`), "3");
    assert.equal(before.get(`count ${JSON.stringify(["file", fx.project.id])}`), "1");

    if (run === "bearer") {
      // A token that was real and is revoked: every /api route refuses it, public ones too
      // (a bearer request never falls back to being signed out).
      const revoked = await tokenOf(server, eve);
      const id = (await okJson(await send(server, get("/api/tokens"), eve))).tokens[0].id;
      const gone = await send(server, { method: "DELETE", path: `/api/tokens/${id}` }, eve);
      assert.equal(gone.status, 204);
      tokens.delete(eve.cookie);
      await t.step("a revoked token: every /api route answers 401 invalid_token", async (t) => {
        for (const [route] of rows) {
          await t.step(route, async () => {
            const [method, template] = route.split(" ");
            const res = await server.fetch(fill(template, fx), {
              method,
              headers: { authorization: `Bearer ${revoked}` },
              redirect: "manual",
            });
            assert.equal((await okJson(res, 401)).error.code, "invalid_token");
          });
        }
      });
    }

    await t.step("signed out: the API answers 401, pages send to /login", async (t) => {
      for (const [route, row] of rows) {
        await t.step(route, async () => {
          const [method, template] = route.split(" ");
          const path = fill(template, fx);
          if (typeof row.signedOut === "function") return await row.signedOut(fx, path);
          const res = await send(server, { method, path });
          if (row.signedOut === "to_login") {
            redirectsTo(res, path === "/" ? "/login" : `/login?next=${encodeURIComponent(path)}`);
            return void await res.body?.cancel();
          }
          assert.equal((await okJson(res, 401)).error.code, "unauthorized");
        });
      }
    });

    await t.step("an outsider gets what a missing id gets, and changes nothing", async (t) => {
      for (const [route, row] of rows) {
        await t.step(route, async () => {
          if ("none" in row.outsider) return;
          if ("check" in row.outsider) return await row.outsider.check(fx);
          const list = row.outsider.probes(fx);
          assert.ok(list.length > 0);
          for (const probe of list) await assertProbe(fx, probe);
        });
      }
      await assertVictimUnchanged(server.ctx.kv, fx, before);
    });

    await t.step("members succeed (positive controls)", async (t) => {
      for (const [route, row] of rows) {
        await t.step(route, async () => {
          if (typeof row.member === "function") await row.member(fx);
        });
      }
    });
  } finally {
    mode = "cookie";
    await server.close();
  }
}

/** What a frame type does for an outsider, and its positive control. */
type FrameRow =
  | {
    /** The frame for a conversation id; Eve sends it for hidden and for missing ids. */
    frame: (conversationId: string) => Record<string, unknown>;
    /** What Eve gets back: one `not_found` error frame, or nothing at all. */
    answer: "not_found" | "nothing";
    member: (w: WsWorld) => Promise<void>;
  }
  | {
    noObject: string;
    outsider: (w: WsWorld) => Promise<void>;
    member: (w: WsWorld) => Promise<void>;
  };

type WsWorld = VictimWorld & {
  server: Server;
  eve: Person;
  /** Sockets of Vic and Val, joined to the direct conversation; Val's watcher watches the list. */
  vicSocket: Client;
  valSocket: Client;
  valWatcher: Client;
  eveSocket: Client;
  /** Vic and Val's conversation outside the snapshot, for sends during the outsider step. */
  extraId: string;
  connect(person: Person): Promise<Client>;
};

const FRAMES: Record<string, FrameRow> = {
  join: {
    frame: (conversationId) => ({ type: "join", conversationId }),
    answer: "not_found",
    async member(w) {
      const socket = await w.connect(w.val);
      const { messages } = await join(socket, w.groupId);
      assert.deepEqual(messages.map((m) => m.content), ["group message"]);
    },
  },
  leave: {
    frame: (conversationId) => ({ type: "leave", conversationId }),
    answer: "nothing",
    async member(w) {
      const socket = await w.connect(w.val);
      await join(socket, w.directId);
      // A joining socket is told who is online, whoever else of its person is in the room.
      await socket.next("status", (f) => f.user.id === w.val.user.id);
      socket.send({ type: "leave", conversationId: w.directId });
      await socket.roundTrip();
      assert.deepEqual(socket.frames, []);
    },
  },
  send_message: {
    frame: (conversationId) => ({
      type: "send_message",
      conversationId,
      content: "intrusion",
      clientId: "eve-1",
    }),
    answer: "not_found",
    async member(w) {
      const message = await sendAndAck(w.valSocket, w.directId, "hello over the socket", "val-1");
      const got = await w.vicSocket.next("message", (f) => f.message.id === message.id);
      assert.equal(got.message.content, "hello over the socket");
    },
  },
  typing: {
    frame: (conversationId) => ({ type: "typing", conversationId }),
    answer: "not_found",
    async member(w) {
      w.valSocket.send({ type: "typing", conversationId: w.directId });
      const got = await w.vicSocket.next("typing");
      assert.equal(got.user.id, w.val.user.id);
    },
  },
  ping: {
    noObject: "names no conversation",
    outsider: async (w) => await w.eveSocket.roundTrip(),
    member: async (w) => await w.vicSocket.roundTrip(),
  },
  presence: {
    noObject: "says the caller is away or back; only rooms the caller joined hear of it",
    async outsider(w) {
      w.eveSocket.send({ type: "presence", state: "away" });
      await w.eveSocket.roundTrip();
      await w.vicSocket.roundTrip();
      assert.equal(w.vicSocket.pending("presence").length, 0, "the victim heard of Eve");
      w.eveSocket.send({ type: "presence", state: "active" });
      await w.eveSocket.roundTrip();
    },
    async member(w) {
      w.valSocket.send({ type: "presence", state: "away" });
      const got = await w.vicSocket.next("presence", (f) => f.user.id === w.val.user.id);
      assert.equal(got.state, "away");
      w.valSocket.send({ type: "presence", state: "active" });
      await w.vicSocket.next(
        "presence",
        (f) => f.user.id === w.val.user.id && f.state === "active",
      );
    },
  },
  watch_people: {
    noObject:
      "asks for people's states (online, away, offline): like a member directory, any signed-in person may; the answer names no conversation",
    async outsider(w) {
      w.eveSocket.send({ type: "watch_people", userIds: [w.vic.user.id, "no-such-user"] });
      const got = await w.eveSocket.next("people");
      // Ids and states only: no name, no conversation, nothing about an unknown id but "offline".
      assert.deepEqual(
        got.people.toSorted((a, b) => a.id.localeCompare(b.id)),
        [{ id: "no-such-user", state: "offline" }, { id: w.vic.user.id, state: "active" }]
          .toSorted((a, b) => a.id.localeCompare(b.id)),
      );
    },
    async member(w) {
      w.valSocket.send({ type: "watch_people", userIds: [w.vic.user.id] });
      const got = await w.valSocket.next("people");
      assert.deepEqual(got.people, [{ id: w.vic.user.id, state: "active" }]);
    },
  },
  watch_list: {
    noObject: "asks for the caller's own conversations only",
    async outsider(w) {
      w.eveSocket.send({ type: "watch_list" });
      await w.eveSocket.roundTrip();
      const sent = await postMessage(w.server, w.vic, w.extraId, "news for watchers");
      // Val's watcher hears of it (so the doorbell rang); Eve's socket must not.
      await w.valWatcher.next("activity", (f) => f.message.id === sent.id);
      await w.vicSocket.roundTrip();
      await w.eveSocket.roundTrip();
      assert.deepEqual(
        w.eveSocket.frames,
        [],
        "Eve's socket heard of a conversation she is not in",
      );
    },
    async member(w) {
      const sent = await postMessage(w.server, w.vic, w.project.conversationId, "project news");
      const got = await w.valWatcher.next("activity", (f) => f.message.id === sent.id);
      assert.equal(got.conversationId, w.project.conversationId);
    },
  },
  edit_message: {
    frame: (conversationId) => ({
      type: "edit_message",
      conversationId,
      seq: 1,
      content: "intrusion",
    }),
    answer: "not_found",
    async member(w) {
      const sent = await sendAndAck(w.vicSocket, w.directId, "to be edited", "vic-edit");
      w.vicSocket.send({
        type: "edit_message",
        conversationId: w.directId,
        seq: sent.seq,
        content: "edited",
      });
      const got = await w.valSocket.next("message_updated", (f) => f.message.id === sent.id);
      assert.equal(got.message.content, "edited");
    },
  },
  delete_message: {
    frame: (conversationId) => ({ type: "delete_message", conversationId, seq: 1 }),
    answer: "not_found",
    async member(w) {
      const sent = await sendAndAck(w.vicSocket, w.directId, "to be deleted", "vic-delete");
      w.vicSocket.send({ type: "delete_message", conversationId: w.directId, seq: sent.seq });
      const got = await w.valSocket.next(
        "message_updated",
        (f) => f.message.id === sent.id && f.message.deletedAt !== null,
      );
      assert.equal(got.message.content, "");
    },
  },
  react: {
    frame: (conversationId) => ({ type: "react", conversationId, seq: 1, emoji: "👍", on: true }),
    answer: "not_found",
    async member(w) {
      w.valSocket.send({
        type: "react",
        conversationId: w.directId,
        seq: 2,
        emoji: "🎉",
        on: true,
      });
      const got = await w.vicSocket.next(
        "message_updated",
        (f) => f.message.seq === 2 && f.message.reactions.length > 0,
      );
      assert.deepEqual(got.message.reactions, [{ emoji: "🎉", userIds: [w.val.user.id] }]);
    },
  },
};

/** A signed-in socket of `who`, opened (with `query` on the upgrade, e.g. `?join=<id>`). */
async function openSocket(fx: Fixture, who: Person, query: string): Promise<Client> {
  const url = `${fx.server.base.replace(/^http/, "ws")}/api/ws${query}`;
  const client = new Client(
    new DenoWebSocket(url, { headers: { cookie: who.cookie, origin: fx.server.base } }),
  );
  await new Promise((resolve, reject) => {
    client.ws.addEventListener("open", resolve);
    client.ws.addEventListener("error", reject);
  });
  return client;
}

/** Whatever frames arrive on `socket` until a ping's pong (the server answers in order). */
async function answerTo(socket: Client, frame: Record<string, unknown>) {
  socket.send(frame);
  await socket.roundTrip();
  return socket.frames.splice(0);
}

chatTest(
  "authorization matrix: every WebSocket frame type, as an outsider and as a member",
  async (chat, t) => {
    const world = await buildVictimWorld(chat.server);
    const eve = await chat.person();
    const vicSocket = await chat.connect(world.vic);
    const valSocket = await chat.connect(world.val);
    const valWatcher = await chat.connect(world.val);
    const eveSocket = await chat.connect(eve);
    await join(vicSocket, world.directId);
    await join(valSocket, world.directId);
    await vicSocket.next("status", (f) => f.user.id === world.val.user.id);
    valWatcher.send({ type: "watch_list" });
    await valWatcher.roundTrip();
    // The joins' own status frames are not what the outsider step looks for.
    await vicSocket.roundTrip();
    await valSocket.roundTrip();
    for (const socket of [vicSocket, valSocket, valWatcher]) socket.frames.splice(0);
    const extraId = await conversationWith(chat.server, world.vic, [world.val], { title: "Extra" });
    const w: WsWorld = {
      ...world,
      eve,
      vicSocket,
      valSocket,
      valWatcher,
      eveSocket,
      extraId,
      connect: (p) => chat.connect(p),
      server: chat.server,
    };

    await t.step("every client frame type has a row", () => {
      const types = clientFrameSchema.options.map((o) => o.shape.type.value as string);
      assert.deepEqual(types.toSorted(), Object.keys(FRAMES).toSorted());
    });

    const before = await snapshotVictim(chat.server.ctx.kv, world);
    await t.step(
      "an outsider's frames get what a missing conversation gets; nothing is delivered or stored",
      async (t) => {
        for (const [type, row] of Object.entries(FRAMES)) {
          await t.step(type, async () => {
            if ("noObject" in row) return await row.outsider(w);
            const hidden = {
              direct: world.directId,
              group: world.groupId,
              project: world.project.conversationId,
            };
            const missingAnswer = await answerTo(eveSocket, row.frame(world.missing.conversation));
            const normalise = (frames: unknown[], id: string) =>
              JSON.parse(JSON.stringify(frames).replaceAll(id, "<id>"));
            if (row.answer === "not_found") {
              assert.equal(missingAnswer.length, 1);
              assert.equal(missingAnswer[0].type, "error");
              assert.equal((missingAnswer[0] as { code: string }).code, "not_found");
            } else {
              assert.deepEqual(missingAnswer, []);
            }
            for (const [name, id] of Object.entries(hidden)) {
              const answer = await answerTo(eveSocket, row.frame(id));
              assert.deepEqual(
                normalise(answer, id),
                normalise(missingAnswer, world.missing.conversation),
                `${type} on the ${name} conversation: Eve can tell it exists`,
              );
            }
            // The people inside heard nothing: no message, no typing, no one joined or left.
            await vicSocket.roundTrip();
            await valSocket.roundTrip();
            assert.deepEqual(vicSocket.frames, [], "Vic's socket heard the outsider");
            assert.deepEqual(valSocket.frames, [], "Val's socket heard the outsider");
          });
        }
        assert.equal(eveSocket.ws.readyState, WebSocket.OPEN);
        await assertVictimUnchanged(chat.server.ctx.kv, world, before);
      },
    );

    await t.step("members succeed (positive controls)", async (t) => {
      for (const [type, row] of Object.entries(FRAMES)) {
        await t.step(type, () => row.member(w));
      }
    });
  },
);
