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

export const draftRoutes = new Hono<Env>()
  /** `{draft: {conversationId, parentSeq, content, updatedAt} | null}`. */
  .get("/:id/draft", async (c) => {
    const user = requireUser(c);
    const { kv } = c.get("ctx");
    const conversation = await getConversationRecordForUser(kv, c.req.param("id"), user.id);
    const parentSeq = readQuery(c, draftQuerySchema).parentSeq ?? null;
    const draft = await getDraft(kv, user.id, conversation.id, parentSeq);
    return c.json({
      draft: draft ? { conversationId: conversation.id, parentSeq, ...draft } : null,
    });
  })
  /** `{content, parentSeq?}` → 204; blank content deletes it. */
  .put("/:id/draft", (c) => put(c))
  /** The same as PUT with "" (`?parentSeq=` for a thread's). */
  .delete("/:id/draft", (c) => put(c, ""));
