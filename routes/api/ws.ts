import { Hono } from "hono";
import { ForbiddenError, RateLimitError, UnauthorizedError } from "../../lib/errors.ts";
import { serveSocket } from "../../lib/realtime/mod.ts";
import { getUserBySession, sessionIdOf } from "../../lib/accounts/mod.ts";
import { type Env, readSessionCookie } from "../_http.ts";
import { isSameOriginRequest } from "../_middleware.ts";
import { clientAddress } from "../_request.ts";

/**
 * The WebSocket endpoint. The session and the Origin are checked before the upgrade
 * (a foreign page must not ride the user's cookie: cross-site WebSocket hijacking).
 */
export const wsRoutes = new Hono<Env>().get("/", async (c) => {
  const { hub, config, kv } = c.get("ctx");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return c.json(
      { error: { code: "upgrade_required", message: "Connect with a WebSocket." } },
      426,
    );
  }
  const user = c.get("user");
  if (!user) throw new UnauthorizedError();
  if (!c.req.header("origin") || !isSameOriginRequest(c.req.raw, config.allowedOrigins)) {
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
  const token = readSessionCookie(c) ?? "";
  const sessionId = await sessionIdOf(token);
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
    rateLimitScale: config.rateLimitScale,
    sessionValid: async () => (await getUserBySession(kv, token)) !== null,
  });
  return response;
});
