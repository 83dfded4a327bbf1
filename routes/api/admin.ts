import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const adminApiRoutes = new Hono<Env>();
