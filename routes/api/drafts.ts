import { Hono } from "hono";
import type { Env } from "../_http.ts";

/** Mounted at /api/conversations. */
export const draftRoutes = new Hono<Env>();
