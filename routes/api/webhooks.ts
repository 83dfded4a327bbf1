/**
 * Incoming webhooks of a conversation (mounted at /api/conversations): any participant of a
 * group or channel lists and adds them; the creator or a site admin deletes one. Each has
 * its own bot account in the conversation; adding and deleting one is told as a system
 * message (as Slack says "added an integration"). Outsiders get the 404 of a missing
 * conversation. Forms (no JavaScript) get a 303 back to the conversation's panel.
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  createIncomingWebhook,
  deleteIncomingWebhook,
  incomingWebhookCreateSchema,
  listIncomingWebhooks,
} from "../../lib/integrations/mod.ts";
import { hitRateLimit } from "../../lib/ops/mod.ts";
import { type AppCtx, type Env, isFormPost, readBody, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { announce } from "./membership.ts";

/** Where webhook addresses point: PUBLIC_URL, else the address this request came to. */
export function hookBase(c: AppCtx): string {
  return c.get("ctx").config.publicUrl ?? new URL(c.req.url).origin;
}

const webhookShape = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string().meta({ description: "`<site>/hooks/<id>/<secret>`: whoever has it may post." }),
  botId: z.string().meta({ description: "The bot account its messages come from." }),
  createdBy: z.object({ id: z.string(), username: z.string(), displayName: z.string() }),
  createdAt: z.string(),
}).meta({ id: "IncomingWebhook" });

const hookParams = z.object({ id: z.string(), hookId: z.string() });
const outsider = "No such conversation for you (or no such webhook).";

/** DELETE …/webhooks/:hookId and its form twin. */
async function remove(c: AppCtx) {
  const user = requireUser(c);
  const { kv, hub } = c.get("ctx");
  const conversationId = c.req.param("id") ?? "";
  const { botId } = await deleteIncomingWebhook(
    kv,
    conversationId,
    c.req.param("hookId") ?? "",
    user,
  );
  hub.evict(conversationId, botId);
  await announce(c, user, conversationId, { event: "removed", userIds: [botId] });
  if (isFormPost(c)) return c.redirect(`/conversations/${conversationId}#integrations`, 303);
  return c.body(null, 204);
}

export const webhookRoutes = new Hono<Env>()
  .get(
    "/:id/webhooks",
    doc({
      tag: "Incoming webhooks",
      summary: "The conversation's incoming webhooks, oldest first, with their addresses.",
      responses: {
        200: { description: "`{webhooks}`", schema: z.object({ webhooks: z.array(webhookShape) }) },
        404: "No such conversation for you.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const webhooks = await listIncomingWebhooks(c.get("ctx").kv, c.req.param("id"), {
        userId: user.id,
        base: hookBase(c),
      });
      return c.json({ webhooks });
    },
  )
  .post(
    "/:id/webhooks",
    doc({
      tag: "Incoming webhooks",
      summary: "Adds an incoming webhook (its bot joins the conversation).",
      description:
        "Participants of groups and channels; at most 10 per conversation. Post to its `url` " +
        "with `POST /hooks/{id}/{secret}`. A form gets a 303 back to the conversation.",
      body: incomingWebhookCreateSchema,
      bodyTypes: ["json", "form"],
      responses: {
        201: { description: "`{webhook}`", schema: z.object({ webhook: webhookShape }) },
        303: "A form: back to the conversation's Integrations section.",
        400: "No name, or a name over 64 characters.",
        403: "`not_for_bots`: a bot cannot create webhooks.",
        404: "No such conversation for you.",
        409: "A direct conversation (`direct_conversation`), a project's " +
          "(`project_conversation`), an archived channel (`archived`), or 10 already " +
          "(`limit_reached`).",
        429: "Too many webhooks created (30 an hour per person).",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const { kv, config } = c.get("ctx");
      const input = await readBody(c, incomingWebhookCreateSchema);
      const conversationId = c.req.param("id");
      // Each makes an account: counted like the other creations.
      await hitRateLimit(kv, ["create_webhook", user.id], {
        limit: 30,
        windowMs: 60 * 60_000,
        scale: config.rateLimitScale,
      });
      const { webhook, bot } = await createIncomingWebhook(kv, conversationId, user, {
        name: input.name,
        base: hookBase(c),
      });
      await announce(c, user, conversationId, { event: "added", userIds: [bot.id] });
      if (isFormPost(c)) {
        return c.redirect(`/conversations/${conversationId}#webhook-${webhook.id}`, 303);
      }
      return c.json({ webhook }, 201);
    },
  )
  .delete(
    "/:id/webhooks/:hookId",
    doc({
      tag: "Incoming webhooks",
      summary: "Deletes an incoming webhook: its bot leaves, its messages stay.",
      params: hookParams,
      responses: {
        204: "Deleted.",
        403: "Neither the webhook's creator nor a site admin.",
        404: outsider,
      },
    }),
    remove,
  )
  // Forms cannot send DELETE: the same, as a post (the panel's Delete buttons).
  .post(
    "/:id/webhooks/:hookId/delete",
    doc({
      tag: "Incoming webhooks",
      summary: "Deletes an incoming webhook from a form (pages without JavaScript).",
      params: hookParams,
      bodyTypes: ["form"],
      responses: {
        303: "Back to the conversation's Integrations section.",
        403: "Neither the webhook's creator nor a site admin.",
        404: outsider,
      },
    }),
    remove,
  );
