/**
 * Email (issue 18): `PUT /api/me/email` (`meEmailRoutes`, mounted at /api/me) and
 * `POST /api/auth/password-reset` (`passwordResetRoutes`, mounted at /api/auth).
 */
import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const meEmailRoutes = new Hono<Env>();
export const passwordResetRoutes = new Hono<Env>();
