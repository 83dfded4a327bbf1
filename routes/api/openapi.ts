/** `GET /api/openapi.json` and `GET /api/docs` (mounted at /api): owned by H5. */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

/** `app()` is the whole app, whose routes the document describes (read once, when first asked). */
export function openApiRoutes(_app: () => Hono<Env>): Hono<Env> {
  return new Hono<Env>();
}
