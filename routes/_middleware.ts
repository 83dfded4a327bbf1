import type { Context, Hono, MiddlewareHandler } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import { matchedRoutes } from "hono/route";
import type { AppContext } from "../lib/context.ts";
import { ForbiddenError } from "../lib/errors.ts";
import { log, metrics, withRequestId } from "../lib/ops/mod.ts";
import { cachedSiteSettings, getUserBySession, getUserByToken } from "../lib/accounts/mod.ts";
import { type Env, isHttps, prefetchKeysOf, readSessionCookie } from "./_http.ts";
import { EARLY_SOCKET_CSP } from "./_early_socket.ts";

/** An incoming X-Request-Id is kept when it is this tame (a proxy's id links its logs to ours). */
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** Probes and scrapes arrive every few seconds: logged at debug, not info. */
const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * Puts the app context and a request id on every request (every log line written while it
 * is served carries the id), logs one line per request and counts it in the metrics.
 */
export function requestContext(ctx: AppContext): MiddlewareHandler<Env> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("ctx", ctx);
    c.set("requestId", requestId);
    c.set("user", null);
    c.set("tokenId", null);
    const started = performance.now();
    const { method, path } = c.req;
    await withRequestId(requestId, next);
    // A WebSocket upgrade answer must reach Deno untouched (the request is gone by now).
    if (c.res.status !== 101) setHeader(c, "X-Request-Id", requestId);
    const seconds = (performance.now() - started) / 1000;
    const route = routeOf(c);
    metrics.httpRequests.inc(1, { method, route, status: String(c.res.status) });
    metrics.httpDuration.observe(seconds, { method, route });
    if (path.startsWith("/assets/")) return;
    log(QUIET_PATHS.has(path) ? "debug" : "info", "request", {
      requestId,
      method,
      route,
      // A session's id is the hash of its token: not a credential, still kept out of logs; the
      // tokens of emailed links (confirm, reset, unsubscribe) are credentials.
      path: route.includes("/sessions/:id") || route.includes(":token") ? route : path,
      status: c.res.status,
      ms: Math.round(seconds * 10_000) / 10,
    });
  };
}

/**
 * The route pattern that answered ("/api/conversations/:id"), never the raw path (ids
 * would make a metric series per conversation); "unmatched" for 404s and 405s.
 */
function routeOf(c: Context<Env>): string {
  const routes = matchedRoutes(c);
  const answered = routes[c.req.routeIndex];
  if (answered && (answered.method !== "ALL" || !/^\/?\*$/.test(answered.path))) {
    return answered.path;
  }
  return "unmatched";
}

/**
 * Sets a header on the finished answer in place. `c.header()` after the handler copies the
 * Response for every call (and turns a text body into a stream): eight copies of a 160 KB
 * page were ~10 % of its cost (measured, bench/all.ts). A Response with immutable headers
 * (a fetched or redirect one) still goes through the copy.
 */
function setHeader(c: Context<Env>, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}

/**
 * Security headers on every answer. Scripts and styles only from this origin (island
 * bundles and the stylesheet are files), and the one inline script allowed by its hash: the
 * live page's early socket (routes/_early_socket.ts), the same on every page.
 */
export function securityHeaders(): MiddlewareHandler<Env> {
  return async (c, next) => {
    const https = isHttps(c);
    await next();
    if (c.res.status === 101) return;
    // A route may set a stricter policy of its own (file downloads are sandboxed).
    if (c.res.headers.has("Content-Security-Policy")) {
      return setHeader(c, "X-Frame-Options", "DENY");
    }
    setHeader(
      c,
      "Content-Security-Policy",
      `default-src 'self'; script-src 'self' ${EARLY_SOCKET_CSP}; style-src 'self'; img-src 'self' data: blob:; ` +
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; " +
        "form-action 'self'; frame-ancestors 'none'",
    );
    setHeader(c, "X-Content-Type-Options", "nosniff");
    setHeader(c, "X-Frame-Options", "DENY");
    setHeader(c, "Referrer-Policy", "same-origin");
    setHeader(c, "Cross-Origin-Opener-Policy", "same-origin");
    setHeader(c, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (https) {
      setHeader(c, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }
  };
}

/**
 * True when the request comes from our own origin or one listed in ALLOWED_ORIGINS. Our own
 * origin is scheme and host: on an https site (or behind a proxy that says
 * `X-Forwarded-Proto: https`), a page on `http://` the same host (which anyone on the
 * network can write) is another origin, and the reverse as well.
 */
export function isSameOriginRequest(req: Request, allowedOrigins: string[]): boolean {
  const origin = req.headers.get("origin");
  if (origin) {
    if (allowedOrigins.includes(origin)) return true;
    const url = new URL(req.url);
    const https = url.protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
    try {
      const ours = new URL(`${https ? "https" : "http"}://${req.headers.get("host") ?? url.host}`);
      return new URL(origin).origin === ours.origin;
    } catch {
      return false;
    }
  }
  // No Origin: browsers send Sec-Fetch-Site; a client sending neither is not a browser,
  // and so cannot be the victim's browser forging a request.
  const site = req.headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}

/**
 * The secret of an `Authorization: Bearer …` header on an /api request ("" when the header
 * names Bearer but no secret), or null: no such header, or not an /api path (pages never sign
 * in with a token, so a link cannot carry one into a page).
 */
export function bearerSecret(c: Context<Env>): string | null {
  const path = c.req.path;
  if (path !== "/api" && !path.startsWith("/api/")) return null;
  const match = /^Bearer(?:[ \t]+(.*))?$/i.exec(c.req.header("authorization")?.trim() ?? "");
  return match ? (match[1] ?? "").trim() : null;
}

/**
 * Refuses unsafe methods from other origins with 403 (request forgery). A bearer request is
 * not checked: it signs in with its header alone and never with the cookie (loadSession), and
 * a page on another site cannot make a browser send an Authorization header to us (that
 * needs a CORS preflight answered with a grant, which this app never gives), nor knows the
 * secret; so no other site can forge one. Programs send no Origin anyway.
 */
export function sameOriginGuard(ctx: AppContext): MiddlewareHandler<Env> {
  return async (c, next) => {
    if (!["GET", "HEAD", "OPTIONS"].includes(c.req.method) && bearerSecret(c) === null) {
      if (!isSameOriginRequest(c.req.raw, ctx.config.allowedOrigins)) {
        throw new ForbiddenError(
          "This request came from another site and was refused.",
          "bad_origin",
        );
      }
    }
    await next();
  };
}

/**
 * A path that some route answers, asked with another method: 405 with Allow, in the JSON
 * error shape, instead of the 404 (Hono's method-not-allowed finds the methods). Allow lists
 * what the routes declare; HEAD, which Hono answers with every GET, is left implied.
 */
export function methodNotAllowedJson(app: Hono<Env>): MiddlewareHandler<Env> {
  return methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) => {
      const declared = methods.filter((m) => m !== "HEAD");
      // Hono copies the replaced 404's headers onto this answer (all but Content-Type; it drops
      // Allow and Content-Length first). That 404 carries no Content-Encoding: compression
      // and the security headers run outside this (main.ts), on the 405 itself (a test in
      // tests/http/compression_test.ts fails if compression is mounted inside it again).
      return c.json(
        {
          error: { code: "method_not_allowed", message: `Use ${declared.join(" or ")} here.` },
        },
        405,
        { Allow: declared.join(", ") },
      );
    },
  });
}

/** The answer to a bearer secret that signs nobody in (RFC 6750's error, never signed out). */
const INVALID_TOKEN = {
  error: {
    code: "invalid_token",
    message:
      "This access token is not valid: it is unknown, revoked or expired, or its account is disabled.",
  },
};

/**
 * Loads the signed-in user and the site's settings (its name for every page; read from KV at
 * most every few seconds, see cachedSiteSettings). An /api request with `Authorization:
 * Bearer` signs in with that token alone (cookies ignored; `tokenId` set) and is refused with
 * 401 `invalid_token` when the token signs nobody in; otherwise the session cookie, if any.
 * Both are read from KV on every request: a revoked token, an ended session or a disabled
 * account is refused at once, whichever process changed it.
 */
export function loadSession(ctx: AppContext): MiddlewareHandler<Env> {
  return async (c, next) => {
    const bearer = bearerSecret(c);
    const token = bearer === null ? readSessionCookie(c) : undefined;
    // The route's first reads, in the session's getMany (see prefetchRoute).
    const keys = token || bearer ? prefetchKeysOf(c) : null;
    const also = keys
      ? { keys, entries: undefined as Deno.KvEntryMaybe<unknown>[] | undefined }
      : undefined;
    const [signedIn, site] = await Promise.all([
      bearer !== null
        ? getUserByToken(ctx.kv, bearer, { also })
        : token
        ? getUserBySession(ctx.kv, token, { also }).then((user) => user && { user, tokenId: null })
        : null,
      cachedSiteSettings(ctx.kv, ctx.config),
    ]);
    if (also?.entries && signedIn) {
      c.set("prefetched", { userId: signedIn.user.id, entries: also.entries });
    }
    c.set("site", site);
    if (bearer !== null && !signedIn) {
      return c.json(INVALID_TOKEN, 401, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
    }
    c.set("user", signedIn?.user ?? null);
    c.set("tokenId", signedIn?.tokenId ?? null);
    return await next();
  };
}
