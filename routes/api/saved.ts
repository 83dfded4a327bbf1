import { Hono } from "hono";
import type { Env } from "../_http.ts";

export const savedRoutes = new Hono<Env>();
