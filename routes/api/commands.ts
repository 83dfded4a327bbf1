/** Slash commands (mounted at /api/conversations): owned by H4. */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const commandRoutes = new Hono<Env>();
