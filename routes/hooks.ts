/**
 * `POST /hooks/:id/:secret` (mounted at /hooks, before the session and the Origin check: the
 * secret in the address is the credential, so a program posts with no cookie from anywhere).
 * Slack's shape: JSON `{text, username?}`, or a form with `payload=<that JSON>` (or `text`
 * and `username` fields). The message is posted as the webhook's bot, live to everyone.
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  incomingHookBodySchema,
  postToIncomingWebhook,
  slackMessageOf,
} from "../lib/integrations/mod.ts";
import { NotFoundError } from "../lib/errors.ts";
import { type Env, readBody } from "./_http.ts";
import { doc } from "./_openapi.ts";

const hookParams = z.object({
  id: z.string().regex(/^[0-9A-Za-z]{1,64}$/),
  secret: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
});

export const hookRoutes = new Hono<Env>()
  .post(
    "/:id/:secret",
    doc({
      tag: "Incoming webhooks",
      summary: "Posts a message through an incoming webhook (Slack's shape).",
      description: "JSON `{text, username?}`, or a form with `payload` (that JSON) or `text` and " +
        "`username` fields; other fields are ignored. No cookie and no Origin needed. At most " +
        "60 posts a minute per webhook.",
      auth: "url",
      params: hookParams,
      body: incomingHookBodySchema,
      bodyTypes: ["json", "form"],
      responses: {
        200: "`{ok: true, message}`: the Message as stored (`senderName`: the `username` sent).",
        400: "No `text`, an empty one, one over 4,000 characters, or a `payload` that is not JSON.",
        404: "No webhook at this address (an unknown id and a wrong secret look the same).",
        409: "The channel is archived (`archived`).",
        415: "Neither JSON nor a form.",
        429: "Over 60 posts in a minute: see Retry-After.",
      },
    }),
    async (c) => {
      const params = hookParams.safeParse(c.req.param());
      if (!params.success) {
        throw new NotFoundError(
          "No webhook at this address (it was deleted, or the address is wrong).",
        );
      }
      const message = slackMessageOf(await readBody(c, incomingHookBodySchema));
      const { kv, hub, config } = c.get("ctx");
      const stored = await postToIncomingWebhook(
        { kv, hub, rateLimitScale: config.rateLimitScale },
        params.data,
        message,
      );
      return c.json({ ok: true, message: stored });
    },
  );
