/**
 * Bots (mounted at /api/bots): a person makes accounts for their programs. A bot signs in
 * with the token made with it (the secret is in the creation's answer only), is added to
 * conversations like anyone, and shows a Bot badge. Its owner or a site admin deletes it.
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  createBot,
  deleteBot,
  displayNameSchema,
  listBots,
  refuseBots,
  usernameSchema,
} from "../../lib/accounts/mod.ts";
import { type AppCtx, type Env, isFormPost, readBody, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { renderAccountPage } from "../account.tsx";

const createBotSchema = z.object({ username: usernameSchema, displayName: displayNameSchema });

const botSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  isAdmin: z.boolean(),
  isBot: z.literal(true),
});
const botParams = z.object({ id: z.string() });

async function remove(c: AppCtx): Promise<void> {
  await deleteBot(c.get("ctx").kv, requireUser(c), c.req.param("id") ?? "");
}

const deleteAnswers = {
  204: "Deleted: the bot's account is disabled (its messages stay), its tokens revoked, its " +
    "sockets closed.",
  303: "A form post: back to /account.",
  401: "Not signed in.",
  403: "Not your bot, and you are not a site admin.",
  404: "No bot of that id (a webhook's bot goes with its webhook).",
};

export const botRoutes = new Hono<Env>()
  .get(
    "/",
    doc({
      tag: "Bots",
      summary: "Your bots, oldest first.",
      responses: {
        200: {
          description: "`{bots}`",
          schema: z.object({ bots: z.array(botSchema.extend({ createdAt: z.string() })) }),
        },
        401: "Not signed in.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      return c.json({ bots: await listBots(c.get("ctx").kv, user.id) });
    },
  )
  .post(
    "/",
    doc({
      tag: "Bots",
      summary: "Makes a bot owned by you, and its token (the secret is in this answer only).",
      description: "The bot signs in only with `Authorization: Bearer <secret>` (the token " +
        "never expires; deleting the bot ends it). At most 10 a person. A form post gets the " +
        "account page showing the secret once.",
      body: createBotSchema,
      bodyTypes: ["json", "form"],
      responses: {
        201: {
          description: "`{bot: User, secret}`",
          schema: z.object({ bot: botSchema, secret: z.string() }),
        },
        200: { description: "A form post: the account page with the secret.", type: "text/html" },
        400: "An invalid username or display name (`fields`).",
        401: "Not signed in.",
        403: "`not_for_bots`: a bot cannot create bots.",
        409: "`username_taken`, or `limit_reached` (10 bots already).",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      refuseBots(user, "bots");
      const input = await readBody(c, createBotSchema);
      const made = await createBot(c.get("ctx").kv, user.id, input);
      if (isFormPost(c)) {
        return await renderAccountPage(c, user, {
          created: { kind: "bot", name: made.bot.displayName, secret: made.secret },
        });
      }
      c.header("Cache-Control", "no-store");
      return c.json(made, 201);
    },
  )
  .delete(
    "/:id",
    doc({
      tag: "Bots",
      summary: "Deletes a bot (its owner or a site admin).",
      params: botParams,
      responses: deleteAnswers,
    }),
    async (c) => {
      await remove(c);
      return c.body(null, 204);
    },
  )
  // Forms cannot send DELETE: the same, as a post (the account page's Delete buttons).
  .post(
    "/:id/delete",
    doc({
      tag: "Bots",
      summary: "Deletes a bot (the account page's form; JSON gets 204).",
      params: botParams,
      bodyTypes: ["form"],
      responses: deleteAnswers,
    }),
    async (c) => {
      await remove(c);
      return isFormPost(c) ? c.redirect("/account?done=bot_deleted", 303) : c.body(null, 204);
    },
  );
