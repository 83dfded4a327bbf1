import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { z } from "zod";
import type { AppContext } from "../lib/context.ts";
import { AppError, fieldsFromIssues, UnauthorizedError, ValidationError } from "../lib/errors.ts";
import type { SiteSettings, User } from "../lib/accounts/mod.ts";
import { mediaType, readBoundedBody } from "./_body.ts";
import { assertDocumented, type RouteDoc } from "./_openapi.ts";

/** Hono's per-request variables for this app (`site`: the settings in force, see loadSession). */
export type Env = {
  Variables: {
    ctx: AppContext;
    user: User | null;
    requestId: string;
    nonce: string;
    site: SiteSettings;
    /**
     * How this request signed in: null with the session cookie (or signed out); the token's
     * id with `Authorization: Bearer` (set by loadSession).
     */
    tokenId: string | null;
    /** The route's description (routes/_openapi.ts doc()), when it has one. */
    routeDoc: RouteDoc | undefined;
    /** What loadSession read for the route beside the session (see prefetchRoute). */
    prefetched: { userId: string; entries: Deno.KvEntryMaybe<unknown>[] } | null;
  };
};
export type AppCtx = Context<Env>;

type PrefetchRule = {
  method: string;
  path: RegExp;
  keys: (match: RegExpExecArray, userId: string) => Deno.KvKey[] | null;
};
const prefetchRules: PrefetchRule[] = [];

/**
 * Declares the KV keys a route reads first (`keys`, from the path's match and the signed-in
 * user's id), so that loadSession reads them in the session's own getMany: one KV round trip
 * per request for both. Read in the same snapshot as the session and the account, during the
 * request, they are as fresh as the route's own read would be. Call at module load.
 */
export function prefetchRoute(
  method: string,
  path: RegExp,
  keys: (match: RegExpExecArray, userId: string) => Deno.KvKey[] | null,
): void {
  prefetchRules.push({ method, path, keys });
}

/** The keys the route of this request declared (see prefetchRoute), for loadSession. */
export function prefetchKeysOf(c: AppCtx): ((userId: string) => Deno.KvKey[] | null) | null {
  for (const rule of prefetchRules) {
    if (rule.method !== c.req.method) continue;
    const match = rule.path.exec(c.req.path);
    if (match) return (userId) => rule.keys(match, userId);
  }
  return null;
}

/**
 * What loadSession read for `userId` (the signed-in user), when it read exactly `keys` (the
 * route's, as the route names them: a path the rule matched differently reads nothing
 * wrong); null otherwise (the route reads them itself then).
 */
export function prefetched(
  c: AppCtx,
  userId: string,
  keys: Deno.KvKey[] | null,
): Deno.KvEntryMaybe<unknown>[] | null {
  const read = c.get("prefetched");
  if (!read || read.userId !== userId || !keys || keys.length !== read.entries.length) return null;
  const same = keys.every((key, i) => {
    const got = read.entries[i].key;
    return key.length === got.length && key.every((part, j) => part === got[j]);
  });
  return same ? read.entries : null;
}

/** The signed-in user; throws UnauthorizedError (401) otherwise. */
export function requireUser(c: AppCtx): User {
  const user = c.get("user");
  if (!user) throw new UnauthorizedError();
  return user;
}

/** True for a form post (the no-JavaScript path, answered with redirects and pages). */
export function isFormPost(c: AppCtx): boolean {
  return FORM_TYPES.has(mediaType(c.req.header("content-type")));
}

const FORM_TYPES = new Set(["application/x-www-form-urlencoded", "multipart/form-data"]);

/** What readBody read, kept for a page that shows a failed form again (see postedForm). */
const forms = new WeakMap<Request, FormData>();

/**
 * Reads and validates a JSON or form body (at most MAX_BODY_BYTES, in BODY_TIMEOUT_MS: 413
 * and 408 otherwise). Malformed JSON and invalid fields are 400s with `fields`; any other
 * content type is 415. The type must be exactly JSON or a form (parameters such as charset
 * aside): `application/jsonx` is not JSON.
 */
export async function readBody<S extends z.ZodType>(c: AppCtx, schema: S): Promise<z.infer<S>> {
  assertDocumented(c.get("routeDoc"), "body", schema);
  const type = mediaType(c.req.header("content-type"));
  let raw: unknown;
  if (type === "application/json") {
    const body = await readBoundedBody(c.req.raw);
    try {
      raw = JSON.parse(new TextDecoder().decode(body));
    } catch {
      throw new ValidationError("The request body is not valid JSON.", undefined, "malformed_json");
    }
  } else if (FORM_TYPES.has(type)) {
    const body = await readBoundedBody(c.req.raw);
    let form: FormData;
    try {
      const headers = { "content-type": c.req.header("content-type") ?? type };
      form = await new Response(body, { headers }).formData();
    } catch {
      throw new ValidationError("The form could not be read.", undefined, "malformed_form");
    }
    forms.set(c.req.raw, form);
    raw = formToObject(form);
  } else {
    throw new AppError(415, "unsupported_media_type", "Send JSON (application/json) or a form.");
  }
  return parse(schema, raw);
}

/** The form readBody read for this request (empty when there was none or it was refused). */
export function postedForm(c: AppCtx): FormData {
  return forms.get(c.req.raw) ?? new FormData();
}

/** Validates the query string with `schema` (400 with fields on failure). */
export function readQuery<S extends z.ZodType>(c: AppCtx, schema: S): z.infer<S> {
  assertDocumented(c.get("routeDoc"), "query", schema);
  return parse(schema, c.req.query());
}

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new ValidationError("Some fields need attention.", fieldsFromIssues(result.error.issues));
  }
  return result.data;
}

/** Repeated form fields become arrays (e.g. several `usernames`); files are dropped. */
function formToObject(form: FormData): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of form) {
    if (typeof value !== "string") continue;
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** True when the request came over https (to us, or to a proxy that says so). */
export function isHttps(c: AppCtx): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

/** Cookies are Secure (with the __Host- prefix) per COOKIE_SECURE; "auto": over https. */
export function secureCookies(c: AppCtx): boolean {
  const setting = c.get("ctx").config.cookieSecure;
  return setting === "auto" ? isHttps(c) : setting === "true";
}

const PLAIN_COOKIE = "sid";
const HOST_COOKIE = "__Host-sid";

/** The session token from the cookie, if any. */
export function readSessionCookie(c: AppCtx): string | undefined {
  // A bearer request (tokenId set by loadSession) ignores cookies entirely.
  if (c.get("tokenId")) return undefined;
  return getCookie(c, HOST_COOKIE) ?? getCookie(c, PLAIN_COOKIE);
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, and Secure + __Host- behind https. */
export function writeSessionCookie(c: AppCtx, token: string, expires: Date): void {
  const secure = secureCookies(c);
  setCookie(c, secure ? HOST_COOKIE : PLAIN_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    secure,
    path: "/",
    expires,
  });
}

/** Clears the session cookie (both names). */
export function clearSessionCookie(c: AppCtx): void {
  deleteCookie(c, PLAIN_COOKIE, { path: "/" });
  deleteCookie(c, HOST_COOKIE, { path: "/", secure: true });
}

/** Error codes a page may show after a failed form post (the page has the words for each). */
export const FORM_ERROR_CODES = new Set([
  "invalid_input",
  "conflict",
  "already_member",
  "forbidden",
  "not_found",
  "rate_limited",
  "file_too_large",
  "quota_exceeded",
  "storage_full",
  "wrong_password",
  "weak_password",
  "name_taken",
  "archived",
  "blocked",
  "leave_project",
  "direct_conversation",
  "project_conversation",
  "not_a_channel",
  "unknown_command",
  "address_refused",
  "limit_reached",
  "username_taken",
]);

/**
 * Where a failed form post (no JavaScript) goes: back to the page it came from, with the
 * error's code in `?error=` for the page to explain. Only the code travels, never text, so
 * a crafted link cannot make a page say anything. Returns null when JSON should answer
 * (any client that does not ask for HTML, e.g. fetch or XHR uploads).
 */
export function formErrorRedirect(c: AppCtx, err: unknown): string | null {
  if (!isFormPost(c) || !wantsPage(c)) return null;
  if (!(err instanceof AppError) || !FORM_ERROR_CODES.has(err.code)) return null;
  const referer = c.req.header("referer");
  let path = "/";
  try {
    const url = new URL(referer ?? "");
    if (url.host === new URL(c.req.url).host) path = url.pathname;
  } catch { /* no usable Referer: back to the start page */ }
  return `${path}?error=${err.code}`;
}

/** A browser navigating (a form post without JavaScript) asks for HTML; fetch and XHR do not. */
export function wantsPage(c: AppCtx): boolean {
  return (c.req.header("accept") ?? "").includes("text/html");
}
