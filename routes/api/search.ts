import { Hono } from "hono";
import { limitedSearch, searchQuerySchema } from "../../lib/search/mod.ts";
import { type Env, readQuery, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";

/**
 * `GET /api/search?q=&limit=`: messages of your conversations, newest first, within the
 * searcher's limits (lib/search/gate.ts: 429 past them).
 */
export const searchRoutes = new Hono<Env>().get(
  "/",
  doc({
    tag: "Search",
    summary: "Searches the messages of your conversations, newest first.",
    description: "Words match the beginnings of words, accents and case aside.",
    query: searchQuerySchema,
    responses: {
      200: "`{results: {message: Message, conversation: Conversation}[]}`.",
      400: "An empty or too long query, or an invalid `limit`.",
      429: "Too many searches: wait for `Retry-After`.",
    },
  }),
  async (c) => {
    const user = requireUser(c);
    const { kv, config } = c.get("ctx");
    const { q, limit } = readQuery(c, searchQuerySchema);
    const results = await limitedSearch(kv, user.id, q, { limit, scale: config.rateLimitScale });
    return c.json({ results });
  },
);
