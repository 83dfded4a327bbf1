/**
 * Pins (mounted at /api/conversations): any participant pins or unpins a message for
 * everyone; the change reaches every room live (`message_updated`) and is told in the
 * conversation as a system message. Outsiders get the 404 of a missing conversation.
 */
import { Hono } from "hono";
import { z } from "zod";
import { getConversationRecordForUser } from "../../lib/conversations/mod.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { listPins } from "../../lib/messages/mod.ts";
import { type AppCtx, type Env, isFormPost, readBody, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { messageShape } from "../_api_shapes.ts";
import { announce } from "./membership.ts";

const seqParam = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const onSchema = z.object({
  on: z.enum(["0", "1"]).meta({ description: '"1" pins, "0" unpins.' }),
  back: z.literal("pins").optional().meta({ description: "Back to the pins page after." }),
});

/**
 * Pins (`on`) or unpins message `:seq` of conversation `:id`: 204 whether or not it was
 * pinned before; a form gets a 303 back to the message. 404 for an outsider or an unknown
 * message, 409 `system_message`, `message_deleted`, `too_many_pins` or `archived`.
 */
async function pin(
  c: AppCtx,
  on: (c: AppCtx) => Promise<z.infer<typeof onSchema>>,
) {
  const user = requireUser(c);
  const { kv, hub } = c.get("ctx");
  const conversation = await getConversationRecordForUser(kv, c.req.param("id")!, user.id);
  const seq = seqParam.safeParse(c.req.param("seq"));
  if (!seq.success) throw new NotFoundError("Message not found.");
  const form = await on(c);
  const wanted = form.on === "1";
  const { rev, message } = await hub.changeMessage(
    user,
    { conversationId: conversation.id, seq: seq.data },
    { kind: "pin", on: wanted },
  );
  // Told only when something changed: pinning a pinned message again says nothing.
  if (rev !== null) {
    await announce(c, user, conversation.id, {
      event: wanted ? "pinned" : "unpinned",
      seq: seq.data,
    });
  }
  if (isFormPost(c)) {
    // Back where the button was: the pins page, a reply's thread, or the conversation.
    const thread = message.parentSeq ? `?thread=${message.parentSeq}` : "";
    const back = form.back === "pins"
      ? `/conversations/${conversation.id}/pins`
      : `/conversations/${conversation.id}${thread}#m${seq.data}`;
    return c.redirect(back, 303);
  }
  return c.body(null, 204);
}

const pinParams = z.object({ id: z.string(), seq: seqParam });
const pinAnswers = {
  204: "Pinned (or unpinned); also when it already was.",
  404: "No such conversation for you, or no such message.",
  409: "A system or deleted message, too many pins (`too_many_pins`), or an archived channel.",
};

export const pinRoutes = new Hono<Env>()
  .get(
    "/:id/pins",
    doc({
      tag: "Pins",
      summary: "The conversation's pinned messages, most recently pinned first.",
      responses: {
        200: {
          description: "Most recently pinned first.",
          schema: z.object({ messages: z.array(messageShape) }),
        },
        404: "No such conversation for you.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      return c.json({ messages: await listPins(c.get("ctx").kv, c.req.param("id"), user.id) });
    },
  )
  .put(
    "/:id/messages/:seq/pin",
    doc({
      tag: "Pins",
      summary: "Pins a message for everyone.",
      params: pinParams,
      responses: pinAnswers,
    }),
    (c) => pin(c, () => Promise.resolve({ on: "1" })),
  )
  .delete(
    "/:id/messages/:seq/pin",
    doc({ tag: "Pins", summary: "Unpins a message.", params: pinParams, responses: pinAnswers }),
    (c) => pin(c, () => Promise.resolve({ on: "0" })),
  )
  // For pages without JavaScript: field `on` "1" pins, "0" unpins; a 303 back to the
  // message (`back=pins`: to the pins page).
  .post(
    "/:id/messages/:seq/pin",
    doc({
      tag: "Pins",
      summary: "Pins or unpins a message from a form (pages without JavaScript).",
      params: pinParams,
      body: onSchema,
      bodyTypes: ["form"],
      responses: {
        ...pinAnswers,
        303: "Back to the message, or to the pins page (`back=pins`).",
        400: '`on` is not "0" or "1".',
      },
    }),
    (c) => pin(c, (c) => readBody(c, onSchema)),
  );
