import { Hono } from "hono";
import { searchMessages, searchQuerySchema } from "../../lib/search/mod.ts";
import { type Env, readQuery, requireUser } from "../_http.ts";

/** `GET /api/search?q=&limit=`: messages of your conversations, newest first. */
export const searchRoutes = new Hono<Env>().get("/", async (c) => {
  const user = requireUser(c);
  const { q, limit } = readQuery(c, searchQuerySchema);
  return c.json({ results: await searchMessages(c.get("ctx").kv, user.id, q, { limit }) });
});
