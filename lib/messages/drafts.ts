/**
 * Drafts (`["draft", user, conversation, parentSeq]`, parentSeq 0 for the conversation's own
 * composer): what a person typed and has not sent, kept so it follows them to their other
 * tabs and devices. Private: only its author ever reads it. Live delivery to the author's
 * other sockets is the hub's (Hub.draftChanged).
 */
import { z } from "zod";
import { getConversationRecordForUser } from "../conversations/mod.ts";
import { ValidationError } from "../errors.ts";
import { MAX_MESSAGE_CHARS, MESSAGE_TOO_LONG } from "../shared/limits.ts";
import { type MessageRecord, messageSeqSchema } from "../shared/message.ts";
import { deletePrefix, draftKey, draftsPrefix, messageKey } from "../storage/mod.ts";

/** A draft as stored. */
export type DraftRecord = { content: string; updatedAt: string };

/** `PUT /api/conversations/:id/draft`: "" (or only spaces) deletes it. */
export const draftInputSchema = z.object({
  content: z.string().max(MAX_MESSAGE_CHARS, MESSAGE_TOO_LONG),
  parentSeq: messageSeqSchema.nullable().optional(),
});

/** `GET /api/conversations/:id/draft?parentSeq=`. */
export const draftQuerySchema = z.object({
  parentSeq: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});

/** What the conversation payload carries: your conversation-level draft, or null. */
export type DraftMark = { draft: string | null };

/** Above this many conversations, one range read of the person's drafts beats key reads. */
const KEYS_AT_ONCE = 10;
/** Drafts read in one range read for a list (a person keeps few; the rest show without). */
const MAX_LISTED = 1000;

/**
 * Stores (or with blank content deletes) `userId`'s draft in the conversation, or in the
 * thread under message `parentSeq`. Throws NotFoundError for a non-participant (as for a
 * missing conversation) and ValidationError when `parentSeq` names no message a thread can
 * hang under. Returns the content now stored ("" for none) and whether it changed (only
 * then do the person's other sockets need telling).
 */
export async function saveDraft(
  kv: Deno.Kv,
  input: { userId: string; conversationId: string; parentSeq?: number | null; content: string },
): Promise<{ content: string; changed: boolean }> {
  const { userId, conversationId } = input;
  await getConversationRecordForUser(kv, conversationId, userId);
  const parentSeq = input.parentSeq ?? 0;
  if (parentSeq) await requireThreadParent(kv, conversationId, parentSeq);
  const content = input.content.trim() === "" ? "" : input.content;
  const key = draftKey(userId, conversationId, parentSeq);
  const old = await kv.get<DraftRecord>(key);
  if ((old.value?.content ?? "") === content) return { content, changed: false };
  if (content) {
    await kv.set(key, { content, updatedAt: new Date().toISOString() } satisfies DraftRecord);
  } else {
    await kv.delete(key);
  }
  return { content, changed: true };
}

/** The person's draft there (parentSeq: a thread's), or null. No membership check. */
export async function getDraft(
  kv: Deno.Kv,
  userId: string,
  conversationId: string,
  parentSeq: number | null = null,
): Promise<DraftRecord | null> {
  return (await kv.get<DraftRecord>(draftKey(userId, conversationId, parentSeq ?? 0))).value;
}

/** The person's conversation-level drafts among these conversations, by conversation id. */
export async function draftsIn(
  kv: Deno.Kv,
  userId: string,
  conversationIds: string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (conversationIds.length === 0) return found;
  if (conversationIds.length <= KEYS_AT_ONCE) {
    const entries = await kv.getMany<DraftRecord[]>(
      conversationIds.map((id) => draftKey(userId, id, 0)),
    );
    for (const [i, e] of entries.entries()) {
      if (e.value) found.set(conversationIds[i], e.value.content);
    }
    return found;
  }
  const wanted = new Set(conversationIds);
  const iter = kv.list<DraftRecord>({ prefix: draftsPrefix(userId) }, { limit: MAX_LISTED });
  for await (const e of iter) {
    const [, , conversationId, parentSeq] = e.key;
    if (parentSeq === 0 && wanted.has(String(conversationId))) {
      found.set(String(conversationId), e.value.content);
    }
  }
  return found;
}

/**
 * For a send path, after a successful send: deletes the person's draft there, when it says
 * exactly what they sent (`content`; a draft the client could not clear does not come back)
 * or, without `content`, whatever it says (a form post: the page's composer started from
 * the draft and was sent). Returns true when it deleted one (then call Hub.draftChanged
 * with "").
 */
export async function clearSentDraft(
  kv: Deno.Kv,
  input: { userId: string; conversationId: string; parentSeq?: number | null; content?: string },
): Promise<boolean> {
  const key = draftKey(input.userId, input.conversationId, input.parentSeq ?? 0);
  const old = await kv.get<DraftRecord>(key);
  if (!old.value) return false;
  if (input.content !== undefined && old.value.content.trim() !== input.content.trim()) {
    return false;
  }
  const res = await kv.atomic().check(old).delete(key).commit();
  return res.ok;
}

/** Every draft of the person's (their account is deleted): how many went. */
export async function deleteAllDrafts(kv: Deno.Kv, userId: string): Promise<number> {
  return await deletePrefix(kv, draftsPrefix(userId));
}

/** A thread's draft hangs under an existing top-level message that is not a system one. */
async function requireThreadParent(kv: Deno.Kv, conversationId: string, seq: number) {
  const parent = (await kv.get<MessageRecord>(messageKey(conversationId, seq))).value;
  if (!parent || parent.parentSeq || parent.kind === "system") {
    const why = "Threads start under a message of this conversation.";
    throw new ValidationError(why, { parentSeq: why });
  }
}
