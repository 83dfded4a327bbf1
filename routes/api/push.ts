/** Web Push subscriptions (issue 18), mounted at /api/push: `GET /key`, `POST`/`DELETE /subscriptions`. */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const pushRoutes = new Hono<Env>();
