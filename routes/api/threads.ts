import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const threadsRoutes = new Hono<Env>();
/** Mounted at /api/conversations: a thread of a conversation. */
export const conversationThreadRoutes = new Hono<Env>();
