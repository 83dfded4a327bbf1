import { Hono } from "hono";
import type { Env } from "../_http.ts";

/** Mounted at /api/conversations. */
export const pinRoutes = new Hono<Env>();
