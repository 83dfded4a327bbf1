/**
 * Link previews (mounted at /api): the proxied image and the author's removal of a message's
 * preview. Owned by S4.
 */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const previewRoutes = new Hono<Env>();
