import { Hono } from "hono";
import { z } from "zod";
import { getConversationRecordForUser } from "../../lib/conversations/mod.ts";
import { NotFoundError, ValidationError } from "../../lib/errors.ts";
import { contentSchema, emojiSchema, type MessageChange } from "../../lib/messages/mod.ts";
import { type AppCtx, type Env, isFormPost, readBody, requireUser } from "../_http.ts";

const seqParam = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const editSchema = z.object({ content: contentSchema });
const emojiParam = z.object({ emoji: emojiSchema });
const onSchema = z.object({ on: z.enum(["0", "1"]) });

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

export const messageRoutes = new Hono<Env>()
  .patch(
    "/:id/messages/:seq",
    (c) => change(c, async (c) => ({ kind: "edit", ...(await readBody(c, editSchema)) })),
  )
  .delete("/:id/messages/:seq", (c) => change(c, () => Promise.resolve({ kind: "delete" })))
  // For pages without JavaScript: the same as PATCH and DELETE, answered with a 303.
  .post(
    "/:id/messages/:seq/edit",
    (c) => change(c, async (c) => ({ kind: "edit", ...(await readBody(c, editSchema)) })),
  )
  .post("/:id/messages/:seq/delete", (c) => change(c, () => Promise.resolve({ kind: "delete" })))
  .put(
    "/:id/messages/:seq/reactions/:emoji",
    (c) => change(c, (c) => Promise.resolve({ kind: "react", emoji: readEmoji(c), on: true })),
  )
  // For pages without JavaScript: field `on` "1" adds the reaction, "0" takes it back.
  .post(
    "/:id/messages/:seq/reactions/:emoji",
    (c) =>
      change(c, async (c) => ({
        kind: "react",
        emoji: readEmoji(c),
        on: (await readBody(c, onSchema)).on === "1",
      })),
  )
  .delete(
    "/:id/messages/:seq/reactions/:emoji",
    (c) => change(c, (c) => Promise.resolve({ kind: "react", emoji: readEmoji(c), on: false })),
  );
