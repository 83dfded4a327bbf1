/**
 * The channel directory (/channels): search, every public channel and the private ones you
 * are in, Join / Open / Leave, and "Create a channel". Plain forms and links to the API
 * (routes/api/channels.ts, membership.ts, conversations.ts), which answer forms with a 303.
 */
import { Hono } from "hono";
import { z } from "zod";
import { ChannelDirectory } from "../components/ChannelDirectory.tsx";
import { channelCursorSchema } from "../lib/conversations/mod.ts";
import { listChannelDirectory, listConversationsForUser } from "../lib/messages/mod.ts";
import type { User } from "../lib/accounts/mod.ts";
import { ValidationError } from "../lib/errors.ts";
import type { AppCtx, Env } from "./_http.ts";
import { shell, signedIn } from "./chat.tsx";

const querySchema = z.object({
  search: z.string().max(100).catch(""),
  cursor: channelCursorSchema.optional().catch(undefined),
});

async function channelsPage(c: AppCtx, me: User) {
  const { kv } = c.get("ctx");
  const query = querySchema.parse({
    search: c.req.query("search") ?? "",
    cursor: c.req.query("cursor"),
  });
  const search = query.search.trim();
  const [directory, list] = await Promise.all([
    // A cursor that does not read (edited by hand, or from an older version): the first page.
    listChannelDirectory(kv, me.id, { search, cursor: query.cursor ?? null }).catch((err) => {
      if (!(err instanceof ValidationError)) throw err;
      return listChannelDirectory(kv, me.id, { search });
    }),
    listConversationsForUser(kv, me.id),
  ]);
  return await shell(c, {
    me,
    title: search ? `Channels: ${search}` : "Channels",
    section: "channels",
    list,
    children: (
      <ChannelDirectory channels={directory.values} nextCursor={directory.cursor} search={search} />
    ),
  });
}

export const channelsPageRoutes = new Hono<Env>().get("/channels", signedIn(channelsPage));
