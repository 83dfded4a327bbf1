/**
 * The API's description against the app itself: GET /api/openapi.json is OpenAPI 3.1 with
 * every path parameter declared; every route the app answers under /api and /hooks is in it
 * (a route added without doc() fails here); every documented operation is answered by a
 * route (not the app's "nothing at this address" 404 nor a 405, and never a 500: a route
 * reading a body or query with a schema its doc does not name answers 500, see
 * routes/_openapi.ts); documented bodies are what the routes validate; /api/docs shows it all.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { z } from "zod";
import { createApp } from "../../main.ts";
import {
  doc,
  documentedResponses,
  documentedRoutes,
  openApiPath,
  type RouteDoc,
  type RouteTable,
} from "../../routes/_openapi.ts";
import { type Env, readBody } from "../../routes/_http.ts";
import { createConversationVia, json, ORIGIN, registerUser, withApp } from "../support/helpers.ts";

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};
type Operation = {
  operationId: string;
  summary: string;
  tags: string[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, unknown>;
  "x-hearth-auth": string;
};
type Schema = { properties?: Record<string, unknown>; required?: string[]; $ref?: string };

const METHODS = ["get", "post", "put", "patch", "delete"];
const APP_NOT_FOUND = "There is nothing at this address.";

/** "METHOD /openapi/{path}" for each route of the table under /api or /hooks (not middleware). */
function answeredRoutes(app: RouteTable): Set<string> {
  const out = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL" || !/^\/(api|hooks)(\/|$)/.test(r.path)) continue;
    out.add(`${r.method} ${openApiPath(r.path).path}`);
  }
  return out;
}

/** The routes of the table that answer under /api or /hooks without a doc(). */
function undocumented(app: RouteTable, document: Doc): string[] {
  const documented = new Set(
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)
    ),
  );
  return [...answeredRoutes(app)].filter((r) => !documented.has(r)).sort();
}

function operations(document: Doc) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ method: m.toUpperCase(), path, op: item[m] }))
  );
}

function schemaOf(document: Doc, s: Schema): Schema {
  return s.$ref
    ? document.components.schemas[s.$ref.replace("#/components/schemas/", "")] as Schema
    : s;
}

/** Each documented route's doc() by "METHOD /openapi/{path}". */
function docsByOperation(app: RouteTable): Map<string, RouteDoc> {
  return new Map(
    documentedRoutes(app).map((r) => [`${r.method} ${openApiPath(r.path).path}`, r.doc]),
  );
}

/**
 * Whether a JSON answer is what its doc() says for that status: parsed by the documented
 * schema, and nothing left out (zod drops fields a schema does not name). Null when fine or
 * undocumented; else what is wrong.
 */
function answerProblem(spec: RouteDoc | undefined, status: number, text: string): string | null {
  const documented = spec ? documentedResponses(spec)[status] : undefined;
  if (!spec || documented === undefined) return spec ? `status ${status} is not documented` : null;
  const schema = typeof documented === "string" ? undefined : documented.schema;
  if (!schema) return null;
  const body = JSON.parse(text);
  const parsed = schema.safeParse(body);
  if (!parsed.success) return JSON.stringify(parsed.error.issues).slice(0, 300);
  try {
    assert.deepEqual(parsed.data, body);
  } catch {
    return "the answer has fields its schema does not describe";
  }
  return null;
}

Deno.test("the OpenAPI document describes every route, and only routes", async (t) => {
  await withApp(async (app) => {
    const res = await app.fetch("/api/openapi.json");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    const document: Doc = await res.json();
    const routeTable = createApp(app.ctx);

    await t.step("OpenAPI 3.1, titled with the site's name, every path parameter declared", () => {
      assert.equal(document.openapi, "3.1.0");
      assert.equal(document.info.title, "Docs Test Site");
      assert.ok(document.info.version);
      const ids = new Set<string>();
      for (const { method, path, op } of operations(document)) {
        const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
        const declared = (op.parameters ?? []).filter((p) => p.in === "path");
        assert.deepEqual(declared.map((p) => p.name).sort(), inPath, `${method} ${path}`);
        assert.ok(declared.every((p) => p.required), `${method} ${path}: path params required`);
        assert.ok(op.summary && op.tags.length === 1, `${method} ${path}: summary and tag`);
        assert.ok(Object.keys(op.responses).length > 0, `${method} ${path}: answers`);
        assert.ok(["none", "user", "admin", "url"].includes(op["x-hearth-auth"]));
        assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is unique`);
        ids.add(op.operationId);
      }
      assert.ok(ids.size > 100, `only ${ids.size} operations`);
    });

    await t.step("every route under /api and /hooks is documented", () => {
      assert.deepEqual(undocumented(routeTable, document), []);
      // The integrations' routes are there too (their owners document them).
      for (
        const path of [
          "/hooks/{id}/{secret}",
          "/api/tokens",
          "/api/bots",
          "/api/conversations/{id}/webhooks",
          "/api/conversations/{id}/outgoing-webhooks",
          "/api/conversations/{id}/commands",
        ]
      ) assert.ok(document.paths[path], `${path} is documented`);
    });

    await t.step("the check fails for a route added without doc()", () => {
      const extra = new Hono<Env>().get("/api/forgotten", (c) => c.text("hi"));
      const table = { routes: [...routeTable.routes, ...extra.routes] };
      assert.deepEqual(undocumented(table, document), ["GET /api/forgotten"]);
    });

    await t.step("the document is the app's own route table, no more", () => {
      const answered = answeredRoutes(routeTable);
      for (const { method, path } of operations(document)) {
        assert.ok(answered.has(`${method} ${path}`), `${method} ${path} is a route`);
      }
      assert.equal(documentedRoutes(routeTable).length, operations(document).length);
    });
  }, { SITE_NAME: "Docs Test Site" });
});

Deno.test("every documented operation is answered by its route (never a 500)", async () => {
  await withApp(async (app) => {
    const document: Doc = await (await app.fetch("/api/openapi.json")).json();
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    // Real ids where the path names them, so that most routes get past their 404s to the
    // body and query they read (a schema the doc does not name: a 500).
    const conversationId = await createConversationVia(app, ann.cookie, [ben.user], "Sweep");
    const sent = await app.fetch(
      `/api/conversations/${conversationId}/messages`,
      json("POST", { content: "hello" }, ann.cookie),
    );
    const { message } = await sent.json();
    const projectRes = await app.fetch(
      "/api/projects",
      json("POST", { name: "Sweep" }, ann.cookie),
    );
    const { project } = await projectRes.json();
    const fill = (path: string) =>
      path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        if (name === "id" && path.startsWith("/api/projects/")) return project.id;
        if (name === "id" && path.startsWith("/api/conversations/")) return conversationId;
        if (name === "conversationId") return conversationId;
        if (name === "seq") return String(message.seq);
        if (name === "emoji") return encodeURIComponent("👍");
        return "x0";
      });
    // Leaving and signing out last: the requests before them stay signed in and inside.
    const ending = /\/(logout|revoke-all|leave|block)$/;
    const all = operations(document).sort((a, b) =>
      Number(ending.test(a.path)) - Number(ending.test(b.path))
    );
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const specs = docsByOperation(createApp(app.ctx));
    let requests = 0;
    for (const { method, path, op } of all) {
      const url = fill(path);
      // Each encoding the body may come in, empty (a form's own schema is read for forms).
      const types: (string | null)[] = Object.keys(op.requestBody?.content ?? {});
      for (const type of types.length ? types : [null]) {
        const headers: Record<string, string> = { origin: ORIGIN, cookie: ann.cookie };
        let body: BodyInit | undefined;
        if (type === "application/json") {
          headers["content-type"] = type;
          body = "{}";
        } else if (type === "application/x-www-form-urlencoded") {
          headers["content-type"] = type;
          body = "";
        } else if (type === "multipart/form-data") body = new FormData();
        const res = await app.fetch(url, { method, headers, body });
        const text = await res.text();
        requests++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 405 || res.status >= 500 || text.includes(APP_NOT_FOUND)) {
          failures.push(`${method} ${url} (${type}): ${res.status} ${text.slice(0, 160)}`);
        }
        // Every status answered is documented, and a documented shape is the answer's.
        const problem = answerProblem(specs.get(`${method} ${path}`), res.status, text);
        if (problem) failures.push(`${method} ${url} (${type}): ${res.status}: ${problem}`);
      }
    }
    assert.deepEqual(failures, []);
    // Most got past "no such conversation": answered, or refused for their body or query.
    const passed = [...statuses].filter(([s]) => s !== 404).reduce((n, [, k]) => n + k, 0);
    assert.ok(passed > requests / 2, `only ${passed} of ${requests} got past a 404`);
    // Email on (nothing is sent: no mail worker runs here), so its routes read their bodies.
  }, { SMTP_URL: "smtp://127.0.0.1:9", MAIL_FROM: "hearth@example.com" });
});

Deno.test("documented bodies and queries are what the routes validate", async (t) => {
  await withApp(async (app) => {
    const document: Doc = await (await app.fetch("/api/openapi.json")).json();
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const conversationId = await createConversationVia(app, ann.cookie, [ben.user], "Docs");
    const bodyOf = (path: string, method: string, type = "application/json") =>
      schemaOf(document, document.paths[path][method].requestBody!.content[type].schema);

    // An empty body: the 400 names exactly the fields the document says are required.
    for (
      const [method, path, url] of [
        ["post", "/api/auth/login", "/api/auth/login"],
        ["post", "/api/auth/register", "/api/auth/register"],
        ["put", "/api/me/dnd", "/api/me/dnd"],
        ["post", "/api/projects", "/api/projects"],
        ["post", "/api/tokens", "/api/tokens"],
        ["post", "/api/conversations/{id}/read", `/api/conversations/${conversationId}/read`],
        [
          "post",
          "/api/conversations/{id}/commands",
          `/api/conversations/${conversationId}/commands`,
        ],
      ] as const
    ) {
      await t.step(
        `${method.toUpperCase()} ${path} {} → 400 naming the required fields`,
        async () => {
          const schema = bodyOf(path, method);
          const required = [...(schema.required ?? [])].sort();
          assert.ok(required.length > 0, "the document names required fields");
          const res = await app.fetch(url, json(method.toUpperCase(), {}, ann.cookie));
          assert.equal(res.status, 400);
          const { error } = await res.json();
          assert.deepEqual(Object.keys(error.fields ?? {}).sort(), required);
        },
      );
    }

    await t.step("real answers are what their documented shapes say", async () => {
      const specs = docsByOperation(createApp(app.ctx));
      const c = `/api/conversations/${conversationId}`;
      const sent = await app.fetch(
        `${c}/messages`,
        json("POST", { content: "**hi** @ben", clientId: "docs-1" }, ann.cookie),
      );
      const { message } = await sent.clone().json();
      const reply = await app.fetch(
        `${c}/messages`,
        json("POST", { content: "reply", parentSeq: message.seq }, ben.cookie),
      );
      await app.fetch(`${c}/messages/${message.seq}/pin`, json("PUT", undefined, ann.cookie));
      const calls: [string, string, Response][] = [
        ["POST", "/api/conversations/{id}/messages", sent],
        ["POST", "/api/conversations/{id}/messages", reply],
      ];
      for (
        const [method, path, body] of [
          ["GET", "/api/conversations", undefined],
          ["GET", "/api/conversations/{id}", undefined],
          ["GET", "/api/conversations/{id}/messages", undefined],
          ["GET", "/api/conversations/{id}/pins", undefined],
          ["GET", "/api/conversations/{id}/threads/{seq}", undefined],
          ["GET", "/api/conversations/{id}/notifications", undefined],
          ["GET", "/api/conversations/users", undefined],
          ["GET", "/api/auth/check", undefined],
          ["PATCH", "/api/conversations/{id}/messages/{seq}", { content: "edited" }],
          ["PUT", "/api/conversations/{id}/messages/{seq}/reactions/{emoji}", undefined],
        ] as const
      ) {
        const url = path.replace("{id}", conversationId).replace("{seq}", String(message.seq))
          .replace("{emoji}", encodeURIComponent("🎉"));
        calls.push([method, path, await app.fetch(url, json(method, body, ann.cookie))]);
      }
      const made = await app.fetch(
        "/api/conversations",
        json("POST", { kind: "channel", title: "docs-room", topic: "Docs" }, ann.cookie),
      );
      const channelId = (await made.clone().json()).conversation.id;
      calls.push(["POST", "/api/conversations", made]);
      for (
        const [method, path, body] of [
          ["GET", "/api/channels", undefined],
          ["GET", "/api/channels/{id}", undefined],
          ["PATCH", "/api/conversations/{id}", { topic: "The docs" }],
          ["POST", "/api/conversations/{id}/members", { usernames: [ben.user.username] }],
          ["GET", "/api/conversations/blocked", undefined],
        ] as const
      ) {
        const url = path.replace("{id}", channelId);
        calls.push([method, path, await app.fetch(url, json(method, body, ann.cookie))]);
      }
      const login = await app.fetch(
        "/api/auth/login",
        json("POST", { username: ann.user.username, password: ann.password }),
      );
      calls.push(["POST", "/api/auth/login", login]);
      for (const [method, path, res] of calls) {
        assert.ok(res.status < 300, `${method} ${path}: ${res.status}`);
        const problem = answerProblem(specs.get(`${method} ${path}`), res.status, await res.text());
        assert.equal(problem, null, `${method} ${path}: ${problem}`);
      }
    });

    await t.step("a wrong type for a documented field is refused, naming it", async () => {
      const path = "/api/conversations/{id}/messages";
      assert.ok(bodyOf(path, "post").properties?.content, "content is documented");
      const res = await app.fetch(
        `/api/conversations/${conversationId}/messages`,
        json("POST", { content: 5 }, ann.cookie),
      );
      assert.equal(res.status, 400);
      assert.ok((await res.json()).error.fields.content);
    });

    await t.step("an unknown field where the document says none: 400", async () => {
      const schema = bodyOf("/api/admin/settings", "patch") as { additionalProperties?: boolean };
      assert.equal(schema.additionalProperties, false);
      const res = await app.fetch("/api/admin/settings", json("PATCH", { colour: 1 }, ann.cookie));
      assert.equal(res.status, 400);
    });

    await t.step("a form's own schema is documented for the form (admin: strings)", () => {
      const path = "/api/admin/users/{id}";
      const jsonBody = bodyOf(path, "patch");
      const formBody = bodyOf(path, "patch", "application/x-www-form-urlencoded");
      assert.notDeepEqual(jsonBody, formBody);
    });

    await t.step("a documented query is the one checked: /api/search's q", async () => {
      const params = document.paths["/api/search"].get.parameters ?? [];
      assert.ok(params.some((p) => p.name === "q" && p.in === "query"));
      const res = await app.fetch("/api/search?q=", json("GET", undefined, ann.cookie));
      assert.equal(res.status, 400);
      assert.ok((await res.json()).error.fields.q);
    });
  });
});

Deno.test("a route reading a body its doc() does not name fails loudly (500)", async () => {
  const named = z.object({ a: z.string() });
  const other = z.object({ b: z.string() });
  const app = new Hono<Env>()
    .post("/ok", doc({ tag: "T", summary: "s", body: named, responses: {} }), async (c) => {
      return c.json(await readBody(c, named));
    })
    .post("/drifted", doc({ tag: "T", summary: "s", body: named, responses: {} }), async (c) => {
      return c.json(await readBody(c, other));
    });
  app.onError((err, c) => c.text(err.message, 500));
  const init = {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"a":"x"}',
  };
  assert.equal((await app.request("/ok", init)).status, 200);
  const res = await app.request("/drifted", init);
  assert.equal(res.status, 500);
  assert.match(await res.text(), /does not name/);
});

Deno.test("/api/docs: every operation on one page, read without JavaScript", async () => {
  await withApp(async (app) => {
    const document: Doc = await (await app.fetch("/api/openapi.json")).json();
    const res = await app.fetch("/api/docs");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.match(html, /<title>API · Hearth<\/title>/);
    const shown = html.match(/data-testid="api-operation"/g)?.length ?? 0;
    assert.equal(shown, operations(document).length);
    for (const { op } of operations(document)) {
      assert.ok(html.includes(`id="${op.operationId}"`), op.operationId);
    }
    // A body's fields with their limits, an answer, who may call.
    assert.ok(html.includes("/api/conversations/{id}/messages"));
    assert.ok(html.includes("Site admin") && html.includes("Public"));
    assert.ok(html.includes('href="/api/openapi.json"'));
  });
});
