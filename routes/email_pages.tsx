/** Email pages (issue 18): `/email/confirm/:token`, `/forgot`, `/reset/:token`, unsubscribe. */
import { Hono } from "hono";
import type { Env } from "./_http.ts";

export const emailPageRoutes = new Hono<Env>();
