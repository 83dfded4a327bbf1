/** Bots (mounted at /api/bots): owned by H1. */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const botRoutes = new Hono<Env>();
