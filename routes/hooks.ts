/**
 * `POST /hooks/:id/:secret` (mounted at /hooks, before the session and the Origin check: the
 * secret in the address is the credential): owned by H2.
 */
import { Hono } from "hono";
import type { Env } from "./_http.ts";

export const hookRoutes = new Hono<Env>();
