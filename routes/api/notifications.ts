/**
 * Notification settings (issue 18): per conversation `GET`/`PUT /api/conversations/:id/notifications`
 * (mounted at /api/conversations) and do-not-disturb `PUT /api/me/dnd` (`meNotificationRoutes`,
 * mounted at /api/me).
 */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const notificationRoutes = new Hono<Env>();
export const meNotificationRoutes = new Hono<Env>();
