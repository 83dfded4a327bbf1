/** Personal access tokens (mounted at /api/tokens): owned by H1. */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const tokenRoutes = new Hono<Env>();
