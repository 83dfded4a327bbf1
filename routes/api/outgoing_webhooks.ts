/** Outgoing webhooks of a conversation (mounted at /api/conversations): owned by H3. */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const outgoingWebhookRoutes = new Hono<Env>();
