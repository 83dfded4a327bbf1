/**
 * Fuzzing (issue 5): malformed and random requests at every route of the real app (on a real
 * server and KV), signed in and signed out, and random WebSocket frames. Nothing may answer
 * 5xx, log an error or leak internals; the server keeps serving after every batch; and the
 * victim's data (people, conversations, messages, a project and a file the fuzzer is not in)
 * is byte-for-byte the same afterwards.
 *
 * The seed is fixed and printed; FUZZ_SEED=<n> replays or explores another one.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ulid } from "ulid";
import { createSession, getUserBySession, sessionIdOf } from "../../lib/accounts/mod.ts";
import { createApp } from "../../main.ts";
import { registerUser, startTestServer } from "../support/helpers.ts";
import {
  assertVictimUnchanged,
  buildVictimWorld,
  conversationWith,
  postMessage,
  projectWith,
  snapshotVictim,
  uploadFile,
  VICTIM_SECRETS,
  type VictimWorld,
} from "./security_world.ts";
import { Client, DenoWebSocket, join, rawUpgrade } from "../support/ws_client.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 5_2026);
const encoder = new TextEncoder();

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** What the fuzzer knows: the victim's ids, its own, and ids that name nothing. */
type Field = {
  server: Server;
  world: VictimWorld;
  mallory: { id: string; username: string };
  malloryProject: string;
  /** Her project's own conversation. */
  malloryProjectConversation: string;
  malloryFile: string;
  malloryConversation: string;
  /** Real ids of every kind, the fuzzer's own and the victim's. */
  knownIds: string[];
  /** The same, by the kind of object a route param names. */
  pools: Record<ParamKind, string[]>;
  /** A fresh session cookie for Mallory (she may sign herself out while fuzzing). */
  malloryCookie(): Promise<string>;
  /** Error lines the server logged (any is a failure). */
  errors: string[];
};

// ---------------------------------------------------------------- arbitraries

const printable = (maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((n) => String.fromCharCode(n)),
    maxLength,
  });
/** Header-safe text with some Latin-1 (a ByteString; no CR, LF or NUL). */
const headerText = (maxLength: number) =>
  fc.oneof(
    printable(maxLength),
    fc.string({
      unit: fc.integer({ min: 0x20, max: 0xff }).filter((n) => n !== 0x7f).map((n) =>
        String.fromCharCode(n)
      ),
      maxLength,
    }),
  );

const ODD_IDS = [
  "",
  " ",
  "..",
  "%2e%2e",
  "%00",
  "%",
  "%ZZ",
  "a".repeat(3000),
  "A".repeat(43),
  "0",
  "-1",
  "1e309",
  "null",
  "undefined",
  "__proto__",
  "constructor",
  "😀",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "01ARZ3NDEKTSV4RRFFQ69G5FAV",
];

function idArb(field: Field) {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...field.knownIds) },
    { weight: 2, arbitrary: fc.constantFrom(...ODD_IDS) },
    { weight: 1, arbitrary: fc.constant(ulid()) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
  );
}

const FIELD_NAMES = [
  "username",
  "password",
  "displayName",
  "next",
  "content",
  "clientId",
  "participantIds",
  "usernames",
  "title",
  "projectId",
  "seq",
  "name",
  "description",
  "role",
  "currentPassword",
  "newPassword",
  "file",
];

/** A value for a body field: often the right type, often not. */
function valueArb(field: Field) {
  return fc.oneof(
    idArb(field),
    fc.string({ maxLength: 300 }),
    fc.constant("x".repeat(70_000)),
    fc.integer(),
    fc.double(),
    fc.constantFrom(-1, 0, 1, 2, Number.MAX_SAFE_INTEGER, 2 ** 64, true, false, null),
    fc.array(idArb(field), { maxLength: 5 }),
    fc.constantFrom("owner", "admin", "member", "correct horse battery"),
    fc.jsonValue({ maxDepth: 3 }),
  );
}

function objectBodyArb(field: Field) {
  return fc.dictionary(
    fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 10 })),
    valueArb(field),
    { maxKeys: 6 },
  );
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "multipart/form-data; boundary=zzz",
  "text/plain",
  "text/html",
  "application/octet-stream",
  "",
];

type Body = { type?: string; data: BodyInit };

/**
 * Bodies of the right shape (each field of the right type, any subset of them): what gets
 * past validation to the membership checks and the store.
 */
function plausibleArb(field: Field) {
  const id = idArb(field);
  const username = fc.constantFrom(
    field.world.vic.user.username,
    field.world.val.user.username,
    field.mallory.username,
    "nobody_here",
  );
  return fc.record({
    content: fc.string({ minLength: 1, maxLength: 50 }),
    clientId: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,20}$/),
    seq: fc.nat({ max: 10 }),
    participantIds: fc.array(id, { maxLength: 3 }),
    usernames: fc.array(username, { maxLength: 3 }),
    username,
    role: fc.constantFrom("admin", "member", "owner"),
    title: fc.string({ minLength: 1, maxLength: 20 }),
    projectId: id,
    name: fc.string({ minLength: 1, maxLength: 20 }),
    password: fc.constant("correct horse battery"),
    currentPassword: fc.string({ maxLength: 20 }),
    newPassword: fc.string({ maxLength: 20 }),
  }, { requiredKeys: [] });
}

function bodyArb(field: Field): fc.Arbitrary<Body | undefined> {
  const plausible = fc.tuple(plausibleArb(field), fc.boolean()).map(([o, asForm]) =>
    asForm
      ? {
        type: "application/x-www-form-urlencoded",
        data: new URLSearchParams(
          Object.entries(o).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v)]),
        ).toString(),
      }
      : { type: "application/json", data: JSON.stringify(o) }
  );
  const json = objectBodyArb(field).map((o) => ({
    type: "application/json",
    data: JSON.stringify(o),
  }));
  const anyJson = fc.jsonValue({ maxDepth: 4 }).map((v) => ({
    type: "application/json",
    data: JSON.stringify(v) ?? "null",
  }));
  const brokenJson = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.constantFrom("{", '{"content": ', "[1,2", "\u0000", "{}}", '{"a":1}garbage', "nul"),
  ).map((data) => ({ type: "application/json", data }));
  const formBody = fc.dictionary(
    fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 10 })),
    fc.oneof(idArb(field), fc.string({ maxLength: 100 })),
    { maxKeys: 6 },
  ).map((o) => ({
    type: "application/x-www-form-urlencoded",
    data: new URLSearchParams(o).toString(),
  }));
  const rawForm = fc.string({ maxLength: 200 }).map((data) => ({
    type: "application/x-www-form-urlencoded",
    data,
  }));
  const mislabelled = fc.tuple(fc.constantFrom(...CONTENT_TYPES), fc.string({ maxLength: 200 }))
    .map(([type, data]) => ({ type, data }));
  const bytes = fc.tuple(fc.constantFrom(...CONTENT_TYPES), fc.uint8Array({ maxLength: 300 }))
    .map(([type, data]) => ({ type, data: new Uint8Array(data) }));
  return fc.oneof(
    { weight: 4, arbitrary: plausible },
    fc.constant(undefined),
    json,
    anyJson,
    brokenJson,
    formBody,
    rawForm,
    mislabelled,
    bytes,
    multipartArb().map((m) => ({ type: m.type, data: m.body })),
  );
}

/** Raw multipart bodies: broken boundaries, odd or huge file names, missing or extra parts. */
function multipartArb() {
  const boundary = fc.oneof(
    fc.constantFrom("b", "----fuzz", "x".repeat(70), "has space", '"quoted"', "ünï"),
    printable(20),
  );
  const filename = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(
      "",
      "a".repeat(10_000),
      "../../etc/passwd",
      'say "hi".txt',
      "line\r\nbreak.txt",
      "nul\u0000.txt",
      "%22%0D%0A.txt",
      "😀.png",
      "C:\\windows\\win.ini",
    ),
  );
  const part = fc.record({
    name: fc.oneof(fc.constantFrom("file", "file", "other", ""), printable(10)),
    filename: fc.option(filename),
    type: fc.option(fc.constantFrom("text/plain", "image/png", "", "application/x-evil")),
    content: fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 })),
  });
  return fc.record({
    declared: boundary,
    actual: fc.oneof(boundary, fc.constant(null)),
    parts: fc.array(part, { maxLength: 3 }),
    ending: fc.constantFrom("proper", "none", "truncated", "garbage"),
    cut: fc.nat(),
  }).map(({ declared, actual, parts, ending, cut }) => {
    const b = actual ?? declared;
    const chunks: Uint8Array[] = [];
    for (const p of parts) {
      let head = `--${b}\r\nContent-Disposition: form-data; name="${p.name}"`;
      if (p.filename !== null) head += `; filename="${p.filename}"`;
      head += "\r\n";
      if (p.type !== null) head += `Content-Type: ${p.type}\r\n`;
      chunks.push(encoder.encode(head + "\r\n"));
      chunks.push(typeof p.content === "string" ? encoder.encode(p.content) : p.content);
      chunks.push(encoder.encode("\r\n"));
    }
    if (ending === "proper") chunks.push(encoder.encode(`--${b}--\r\n`));
    if (ending === "garbage") chunks.push(encoder.encode(`--${b}-garbage`));
    let body = concat(chunks);
    if (ending === "truncated" && body.length > 0) body = body.slice(0, cut % body.length);
    return { type: `multipart/form-data; boundary=${declared}`, body };
  });
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const QUERY_KEYS = [
  "before",
  "after",
  "limit",
  "search",
  "inline",
  "next",
  "error",
  "link",
  "state",
  "code",
  "done",
];

function queryArb() {
  const value = fc.oneof(
    fc.constantFrom("0", "1", "-1", "50", "100", "101", "1.5", "1e3", "NaN", "", "9".repeat(30)),
    fc.string({ maxLength: 80 }),
  );
  return fc.oneof(
    fc.constant(""),
    fc.dictionary(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 8 })), value, {
      maxKeys: 4,
    }).map((o) => `?${new URLSearchParams(o)}`),
    // Raw, possibly badly encoded query strings.
    fc.oneof(printable(120), fc.constantFrom("?%", "?a=%ZZ", "?before=1&before=2", "?=&&=")).map(
      (q) => `?${q.replaceAll("#", "")}`,
    ),
  );
}

type Who = "signed_out" | "mallory" | "forged";

type Headers = {
  who: Who;
  cookie: string | null;
  origin: "same" | "none" | "null" | "other" | "garbage";
  garbageOrigin: string;
  accept: string | null;
  extra: [string, string][];
};

function headersArb(): fc.Arbitrary<Headers> {
  return fc.record({
    who: fc.constantFrom<Who>("signed_out", "mallory", "mallory", "mallory", "forged"),
    cookie: fc.option(
      fc.oneof(
        headerText(100).map((v) => `sid=${v.replaceAll(";", "")}`),
        headerText(200),
        fc.constantFrom("sid=", "sid=%", "sid=%E0%A4%A", "sid=a; sid=b", `sid=${"a".repeat(8000)}`),
      ),
    ),
    origin: fc.constantFrom("same", "same", "same", "none", "null", "other", "garbage"),
    garbageOrigin: headerText(60),
    accept: fc.option(fc.constantFrom("text/html", "application/json", "*/*", "text/html;q=0")),
    extra: fc.array(
      fc.tuple(
        fc.constantFrom(
          "range",
          "if-none-match",
          "if-range",
          "x-forwarded-proto",
          "referer",
          "user-agent",
          "sec-fetch-site",
          "x-forwarded-for",
          "accept-language",
        ),
        fc.oneof(
          fc.constantFrom(
            "bytes=0-0",
            "bytes=-1",
            "bytes=5-1",
            "bytes=0-",
            "bytes=99999999999999999999-",
            "bytes=0-1,2-3",
            "https",
            "*",
            'W/"x"',
            "cross-site",
          ),
          headerText(100),
        ),
      ),
      { maxLength: 3 },
    ),
  });
}

// ---------------------------------------------------------------- checks

/** What no answer may contain: stack frames, source paths, runtime or store internals. */
const LEAK =
  /\bat [\w$.<>]+ \(|file:\/\/|\.tsx?:\d+|TypeError|RangeError|SyntaxError|ReferenceError|database|denokv|Deno\.Kv|KvError|stack/i;

async function checkAnswer(res: Response, label: string): Promise<void> {
  const text = await res.text();
  assert.ok(res.status < 500, `${label}: answered ${res.status}: ${text.slice(0, 300)}`);
  const secret = VICTIM_SECRETS.find((s) => text.includes(s));
  assert.equal(secret, undefined, `${label}: the answer shows the victim's "${secret}"`);
  if (res.status >= 400) {
    assert.doesNotMatch(text.slice(0, 20_000), LEAK, `${label}: the answer leaks internals`);
    if ((res.headers.get("content-type") ?? "").startsWith("application/json")) {
      const body = JSON.parse(text);
      assert.equal(typeof body.error?.code, "string", `${label}: not the contract's error shape`);
      assert.equal(typeof body.error?.message, "string", `${label}: an error without a message`);
    }
  }
}

async function assertHealthy(field: Field, label: string): Promise<void> {
  const res = await field.server.fetch("/api/auth/check", {
    headers: { cookie: await field.malloryCookie() },
  });
  assert.equal(res.status, 200, `${label}: the server stopped answering`);
  assert.equal((await res.json()).authenticated, true);
  assert.deepEqual(field.errors.splice(0), [], `${label}: the server logged errors`);
}

function routeList(server: Server): { method: string; path: string }[] {
  return createApp(server.ctx).routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({ method: r.method, path: r.path }));
}

/** The route's path with each `:param` replaced by an id (usually URL-encoded, sometimes raw). */
type ParamKind = "conversation" | "project" | "file" | "user" | "session" | "provider";

/** What a route param names, from the path segment before it. */
function kindOf(before: string): ParamKind {
  if (before.endsWith("conversations/")) return "conversation";
  if (before.endsWith("projects/")) return "project";
  if (before.endsWith("files/")) return "file";
  if (before.endsWith("members/")) return "user";
  if (before.endsWith("sessions/")) return "session";
  return "provider";
}

/** A param's value: mostly a real id of the right kind (the victim's or Mallory's), else anything. */
type Pick = { known: number; useKnown: boolean; other: string };

function pickArb(field: Field): fc.Arbitrary<Pick> {
  return fc.record({
    known: fc.nat(),
    useKnown: fc.nat(9).map((n) => n < 7),
    other: idArb(field),
  });
}

/** The route's path with each `:param` filled (usually URL-encoded, sometimes raw). */
function fillPath(field: Field, template: string, picks: Pick[], raw: boolean): string {
  let i = 0;
  return template.replace(/:[A-Za-z]+/g, (_param, offset: number) => {
    const pick = picks[i++ % picks.length];
    const pool = field.pools[kindOf(template.slice(0, offset))];
    const id = pick.useKnown ? pool[pick.known % pool.length] : pick.other;
    return raw ? id.replaceAll("?", "").replaceAll("#", "") : encodeURIComponent(id);
  });
}

async function requestHeaders(field: Field, h: Headers): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  if (h.who === "mallory") headers.cookie = await field.malloryCookie();
  else if (h.who === "forged" && h.cookie !== null) headers.cookie = h.cookie;
  const origins = {
    same: field.server.base,
    none: null,
    null: "null",
    other: "https://evil.example",
    garbage: h.garbageOrigin,
  };
  const origin = origins[h.origin];
  if (origin !== null) headers.origin = origin;
  if (h.accept !== null) headers.accept = h.accept;
  for (const [k, v] of h.extra) headers[k] = v;
  return headers;
}

// ---------------------------------------------------------------- the world

async function buildField(server: Server, errors: string[]): Promise<Field> {
  const world = await buildVictimWorld(server);
  const mallory = await registerUser(server, { displayName: "Mallory" });
  const project = await projectWith(server, mallory, [], "Mallory's");
  const malloryFile = await uploadFile(server, mallory, project.id, "m.txt", "mallory's own");
  // Mallory may talk to Vic: that is allowed and touches nothing of the victim's.
  const malloryConversation = await conversationWith(server, mallory, [world.vic], {
    title: "Mallory and Vic",
    messages: ["hello Vic"],
  });
  const { kv, config } = server.ctx;
  let cookie = mallory.cookie;
  const vicSession = await sessionIdOf(world.vic.cookie.slice(world.vic.cookie.indexOf("=") + 1));
  const pools: Record<ParamKind, string[]> = {
    conversation: [
      world.directId,
      world.groupId,
      world.project.conversationId,
      project.conversationId,
      malloryConversation,
      world.missing.conversation,
    ],
    project: [world.project.id, world.project.id, project.id, world.missing.project],
    file: [world.fileId, world.fileId, malloryFile, world.missing.file],
    user: [world.vic.user.id, world.val.user.id, mallory.user.id, world.missing.user],
    session: [vicSession, vicSession, world.missing.user],
    provider: ["github", "oidc", "nowhere"],
  };
  const field: Field = {
    server,
    world,
    mallory: mallory.user,
    malloryProject: project.id,
    malloryProjectConversation: project.conversationId,
    malloryFile,
    malloryConversation,
    knownIds: [
      world.directId,
      world.groupId,
      world.project.id,
      world.project.conversationId,
      world.fileId,
      world.vic.user.id,
      world.val.user.id,
      world.vic.user.username,
      vicSession,
      mallory.user.id,
      project.id,
      project.conversationId,
      malloryFile,
      malloryConversation,
      "github",
      "oidc",
      world.missing.conversation,
    ],
    pools,
    async malloryCookie() {
      // She may have signed herself out (logout, revoke-all, a revoked session id): mint a
      // session directly (no password hashing, no login rate limit) when hers has ended.
      if (!(await getUserBySession(kv, cookie.slice(cookie.indexOf("=") + 1)))) {
        const session = await createSession(kv, mallory.user.id, { ttlMs: config.sessionTtlMs });
        cookie = `sid=${session.token}`;
      }
      return cookie;
    },
    errors,
  };
  return field;
}

/** Collects the server's error log lines (and still prints them) while a test runs. */
function captureErrors(errors: string[]): () => void {
  const original = console.error;
  console.error = (...args: unknown[]) => {
    const line = args.map(String).join(" ");
    if (line.includes('"level":"error"')) errors.push(line.slice(0, 2000));
    original(...args);
  };
  return () => void (console.error = original);
}

async function withField(
  fn: (field: Field, t: Deno.TestContext) => Promise<void>,
  t: Deno.TestContext,
) {
  console.log(`fuzz seed: ${SEED} (replay with FUZZ_SEED=${SEED})`);
  const server = await startTestServer({ GITHUB_CLIENT_ID: "id", GITHUB_CLIENT_SECRET: "secret" });
  const errors: string[] = [];
  const restore = captureErrors(errors);
  try {
    const field = await buildField(server, errors);

    await fn(field, t);
  } finally {
    restore();
    await server.close();
  }
}

const params = (numRuns: number, offset: number) => ({
  seed: SEED + offset,
  numRuns,
  endOnFailure: true,
  // A failure names its seed and path so it can be replayed.
  verbose: 1 as const,
});

// ---------------------------------------------------------------- the tests

Deno.test("fuzz: random requests and WebSocket frames never answer 5xx, leak internals or touch the victim's data", async (t) => {
  await withField(async (field, t) => {
    const { server, world } = field;
    const before = await snapshotVictim(server.ctx.kv, world);
    assert.equal(before.get(`count ${JSON.stringify(["msg", world.directId])}`), "3");
    const routes = routeList(server);
    assert.ok(routes.length > 30, "the fuzzer sees the app's routes");
    // The victim is online throughout: Vic in his conversation, Val watching her list.
    const vicSocket = await openSocket(server, world.vic.cookie);
    await join(vicSocket, world.directId);
    const valWatcher = await openSocket(server, world.val.cookie);
    valWatcher.send({ type: "watch_list" });
    await vicSocket.roundTrip();
    await valWatcher.roundTrip();
    vicSocket.frames.splice(0);
    valWatcher.frames.splice(0);
    const victimConversations = [world.directId, world.groupId, world.project.conversationId];

    await t.step("bodies, queries, ids and headers at every route", async () => {
      const request = fc.record({
        route: fc.constantFrom(...routes),
        method: fc.oneof(
          { weight: 9, arbitrary: fc.constant(null) },
          {
            weight: 1,
            arbitrary: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
          },
        ),
        ids: fc.array(pickArb(field), { minLength: 2, maxLength: 2 }),
        rawPath: fc.boolean(),
        query: queryArb(),
        body: bodyArb(field),
        headers: headersArb(),
      });
      let batch = 0;
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const method = r.method ?? r.route.method;
          const path = fillPath(field, r.route.path, r.ids, r.rawPath) + r.query;
          const headers = await requestHeaders(field, r.headers);
          const init: RequestInit = { method, headers, redirect: "manual" };
          if (r.body && method !== "GET" && method !== "HEAD") {
            if (r.body.type !== undefined) headers["content-type"] = r.body.type;
            init.body = r.body.data;
          }
          const label = `${method} ${path.slice(0, 200)} (${r.headers.who})`;
          let res: Response;
          try {
            res = await fetch(new URL(path, server.base), init);
          } catch (err) {
            // The client refused to send it (an invalid URL or header): nothing reached the server.
            if (err instanceof TypeError && !/connection|reset|closed/i.test(err.message)) return;
            throw err;
          }
          await checkAnswer(res, label);
          if (++batch % 50 === 0) await assertHealthy(field, `after ${batch} requests`);
        }),
        params(400, 0),
      );
      await assertHealthy(field, "after the requests");
    });

    await t.step("every odd id at every param of every route (a sweep, not sampled)", async () => {
      // Ids past KV's 2 KiB key limit (ASCII and multi-byte), and ones that are no id at all.
      const nasty = ["a".repeat(3000), "é".repeat(1100), "%00", "..", "😀".repeat(600)];
      for (const route of routes.filter((r) => r.path.includes(":"))) {
        for (const id of nasty) {
          for (const who of ["mallory", "signed_out"] as const) {
            const headers: Record<string, string> = { origin: server.base };
            if (who === "mallory") headers.cookie = await field.malloryCookie();
            const path = fillPath(
              field,
              route.path,
              [{ known: 0, useKnown: false, other: id }],
              false,
            );
            const res = await fetch(new URL(path, server.base), {
              method: route.method,
              headers,
              redirect: "manual",
            });
            await checkAnswer(
              res,
              `${route.method} ${route.path} with ${id.slice(0, 10)}… (${who})`,
            );
          }
        }
      }
      await assertHealthy(field, "after the sweep");
    });

    await t.step("multipart bodies that break off mid-part answer 400 (regressions)", async () => {
      // Each of these once crashed the process: the parser emitted "error" on a file stream
      // no one listened to (an unhandled "error" event), found by the property below.
      const head = (name: string, file: string) =>
        `--b\r\nContent-Disposition: form-data; name="${name}"; filename="${file}"\r\n\r\n`;
      const bodies = [
        head("file", "a.txt") + "cut short",
        head("other", "x.txt") + "a part that is skipped, cut short",
        head("file", "a.txt") + "whole\r\n" + head("other", "y.txt") + "cut",
        head("file", "a.txt") + "whole\r\n" + head("file", "again.txt") + "cut",
      ];
      for (const body of bodies) {
        const res = await fetch(`${server.base}/api/projects/${field.malloryProject}/files`, {
          method: "POST",
          headers: {
            cookie: await field.malloryCookie(),
            origin: server.base,
            "content-type": "multipart/form-data; boundary=b",
          },
          body,
        });
        await checkAnswer(res, `upload of ${JSON.stringify(body)}`);
        // Give a late "error" event its turn to crash the process, as it did.
        await new Promise((r) => setTimeout(r, 20));
      }
      await assertHealthy(field, "after the broken uploads");
    });

    await t.step("multipart uploads: broken boundaries, odd names, missing parts", async () => {
      const upload = fc.record({
        project: fc.oneof(
          { weight: 4, arbitrary: fc.constant(field.malloryProject) },
          { weight: 1, arbitrary: fc.constant(world.project.id) },
        ),
        multipart: multipartArb(),
        accept: fc.option(fc.constantFrom("text/html", "application/json")),
      });
      await fc.assert(
        fc.asyncProperty(upload, async (u) => {
          const headers: Record<string, string> = {
            cookie: await field.malloryCookie(),
            origin: server.base,
            "content-type": u.multipart.type,
          };
          if (u.accept) headers.accept = u.accept;
          const res = await fetch(`${server.base}/api/projects/${u.project}/files`, {
            method: "POST",
            headers,
            body: u.multipart.body,
            redirect: "manual",
          });
          await checkAnswer(res, `upload to ${u.project} as ${u.multipart.type}`);
          if (u.project === world.project.id) {
            // Not a member: 404 (a page-wanting form post is sent back with the code instead).
            const location = res.headers.get("location") ?? "";
            assert.ok(res.status === 404 || location.endsWith("error=not_found"), `${res.status}`);
          }
        }),
        params(80, 1),
      );
      await assertHealthy(field, "after the uploads");
    });

    await t.step(
      "lying Content-Length, broken chunking and truncated bodies (raw HTTP)",
      async () => {
        const lie = fc.record({
          route: fc.constantFrom(...routes.filter((r) => r.method !== "GET")),
          ids: fc.array(pickArb(field), { minLength: 2, maxLength: 2 }),
          type: fc.constantFrom(...CONTENT_TYPES),
          body: fc.string({ maxLength: 100 }),
          framing: fc.constantFrom(
            "longer",
            "shorter",
            "garbage",
            "both",
            "chunked_broken",
            "negative",
          ),
          signedIn: fc.boolean(),
        });
        await fc.assert(
          fc.asyncProperty(lie, async (l) => {
            const path = fillPath(field, l.route.path, l.ids, false);
            const cookie = l.signedIn ? await field.malloryCookie() : "";
            const status = await rawRequest(server.base, {
              method: l.route.method,
              path,
              headers: {
                origin: server.base,
                "content-type": l.type,
                ...(cookie ? { cookie } : {}),
              },
              body: l.body,
              framing: l.framing,
            });
            assert.ok(
              status === null || status < 500,
              `${l.route.method} ${path} (${l.framing}): ${status}`,
            );
          }),
          params(40, 2),
        );
        await assertHealthy(field, "after the raw requests");
      },
    );

    await t.step("WebSocket upgrades with odd cookies and origins", async () => {
      const upgrade = fc.record({
        cookie: fc.option(headerText(120)),
        origin: fc.option(headerText(60)),
      });
      await fc.assert(
        fc.asyncProperty(upgrade, async (u) => {
          const headers: Record<string, string> = {};
          if (u.cookie !== null) headers.Cookie = u.cookie;
          if (u.origin !== null) headers.Origin = u.origin;
          const { status } = await rawUpgrade(server.base, headers);
          assert.ok([400, 401, 403, 431].includes(status), `upgrade answered ${status}`);
        }),
        params(30, 3),
      );
    });

    const id = idArb(field);
    const TYPES = ["join", "leave", "send_message", "typing", "ping", "watch_list"];
    const shaped = fc.record({
      type: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...TYPES) }, {
        weight: 1,
        arbitrary: fc.jsonValue(),
      }),
      conversationId: fc.oneof(id, fc.jsonValue()),
      since: fc.oneof(
        fc.integer(),
        fc.double(),
        fc.constantFrom(0, -1, 2 ** 53, 1e308),
        fc.string(),
      ),
      content: fc.oneof(
        fc.string({ maxLength: 100 }),
        fc.constant("y".repeat(5000)),
        fc.jsonValue(),
      ),
      clientId: fc.oneof(printable(70), fc.string({ maxLength: 10 }), fc.jsonValue()),
    }, { requiredKeys: ["type"] });
    const frame = fc.oneof(
      { weight: 6, arbitrary: shaped.map((f) => JSON.stringify(f)) },
      { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v) ?? "null") },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          "z".repeat(70_000),
          JSON.stringify({
            type: "send_message",
            conversationId: world.directId,
            content: "€".repeat(30_000),
            clientId: "big",
          }),
          "",
          "{",
          "null",
          '{"type":"join","conversationId":{"$gt":""}}',
          '{"__proto__":{"type":"ping"}}',
        ),
      },
    );

    await t.step("frames in bursts, each burst on a fresh socket", async () => {
      let closes = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 25 }), async (frames) => {
          const socket = await openSocket(server, await field.malloryCookie());
          for (const f of frames) socket.ws.send(typeof f === "string" ? f : new Uint8Array(f));
          const ended = await answeredOrClosed(socket);
          if (ended !== "answered") {
            closes++;
            assert.equal(ended, 1008, `the socket closed with ${ended}`);
          }
          const codes = socket.frames.flatMap((f) => (f.type === "error" ? [f.code] : []));
          assert.ok(
            !codes.includes("internal_error"),
            `internal_error frames: ${JSON.stringify(socket.frames)}`,
          );
          for (const f of socket.frames) {
            const text = JSON.stringify(f);
            for (const c of victimConversations) {
              assert.ok(
                !text.includes(c) || f.type === "error",
                `Mallory got the victim's data: ${text}`,
              );
            }
            if (f.type === "error") assert.doesNotMatch(f.message, LEAK);
          }
          await socket.close();
        }),
        params(100, 4),
      );
      await assertHealthy(field, "after the frames");
      console.log(`sockets closed with 1008 by the server: ${closes}`);
    });

    await t.step("a flood is refused and closed with 1008, not served", async () => {
      const socket = await openSocket(server, await field.malloryCookie());
      for (let i = 0; i < 400; i++) socket.ws.send('{"type":"typing","conversationId":"x"}');
      const closed = await socket.waitClosed(5000);
      assert.equal(closed.code, 1008);
      await assertHealthy(field, "after the flood");
    });

    await t.step(
      "the victim's data is exactly as it was, and the victim's sockets heard nothing",
      async () => {
        await assertVictimUnchanged(server.ctx.kv, world, before);
        await vicSocket.roundTrip();
        await valWatcher.roundTrip();
        // Mallory's own group with Vic and her own project are hers to change: she may add
        // Vic, upload there, or take him out (and Vic hears of that: it is his too). Nothing
        // of anyone else's may reach Vic.
        const hers = [
          field.malloryConversation,
          field.malloryProject,
          field.malloryProjectConversation,
        ];
        const mallorys = (f: Record<string, unknown>) =>
          hers.includes(f.conversationId as string) || hers.includes(f.areaId as string);
        assert.deepEqual(vicSocket.frames.filter((f) => !mallorys(f)), []);
        const leaked = valWatcher.frames.filter((f) =>
          victimConversations.some((c) => JSON.stringify(f).includes(c))
        );
        assert.deepEqual(leaked, []);
        // And the victim can still use it all.
        await postMessage(server, world.vic, world.directId, "still here");
        await vicSocket.next("message", (f) => f.message.content === "still here");
        await vicSocket.close();
        await valWatcher.close();
      },
    );
  }, t);
});

// ---------------------------------------------------------------- transport helpers

async function openSocket(server: Server, cookie: string): Promise<Client> {
  const url = `${server.base.replace(/^http/, "ws")}/api/ws`;
  const client = new Client(new DenoWebSocket(url, { headers: { cookie, origin: server.base } }));
  await new Promise<void>((resolve, reject) => {
    client.ws.addEventListener("open", () => resolve());
    client.ws.addEventListener("error", () => reject(new Error("the socket did not open")));
  });
  return client;
}

/** Pings after the frames: "answered" when the pong comes, else the close code. */
async function answeredOrClosed(socket: Client): Promise<"answered" | number> {
  if (socket.ws.readyState === WebSocket.OPEN) socket.ws.send('{"type":"ping"}');
  try {
    await socket.next("pong", () => true, 5000);
    return "answered";
  } catch (err) {
    if (socket.ws.readyState !== WebSocket.CLOSED) throw err;
    return (await socket.closed).code;
  }
}

/**
 * One request written by hand with the framing `framing` (fetch always frames correctly):
 * a Content-Length longer or shorter than the body, garbage or conflicting lengths, or
 * broken chunked encoding. Returns the answer's status, or null when the server (rightly)
 * just closed the connection.
 */
async function rawRequest(
  base: string,
  r: {
    method: string;
    path: string;
    headers: Record<string, string>;
    body: string;
    framing: "longer" | "shorter" | "garbage" | "both" | "chunked_broken" | "negative";
  },
): Promise<number | null> {
  const { hostname, port, host } = new URL(base);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    const body = encoder.encode(r.body);
    const framing: Record<typeof r.framing, string[]> = {
      longer: [`Content-Length: ${body.length + 50}`],
      shorter: [`Content-Length: ${Math.max(0, body.length - 3)}`],
      garbage: ["Content-Length: abc"],
      both: [`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`],
      chunked_broken: ["Transfer-Encoding: chunked"],
      negative: ["Content-Length: -5"],
    };
    const head = [
      `${r.method} ${r.path} HTTP/1.1`,
      `Host: ${host}`,
      "Connection: close",
      ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`),
      ...framing[r.framing],
    ].join("\r\n") + "\r\n\r\n";
    const payload = r.framing === "chunked_broken"
      ? concat([encoder.encode(`zz\r\n`), body, encoder.encode("\r\n5\r\nab")])
      : body;
    await conn.write(concat([encoder.encode(head), payload]));
    // The client is done sending: a server waiting for the rest of a body sees it end here.
    await conn.closeWrite();
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(16 * 1024);
    const deadline = setTimeout(() => conn.close(), 5000);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        chunks.push(buf.slice(0, n));
        if (new TextDecoder().decode(concat(chunks)).includes("\r\n")) break;
      }
    } catch {
      // Closed by the deadline or reset by the server: no answer.
    } finally {
      clearTimeout(deadline);
    }
    const text = new TextDecoder().decode(concat(chunks));
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
    return match ? Number(match[1]) : null;
  } finally {
    try {
      conn.close();
    } catch { /* closed already */ }
  }
}
