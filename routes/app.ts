/**
 * The installable app (issue 18): `/manifest.webmanifest`, `/sw.js` (scope `/`), the offline
 * page and the icons. Mounted before the session is read: none of it is private.
 */
import { Hono } from "hono";
import type { Env } from "./_http.ts";

export const appRoutes = new Hono<Env>();
