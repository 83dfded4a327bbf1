/**
 * Outgoing webhooks of a conversation (mounted at /api/conversations): participants of a
 * channel or group add an https address that each new message is POSTed to, signed with a
 * secret shown once (lib/integrations/outgoing.ts). Its creator or a site admin deletes it
 * and reads its deliveries. Outsiders get the 404 of a missing conversation. Form twins for
 * the conversation panel (components/OutgoingWebhooks.tsx). (A .ts file, as main.ts mounts
 * it: its two pages are built with `h`.)
 */
import { Hono } from "hono";
import { h } from "preact";
import { z } from "zod";
import {
  createOutgoingWebhook,
  deleteOutgoingWebhook,
  listDeliveries,
  listOutgoingWebhooksFor,
  outgoingWebhookInputSchema,
} from "../../lib/integrations/mod.ts";
import { type Env, isFormPost, readBody, requireUser, wantsPage } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { page } from "../_page.tsx";
import { DeliveriesPage, OutgoingWebhookCreated } from "../../components/OutgoingWebhooks.tsx";

const TAG = "Outgoing webhooks";
const hookParams = z.object({ id: z.string(), hookId: z.string() });

const webhookShape = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  events: z.array(z.literal("message")),
  triggerWords: z.array(z.string()),
  botId: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
const deliveryShape = z.object({
  id: z.string(),
  seq: z.number(),
  at: z.string(),
  attempt: z.number(),
  status: z.number().nullable(),
  ok: z.boolean(),
  error: z.string().nullable(),
  ms: z.number(),
});

const notFound = "No such conversation for you (or no such webhook).";

export const outgoingWebhookRoutes = new Hono<Env>()
  .get(
    "/:id/outgoing-webhooks",
    doc({
      tag: TAG,
      summary: "The conversation's outgoing webhooks (never their secrets).",
      responses: {
        200: {
          description: "`{webhooks}`, oldest first.",
          schema: z.object({ webhooks: z.array(webhookShape) }),
        },
        404: "No such conversation for you.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const webhooks = await listOutgoingWebhooksFor(c.get("ctx").kv, c.req.param("id"), user);
      return c.json({ webhooks });
    },
  )
  .post(
    "/:id/outgoing-webhooks",
    doc({
      tag: TAG,
      summary: "Adds an outgoing webhook: new messages are POSTed, signed, to its https address.",
      description:
        "A participant of a channel or group. `triggerWords`: only messages whose first word is " +
        "one of them (any case). Each delivery is `{event, conversation, message}` with " +
        "`X-Hearth-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>` and " +
        "`X-Hearth-Delivery: <id>`; retried with backoff for 24 h on network errors, 408, 429 " +
        "and 5xx; a JSON answer `{text}` is posted back as the webhook's bot. The secret is " +
        "shown only in this answer. A form (the conversation panel) gets a page with it.",
      body: outgoingWebhookInputSchema,
      bodyTypes: ["json", "form"],
      responses: {
        201: {
          description: "`{webhook, secret}`.",
          schema: z.object({ webhook: webhookShape, secret: z.string() }),
        },
        200: { description: "A form post: the page showing the secret.", type: "text/html" },
        400: "Invalid fields, or `address_refused`: not https, or a private, loopback or " +
          "link-local address.",
        404: "No such conversation for you.",
        409: "`direct_conversation`, `project_conversation`, `archived`, or `limit_reached` " +
          "(10 per conversation).",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const { kv, config } = c.get("ctx");
      const input = await readBody(c, outgoingWebhookInputSchema);
      const id = c.req.param("id");
      const made = await createOutgoingWebhook(kv, user, id, input, {
        allowPrivate: config.webhooks.allowPrivate,
      });
      c.header("Cache-Control", "no-store");
      if (isFormPost(c)) {
        return page(c, {
          title: "Outgoing webhook added",
          children: h(OutgoingWebhookCreated, { conversationId: id, ...made }),
        });
      }
      return c.json(made, 201);
    },
  )
  .delete(
    "/:id/outgoing-webhooks/:hookId",
    doc({
      tag: TAG,
      summary: "Deletes an outgoing webhook (its creator or a site admin).",
      description: "Its bot leaves the conversation; deliveries still queued are dropped.",
      params: hookParams,
      responses: { 204: "Deleted.", 403: "Not its creator nor a site admin.", 404: notFound },
    }),
    async (c) => {
      const user = requireUser(c);
      await deleteOutgoingWebhook(c.get("ctx").kv, user, c.req.param("id"), c.req.param("hookId"));
      return c.body(null, 204);
    },
  )
  // For pages without JavaScript: a 303 back to the conversation.
  .post(
    "/:id/outgoing-webhooks/:hookId/delete",
    doc({
      tag: TAG,
      summary: "Deletes an outgoing webhook from a form (pages without JavaScript).",
      params: hookParams,
      bodyTypes: ["form"],
      responses: {
        303: "Back to the conversation.",
        403: "Not its creator nor a site admin.",
        404: notFound,
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const id = c.req.param("id");
      await deleteOutgoingWebhook(c.get("ctx").kv, user, id, c.req.param("hookId"));
      return c.redirect(`/conversations/${id}`, 303);
    },
  )
  .get(
    "/:id/outgoing-webhooks/:hookId/deliveries",
    doc({
      tag: TAG,
      summary: "An outgoing webhook's last 50 delivery attempts, newest first.",
      description: "Its creator or a site admin. A browser asking for HTML gets a page.",
      params: hookParams,
      responses: {
        200: {
          description: "`{deliveries}` (or the page, for `Accept: text/html`).",
          schema: z.object({ deliveries: z.array(deliveryShape) }),
        },
        403: "Not its creator nor a site admin.",
        404: notFound,
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const id = c.req.param("id");
      const { webhook, deliveries } = await listDeliveries(
        c.get("ctx").kv,
        user,
        id,
        c.req.param("hookId"),
      );
      if (wantsPage(c)) {
        return page(c, {
          title: `Deliveries of ${webhook.name}`,
          children: h(DeliveriesPage, { conversationId: id, webhook, deliveries }),
        });
      }
      return c.json({ deliveries });
    },
  );
