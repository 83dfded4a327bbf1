import { Hono } from "hono";
import { z } from "zod";
import { getConversationRecordForUser } from "../../lib/conversations/mod.ts";
import { NotFoundError, ValidationError } from "../../lib/errors.ts";
import { contentSchema, emojiSchema, type MessageChange } from "../../lib/messages/mod.ts";
import { type AppCtx, type Env, isFormPost, readBody, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { oneMessage } from "../_api_shapes.ts";

const seqParam = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const editSchema = z.object({
  content: contentSchema.meta({ description: "The new text (Markdown)." }),
});
const emojiParam = z.object({ emoji: emojiSchema });
const onSchema = z.object({
  on: z.enum(["0", "1"]).meta({ description: '"1" adds your reaction, "0" takes it back.' }),
});

/**
 * Edits, deletes and reactions on one message (`/:id/messages/:seq…`): the participant
 * check comes first, so an outsider gets the 404 of a missing conversation whatever else is
 * wrong with the request; then the seq (an unknown one is a 404 too), then the body.
 */
async function change(c: AppCtx, body: (c: AppCtx) => Promise<MessageChange>) {
  const user = requireUser(c);
  const { kv, hub } = c.get("ctx");
  const conversation = await getConversationRecordForUser(kv, c.req.param("id")!, user.id);
  const seq = seqParam.safeParse(c.req.param("seq"));
  if (!seq.success) throw new NotFoundError("Message not found.");
  const wanted = await body(c);
  const { message } = await hub.changeMessage(
    user,
    { conversationId: conversation.id, seq: seq.data },
    wanted,
  );
  if (isFormPost(c)) {
    // A reply is shown in its thread; the conversation's history shows top-level ones.
    const thread = message.parentSeq ? `?thread=${message.parentSeq}` : "";
    return c.redirect(`/conversations/${conversation.id}${thread}#m${message.seq}`, 303);
  }
  return c.json({ message });
}

function readEmoji(c: AppCtx): string {
  const parsed = emojiParam.safeParse({ emoji: c.req.param("emoji") });
  if (parsed.success) return parsed.data.emoji;
  throw new ValidationError("React with one emoji.", { emoji: "React with one emoji." });
}

const messageParams = z.object({ id: z.string(), seq: seqParam });
const reactionParams = messageParams.extend(emojiParam.shape);
const changeAnswers = {
  200: {
    description: "The message as it is now (everyone in it sees the change live).",
    schema: oneMessage,
  },
  404: "No such conversation for you, or no such message.",
};
const formAnswer = { 303: "A form post: back to the message." };

export const messageRoutes = new Hono<Env>()
  .patch(
    "/:id/messages/:seq",
    doc({
      tag: "Messages",
      summary: "Edits your message.",
      params: messageParams,
      body: editSchema,
      bodyTypes: ["json", "form"],
      responses: {
        ...changeAnswers,
        ...formAnswer,
        400: "Empty or too long content.",
        403: "Not your message.",
        409: "A system or deleted message, or an archived channel.",
      },
    }),
    (c) => change(c, async (c) => ({ kind: "edit", ...(await readBody(c, editSchema)) })),
  )
  .delete(
    "/:id/messages/:seq",
    doc({
      tag: "Messages",
      summary: 'Deletes your message (its text goes; a "deleted" placeholder stays).',
      params: messageParams,
      responses: {
        ...changeAnswers,
        403: "Not your message.",
        409: "A system message, or an archived channel.",
      },
    }),
    (c) => change(c, () => Promise.resolve({ kind: "delete" })),
  )
  // For pages without JavaScript: the same as PATCH and DELETE, answered with a 303.
  .post(
    "/:id/messages/:seq/edit",
    doc({
      tag: "Messages",
      summary: "Edits your message from a form (pages without JavaScript).",
      params: messageParams,
      body: editSchema,
      bodyTypes: ["form", "json"],
      responses: {
        ...changeAnswers,
        ...formAnswer,
        400: "Empty or too long content.",
        403: "Not your message.",
        409: "A system or deleted message, or an archived channel.",
      },
    }),
    (c) => change(c, async (c) => ({ kind: "edit", ...(await readBody(c, editSchema)) })),
  )
  .post(
    "/:id/messages/:seq/delete",
    doc({
      tag: "Messages",
      summary: "Deletes a message from a form (pages without JavaScript).",
      params: messageParams,
      responses: {
        ...changeAnswers,
        ...formAnswer,
        403: "Not your message.",
        409: "A system message, or an archived channel.",
      },
    }),
    (c) => change(c, () => Promise.resolve({ kind: "delete" })),
  )
  .put(
    "/:id/messages/:seq/reactions/:emoji",
    doc({
      tag: "Reactions",
      summary: "Adds your reaction (one emoji) to a message.",
      params: reactionParams,
      responses: {
        ...changeAnswers,
        400: "`emoji` is not one emoji.",
        409: "A system or deleted message, too many different reactions, or an archived channel.",
      },
    }),
    (c) => change(c, (c) => Promise.resolve({ kind: "react", emoji: readEmoji(c), on: true })),
  )
  // For pages without JavaScript: field `on` "1" adds the reaction, "0" takes it back.
  .post(
    "/:id/messages/:seq/reactions/:emoji",
    doc({
      tag: "Reactions",
      summary: "Adds (`on=1`) or takes back (`on=0`) your reaction from a form.",
      params: reactionParams,
      body: onSchema,
      bodyTypes: ["form", "json"],
      responses: {
        ...changeAnswers,
        ...formAnswer,
        400: '`emoji` is not one emoji, or `on` is not "0" or "1".',
        409: "A system or deleted message, too many different reactions, or an archived channel.",
      },
    }),
    (c) =>
      change(c, async (c) => ({
        kind: "react",
        emoji: readEmoji(c),
        on: (await readBody(c, onSchema)).on === "1",
      })),
  )
  .delete(
    "/:id/messages/:seq/reactions/:emoji",
    doc({
      tag: "Reactions",
      summary: "Takes back your reaction.",
      params: reactionParams,
      responses: {
        ...changeAnswers,
        400: "`emoji` is not one emoji.",
        409: "A system or deleted message, or an archived channel.",
      },
    }),
    (c) => change(c, (c) => Promise.resolve({ kind: "react", emoji: readEmoji(c), on: false })),
  );
