import { Hono } from "hono";
import { ForbiddenError, UnauthorizedError } from "../../lib/errors.ts";
import { serveSocket } from "../../lib/realtime_socket.ts";
import type { Env } from "../_http.ts";
import { isSameOriginRequest } from "../_middleware.ts";

/**
 * The WebSocket endpoint. The session and the Origin are checked before the upgrade
 * (a foreign page must not ride the user's cookie: cross-site WebSocket hijacking).
 */
export const wsRoutes = new Hono<Env>().get("/", (c) => {
  const { hub, config } = c.get("ctx");
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
  const { socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 30 });
  serveSocket(hub, socket, { user, rateLimitScale: config.rateLimitScale });
  return response;
});
