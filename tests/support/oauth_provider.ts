/**
 * A real OAuth 2 / OpenID Connect provider for the OAuth tests, run as its own process:
 * `deno run -A tests/oauth_provider.ts` listens on 127.0.0.1 (a free port) and prints its issuer
 * URL as the first line on stdout.
 *
 * It is oauth2-mock-server (discovery, /authorize, /token with PKCE, signed ID tokens) plus:
 * - `GET /user`: a GitHub-shaped profile, so the same process stands in for GitHub too;
 * - `POST /_control` (JSON): who signs in next and what goes wrong, e.g.
 *   `{"identity": {"sub": "42", "preferred_username": "ada", "email": "ada@example.com",
 *   "name": "Ada", "login": "ada"}, "deny": false, "failToken": false, "badNonce": false}`.
 *   The identity is fixed when /authorize hands out a code, so a flow keeps the identity it
 *   started with. A flag applies to the next flow only.
 * Requests for a scope without "openid" (the GitHub flow) get no ID token, as at GitHub.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { Events, OAuth2Server } from "oauth2-mock-server";

const identitySchema = z.object({
  sub: z.string().min(1),
  preferred_username: z.string().optional(),
  email: z.string().optional(),
  name: z.string().optional(),
  login: z.string().optional(),
});
type Identity = z.infer<typeof identitySchema>;

const controlSchema = z.object({
  identity: identitySchema.optional(),
  deny: z.boolean().optional(),
  failToken: z.boolean().optional(),
  badNonce: z.boolean().optional(),
});

let current: Identity = { sub: "johndoe", preferred_username: "johndoe", name: "John Doe" };
let flags = { deny: false, failToken: false, badNonce: false };
/** What each issued code stands for: its identity, its scope and the flags of its flow. */
const codes = new Map<string, { identity: Identity; openid: boolean; flags: typeof flags }>();
/** Access tokens handed out, to answer /user and /userinfo for the right person. */
const tokens = new Map<string, Identity>();

const server = new OAuth2Server();
await server.issuer.keys.generate("RS256");
const service = server.service;

service.on(Events.BeforeAuthorizeRedirect, (redirect: { url: URL }, req: IncomingMessage) => {
  const query = new URL(req.url ?? "/", "http://x").searchParams;
  const code = redirect.url.searchParams.get("code");
  if (flags.deny) {
    redirect.url.searchParams.delete("code");
    redirect.url.searchParams.set("error", "access_denied");
    redirect.url.searchParams.set("error_description", "The user denied the request.");
  } else if (code) {
    const openid = (query.get("scope") ?? "").split(" ").includes("openid");
    codes.set(code, { identity: current, openid, flags });
  }
  flags = { deny: false, failToken: false, badNonce: false };
});

function codeOf(req: IncomingMessage) {
  const body = (req as IncomingMessage & { body?: { code?: string } }).body;
  return body?.code ? codes.get(body.code) : undefined;
}

service.on(
  Events.BeforeTokenSigning,
  (token: { payload: Record<string, unknown> }, req: IncomingMessage) => {
    const flow = codeOf(req);
    if (!flow) return;
    const { login: _login, ...claims } = flow.identity;
    Object.assign(token.payload, claims);
    if (flow.flags.badNonce && "nonce" in token.payload) token.payload.nonce = "not-the-nonce";
  },
);

service.on(
  Events.BeforeResponse,
  (response: { statusCode: number; body: Record<string, unknown> }, req: IncomingMessage) => {
    const flow = codeOf(req);
    if (!flow) return;
    if (flow.flags.failToken) {
      response.statusCode = 400;
      response.body = { error: "invalid_grant", error_description: "The code is not valid." };
      return;
    }
    if (!flow.openid) delete response.body.id_token;
    tokens.set(String(response.body.access_token), flow.identity);
  },
);

service.on(
  Events.BeforeUserinfo,
  (response: { statusCode: number; body: Record<string, unknown> }, req: IncomingMessage) => {
    const identity = identityOfBearer(req);
    if (!identity) {
      response.statusCode = 401;
      response.body = { error: "invalid_token" };
      return;
    }
    const { login: _login, ...claims } = identity;
    response.body = claims;
  },
);

function identityOfBearer(req: IncomingMessage): Identity | undefined {
  const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "");
  return match ? tokens.get(match[1]) : undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

service.addRoute("GET", "/user", (req, res) => {
  const identity = identityOfBearer(req);
  if (!identity) return sendJson(res, 401, { message: "Bad credentials" });
  sendJson(res, 200, {
    id: Number(identity.sub),
    login: identity.login ?? identity.preferred_username ?? `user${identity.sub}`,
    name: identity.name ?? null,
    email: identity.email ?? null,
  });
});

service.addRoute("POST", "/_control", (req, res) => {
  const parsed = controlSchema.safeParse(req.body);
  if (!parsed.success) return sendJson(res, 400, { error: parsed.error.message });
  if (parsed.data.identity) current = parsed.data.identity;
  flags = {
    deny: parsed.data.deny ?? false,
    failToken: parsed.data.failToken ?? false,
    badNonce: parsed.data.badNonce ?? false,
  };
  sendJson(res, 200, { ok: true });
});

await server.start(0, "127.0.0.1");
// The library names "localhost"; the address it listens on avoids any IPv6 detour.
server.issuer.url = `http://127.0.0.1:${server.address().port}`;
console.log(server.issuer.url);

// The test closes our stdin when it is done with us (or dies): stop then.
for await (const _ of Deno.stdin.readable) { /* nothing is sent; wait for the end */ }
await server.stop();
Deno.exit(0);
