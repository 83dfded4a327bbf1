/**
 * Drafts (mounted at /api/conversations): what you typed and have not sent, in a conversation
 * or one of its threads, kept for you alone and followed live by your other tabs and devices
 * (a `draft` frame). Outsiders get the 404 of a missing conversation.
 */
import { Hono } from "hono";
import { getConversationRecordForUser } from "../../lib/conversations/mod.ts";
import { draftInputSchema, draftQuerySchema, getDraft, saveDraft } from "../../lib/messages/mod.ts";
import { hitRateLimit } from "../../lib/ops/mod.ts";
import { type AppCtx, type Env, isFormPost, readBody, readQuery, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";

/**
 * Saves a person's drafts take, per minute: a composer saves after each pause in typing (and
 * at most every few hundred milliseconds), far below this.
 */
const DRAFT_LIMIT = { limit: 600, windowMs: 60_000 };

/** Stores (or clears) the draft and tells the person's other sockets when it changed. */
async function put(c: AppCtx, content?: string) {
  const user = requireUser(c);
  const { kv, hub, config } = c.get("ctx");
  await hitRateLimit(kv, ["draft_saves", user.id], {
    ...DRAFT_LIMIT,
    scale: config.rateLimitScale,
  });
  const conversationId = c.req.param("id") ?? "";
  const input = content === undefined
    ? await readBody(c, draftInputSchema)
    : { content, parentSeq: readQuery(c, draftQuerySchema).parentSeq };
  const parentSeq = input.parentSeq ?? null;
  const saved = await saveDraft(kv, {
    userId: user.id,
    conversationId,
    parentSeq,
    content: input.content,
  });
  if (saved.changed) hub.draftChanged(user.id, conversationId, parentSeq, saved.content);
  if (isFormPost(c)) return c.redirect(`/conversations/${conversationId}`, 303);
  return c.body(null, 204);
}

const draftAnswers = {
  204: "Saved (blank content: deleted).",
  303: "A form post: back to the conversation.",
  400: "Too long, or an invalid `parentSeq`.",
  404: "No such conversation for you.",
  429: "Too many saves: wait for `Retry-After`.",
};

export const draftRoutes = new Hono<Env>()
  .get(
    "/:id/draft",
    doc({
      tag: "Drafts",
      summary: "Your draft in a conversation (`?parentSeq=`: in one of its threads).",
      query: draftQuerySchema,
      responses: {
        200: "`{draft: {conversationId, parentSeq, content, updatedAt} | null}`.",
        400: "An invalid `parentSeq`.",
        404: "No such conversation for you.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const { kv } = c.get("ctx");
      const conversation = await getConversationRecordForUser(kv, c.req.param("id"), user.id);
      const parentSeq = readQuery(c, draftQuerySchema).parentSeq ?? null;
      const draft = await getDraft(kv, user.id, conversation.id, parentSeq);
      return c.json({
        draft: draft ? { conversationId: conversation.id, parentSeq, ...draft } : null,
      });
    },
  )
  .put(
    "/:id/draft",
    doc({
      tag: "Drafts",
      summary: "Saves your draft (blank content deletes it); your other devices follow live.",
      body: draftInputSchema,
      bodyTypes: ["json", "form"],
      responses: draftAnswers,
    }),
    (c) => put(c),
  )
  .delete(
    "/:id/draft",
    doc({
      tag: "Drafts",
      summary: "Deletes your draft (`?parentSeq=`: a thread's).",
      query: draftQuerySchema,
      responses: draftAnswers,
    }),
    (c) => put(c, ""),
  );
