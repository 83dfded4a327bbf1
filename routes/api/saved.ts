/**
 * Saved messages (mounted at /api/saved): private to each person. Only a participant of
 * the message's conversation saves it (others get the 404 of a missing conversation); the
 * list leaves out conversations you no longer take part in.
 */
import { Hono } from "hono";
import { z } from "zod";
import { NotFoundError } from "../../lib/errors.ts";
import {
  listSaved,
  listSavedSeqs,
  MAX_SAVED_PAGE,
  savedCursorSchema,
  saveMessage,
  unsaveMessage,
} from "../../lib/messages/mod.ts";
import { type AppCtx, type Env, isFormPost, readBody, readQuery, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";

const seqParam = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const onSchema = z.object({
  on: z.enum(["0", "1"]).meta({ description: '"1" saves, "0" unsaves.' }),
  back: z.literal("saved").optional().meta({ description: "Back to the Saved page after." }),
});
const listSchema = z.object({
  cursor: savedCursorSchema.optional().meta({ description: "The previous page's `nextCursor`." }),
  limit: z.coerce.number().int().min(1).max(MAX_SAVED_PAGE).optional(),
});

/** Saves (`on`) or unsaves message `:seq` of `:conversationId`: 204 (a form: 303 back). */
async function toggle(
  c: AppCtx,
  read: (c: AppCtx) => Promise<z.infer<typeof onSchema>>,
) {
  const user = requireUser(c);
  const { kv } = c.get("ctx");
  const conversationId = c.req.param("conversationId")!;
  const seq = seqParam.safeParse(c.req.param("seq"));
  // The participant check first: an outsider learns nothing from a malformed seq.
  if (!seq.success) {
    await listSavedSeqs(kv, user.id, conversationId);
    throw new NotFoundError("Message not found.");
  }
  const form = await read(c);
  const { parentSeq } = form.on === "1"
    ? await saveMessage(kv, user.id, conversationId, seq.data)
    : await unsaveMessage(kv, user.id, conversationId, seq.data);
  if (isFormPost(c)) {
    // Back where the button was: the Saved page, a reply's thread, or the conversation.
    const thread = parentSeq ? `?thread=${parentSeq}` : "";
    return c.redirect(
      form.back === "saved" ? "/saved" : `/conversations/${conversationId}${thread}#m${seq.data}`,
      303,
    );
  }
  return c.body(null, 204);
}

const savedParams = z.object({ conversationId: z.string(), seq: seqParam });
const toggleAnswers = {
  204: "Done; also when it already was.",
  404: "No such conversation for you, or no such message.",
};

export const savedRoutes = new Hono<Env>()
  .get(
    "/",
    doc({
      tag: "Saved",
      summary: "Your saved messages, most recently saved first.",
      query: listSchema,
      responses: {
        200: "`{items: {message: Message, conversation: Conversation, savedAt}[], " +
          "nextCursor: string | null}`.",
        400: "An invalid `cursor` or `limit`.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const query = readQuery(c, listSchema);
      return c.json(await listSaved(c.get("ctx").kv, user.id, query));
    },
  )
  // Which messages of one conversation you saved (to offer Save or Unsave on each).
  .get(
    "/:conversationId",
    doc({
      tag: "Saved",
      summary: "Which messages of one conversation you saved.",
      responses: { 200: "`{seqs: number[]}`.", 404: "No such conversation for you." },
    }),
    async (c) => {
      const user = requireUser(c);
      return c.json({
        seqs: await listSavedSeqs(c.get("ctx").kv, user.id, c.req.param("conversationId")),
      });
    },
  )
  .put(
    "/:conversationId/:seq",
    doc({
      tag: "Saved",
      summary: "Saves a message (for you alone).",
      params: savedParams,
      responses: toggleAnswers,
    }),
    (c) => toggle(c, () => Promise.resolve({ on: "1" })),
  )
  .delete(
    "/:conversationId/:seq",
    doc({
      tag: "Saved",
      summary: "Unsaves a message.",
      params: savedParams,
      responses: toggleAnswers,
    }),
    (c) => toggle(c, () => Promise.resolve({ on: "0" })),
  )
  // For pages without JavaScript: `on` "1" saves, "0" unsaves; a 303 back to the message
  // (`back=saved`: to the Saved page).
  .post(
    "/:conversationId/:seq",
    doc({
      tag: "Saved",
      summary: "Saves or unsaves a message from a form (pages without JavaScript).",
      params: savedParams,
      body: onSchema,
      bodyTypes: ["form"],
      responses: {
        ...toggleAnswers,
        303: "Back to the message, or to the Saved page (`back=saved`).",
        400: '`on` is not "0" or "1".',
      },
    }),
    (c) => toggle(c, (c) => readBody(c, onSchema)),
  );
