import { Hono } from "hono";
import { limitedSearch, searchQuerySchema } from "../../lib/search/mod.ts";
import { type Env, readQuery, requireUser } from "../_http.ts";

/**
 * `GET /api/search?q=&limit=`: messages of your conversations, newest first, within the
 * searcher's limits (lib/search/gate.ts: 429 past them).
 */
export const searchRoutes = new Hono<Env>().get("/", async (c) => {
  const user = requireUser(c);
  const { kv, config } = c.get("ctx");
  const { q, limit } = readQuery(c, searchQuerySchema);
  const results = await limitedSearch(kv, user.id, q, { limit, scale: config.rateLimitScale });
  return c.json({ results });
});
