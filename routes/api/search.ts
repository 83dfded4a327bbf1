import { Hono } from "hono";
import { z } from "zod";
import { limitedSearchPage, searchQuerySchema } from "../../lib/search/mod.ts";
import { type Env, readQuery, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { messageShape, userShape } from "../_api_shapes.ts";

/** The answer: a page of results, the cursor of the next, and whether reads ran out. */
const searchPageShape = z.object({
  results: z.array(z.object({
    message: messageShape,
    conversation: z.object({
      id: z.string(),
      kind: z.enum(["direct", "group", "project", "channel"]),
      title: z.string().nullable(),
      projectId: z.string().nullable(),
      participants: z.array(userShape),
    }).meta({ description: "Where the message is (to open it in context)." }),
    snippet: z.string().meta({
      description: "The message as plain text, at most 280 characters, cut around the first match.",
    }),
    marks: z.array(z.tuple([z.number().int(), z.number().int()])).meta({
      description: "The `[start, end)` UTF-16 ranges of `snippet` that matched, to highlight.",
    }),
  })),
  nextCursor: z.string().nullable().meta({
    description: "Pass as `cursor` for the next page (null: this was the last).",
  }),
  partial: z.boolean().meta({
    description:
      "The search ran out of its reads: some older or less recent matches may be missing.",
  }),
}).meta({
  example: {
    results: [],
    nextCursor: null,
    partial: false,
  },
});

/**
 * `GET /api/search?q=&cursor=&limit=&tz=`: messages of your conversations matching the query
 * (lib/search/parse.ts: words, "phrases", -exclusions, from:, in:, before:, after:, has:),
 * newest first, a page at a time, within the searcher's limits (lib/search/gate.ts: 429).
 */
export const searchRoutes = new Hono<Env>().get(
  "/",
  doc({
    tag: "Search",
    summary: "Searches the messages of your conversations, newest first, a page at a time.",
    description: [
      "Words match the beginnings of words (two letters or more), case and accents aside;",
      'every term must match. `"exact phrase"`; `-word` and `-"phrase"` leave out;',
      '`from:ann` (`from:@ann`, `from:me`); `in:#general`, `in:"Release plans"`, `in:@ann`',
      "(your direct conversation with Ann); several `from:` or `in:` mean any of them;",
      "`before:2026-12-05` and `after:2026-12-05` (exclusive, days in UTC, or shifted by",
      "`tz`, your offset in minutes east of UTC); `has:file`, `has:link`. Only conversations",
      "you take part in now are searched. Example: `/api/search?q=deploy%20from:ann%20in:%23ops`.",
    ].join(" "),
    query: searchQuerySchema,
    responses: {
      200: { description: "A page of results.", schema: searchPageShape },
      400: "An empty or too long query, a query of only `-exclusions`, a bad operator value " +
        '(`fields.q` says which: "before: takes a date like 2026-12-05", "Nobody is called ' +
        '@zed", "You take part in no conversation called “x”"), a cursor not given by a search ' +
        "(`fields.cursor`), or an invalid `limit` or `tz`.",
      429: "Too many searches: wait for `Retry-After`.",
    },
  }),
  async (c) => {
    const user = requireUser(c);
    const { kv, config } = c.get("ctx");
    const { q, limit, cursor, tz } = readQuery(c, searchQuerySchema);
    const page = await limitedSearchPage(kv, user.id, q, {
      limit,
      cursor,
      tz,
      scale: config.rateLimitScale,
    });
    return c.json(page);
  },
);
