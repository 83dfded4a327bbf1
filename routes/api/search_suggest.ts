/** Suggestions for the search box as you type (mounted at /api/search). Owned by S3. */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const searchSuggestRoutes = new Hono<Env>();
