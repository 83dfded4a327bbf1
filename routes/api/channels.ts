/**
 * The channel directory: every public channel and the private ones you are in, by name,
 * with `joined` (a channel is created with POST /api/conversations `{kind: "channel"}`,
 * joined with POST /api/conversations/:id/join).
 */
import { Hono } from "hono";
import { z } from "zod";
import { channelCursorSchema, MAX_CONVERSATION_PAGE } from "../../lib/conversations/mod.ts";
import { getChannelForUser, listChannelDirectory } from "../../lib/messages/mod.ts";
import { type Env, readQuery, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { conversationShape } from "../_api_shapes.ts";
import { limitCreation } from "./_limits.ts";

const directorySchema = z.object({
  search: z.string().max(100).default("").meta({ description: "Words of the channel's name." }),
  cursor: channelCursorSchema.optional().meta({ description: "The previous page's `nextCursor`." }),
  limit: z.coerce.number().int().min(1).max(MAX_CONVERSATION_PAGE).optional(),
});

export const channelsRoutes = new Hono<Env>()
  .get(
    "/",
    doc({
      tag: "Channels",
      summary: "The channel directory: public channels and the private ones you are in, by name.",
      description:
        "`search` filters by name (counted like the other searches: 429 past the limit). " +
        "Pages: pass `nextCursor` back as `cursor`.",
      query: directorySchema,
      responses: {
        200: {
          description: "A page of channels by name, each with `joined`.",
          schema: z.object({
            channels: z.array(conversationShape),
            nextCursor: z.string().nullable(),
          }),
        },
        400: "An invalid query field.",
        429: "Too many searches: wait for `Retry-After`.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const query = readQuery(c, directorySchema);
      // Each look-up reads every channel's entry: counted like the other searches.
      if (query.search) await limitCreation(c, user.id, "people_search");
      const { values, cursor } = await listChannelDirectory(c.get("ctx").kv, user.id, query);
      return c.json({ channels: values, nextCursor: cursor });
    },
  )
  // One channel as the directory shows it (a public one you are not in, too).
  .get(
    "/:id",
    doc({
      tag: "Channels",
      summary: "One channel as the directory shows it (a public one you are not in, too).",
      responses: {
        200: {
          description: "The channel, with `joined`.",
          schema: z.object({ channel: conversationShape }),
        },
        404: "No such channel, or a private one you are not in.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      return c.json({
        channel: await getChannelForUser(c.get("ctx").kv, c.req.param("id"), user.id),
      });
    },
  );
