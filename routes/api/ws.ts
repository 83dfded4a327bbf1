import { Hono } from "hono";
import { ForbiddenError, RateLimitError, UnauthorizedError } from "../../lib/errors.ts";
import { serveSocket } from "../../lib/realtime/mod.ts";
import {
  getUserBySession,
  getUserByToken,
  sessionIdOf,
  tokenSessionId,
} from "../../lib/accounts/mod.ts";
import { type Env, readSessionCookie } from "../_http.ts";
import { bearerSecret, isSameOriginRequest } from "../_middleware.ts";
import { clientAddress } from "../_request.ts";
import { doc } from "../_openapi.ts";
import { clientFrameSchema } from "../../lib/shared/protocol.ts";
import { ValidationError } from "../../lib/errors.ts";

/**
 * The WebSocket endpoint. The session and the Origin are checked before the upgrade
 * (a foreign page must not ride the user's cookie: cross-site WebSocket hijacking). A program
 * may connect with `Authorization: Bearer <token>` instead (loadSession signed it in): no
 * Origin is asked of it, since a browser's page cannot set that header on a WebSocket; its
 * socket's session is `token:<id>`, closed when the token is revoked (in any process: the
 * revocation's account event, realtime/endings.ts) and checked again every minute.
 */
export const wsRoutes = new Hono<Env>().get(
  "/",
  doc({
    tag: "Realtime",
    summary: "The WebSocket: live messages, typing, presence (frames: lib/shared/protocol.ts).",
    description: "Upgrade with the session cookie and this site's Origin, or with " +
      "`Authorization: Bearer <token>` (no Origin needed). A socket signed in with a token " +
      "closes (1008) when the token is revoked or its account disabled.\n\n" +
      "`?join=<conversationId>&since=<seq>` (both optional; `since` only with `join`) joins " +
      'that conversation as the socket\'s first frame would (`{type: "join", conversationId, ' +
      "since}`), as soon as it is open: the same membership checks, and the same answer " +
      "(`recent_messages`, or an `error` frame naming the conversation, e.g. `not_found` " +
      "for a conversation the caller is not in), with no round trip after the open. A " +
      "malformed query (an empty or over-long id, a `since` that is not a whole number ≥ 0, " +
      "`since` without `join`) is refused with 400 `invalid_input` before the upgrade. " +
      "`away=1` (a tab opened hidden) sets the socket's presence to away before that join, " +
      'as a first `{type: "presence", state: "away"}` frame would.',
    responses: {
      101: "Switching protocols: the socket is open.",
      400: "`invalid_input`: a malformed `join`, `since` or `away`.",
      401: "Not signed in, or `invalid_token`.",
      403: "`bad_origin`: a cookie upgrade from another site, or without an Origin.",
      426: "`upgrade_required`: not a WebSocket upgrade.",
      429: "Too many sockets open for this account or address.",
    },
  }),
  async (c) => {
    const { hub, config, kv } = c.get("ctx");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json(
        { error: { code: "upgrade_required", message: "Connect with a WebSocket." } },
        426,
      );
    }
    const user = c.get("user");
    if (!user) throw new UnauthorizedError();
    const join = joinOnUpgrade(c.req.query("join"), c.req.query("since"));
    const away = c.req.query("away");
    if (away !== undefined && away !== "1") throw new ValidationError("`away` must be 1.");
    const tokenId = c.get("tokenId");
    const viaCookie = tokenId === null;
    if (
      viaCookie &&
      (!c.req.header("origin") || !isSameOriginRequest(c.req.raw, config.allowedOrigins))
    ) {
      throw new ForbiddenError(
        "WebSocket connections are only accepted from this site.",
        "bad_origin",
      );
    }
    // A cap per account and per address (per process): refused before the upgrade.
    const release = hub.admitSocket(user.id, clientAddress(c), config.rateLimitScale);
    if (!release) {
      throw new RateLimitError(
        10,
        "Too many connections are open for this account or address. Close a tab and try again.",
      );
    }
    const cookie = viaCookie ? readSessionCookie(c) ?? "" : "";
    const secret = viaCookie ? "" : bearerSecret(c) ?? "";
    const sessionId = viaCookie ? await sessionIdOf(cookie) : tokenSessionId(tokenId);
    let upgraded: ReturnType<typeof Deno.upgradeWebSocket>;
    try {
      upgraded = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 30 });
    } catch (err) {
      release();
      throw err;
    }
    const { socket, response } = upgraded;
    serveSocket(hub, socket, {
      onClosed: release,
      user,
      sessionId,
      join,
      away: away === "1",
      rateLimitScale: config.rateLimitScale,
      sessionValid: viaCookie
        ? async () => (await getUserBySession(kv, cookie)) !== null
        : async () => (await getUserByToken(kv, secret)) !== null,
    });
    return response;
  },
);

/**
 * The join asked for with the upgrade, validated as a join frame is; undefined without
 * `join`. Throws ValidationError (400) for a malformed one.
 */
function joinOnUpgrade(conversationId?: string, since?: string) {
  if (conversationId === undefined && since === undefined) return undefined;
  const parsed = clientFrameSchema.safeParse({
    type: "join",
    conversationId,
    ...(since === undefined ? {} : { since: /^\d{1,15}$/.test(since) ? Number(since) : NaN }),
  });
  if (!parsed.success || parsed.data.type !== "join") {
    throw new ValidationError("`join` must name a conversation and `since` be a seq (≥ 0).");
  }
  return parsed.data;
}
