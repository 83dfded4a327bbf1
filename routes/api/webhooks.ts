/** Incoming webhooks of a conversation (mounted at /api/conversations): owned by H2. */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const webhookRoutes = new Hono<Env>();
