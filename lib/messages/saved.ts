/**
 * Saved messages: a person's private list of messages to come back to. `savedKey(user,
 * savedId)` holds `{conversationId, seq, savedAt}` (savedIds are ULIDs: listed backwards,
 * the newest save comes first); `savedMessageKey(user, conv, seq)` holds the savedId, so a
 * save is idempotent and an unsave finds its entry. Only a participant saves; the list
 * leaves out (and deletes, as it passes them) the items of conversations the person no
 * longer takes part in and of messages deleted since.
 */
import { monotonicFactory } from "ulid";
import { z } from "zod";
import { getUsersByIds } from "../accounts/mod.ts";
import { type ConversationRecord, getConversationRecordForUser } from "../conversations/mod.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import type { Message, MessageRecord } from "../shared/message.ts";
import type { User } from "../shared/user.ts";
import {
  commitWithRetry,
  conversationKey,
  getManyChunked,
  membershipKey,
  messageKey,
  savedKey,
  savedMessageKey,
  savedPrefix,
} from "../storage/mod.ts";
import { withAuthors } from "./message.ts";
import { isSystem } from "./system.ts";

/** Ids that sort in the order they were made, within one millisecond too. */
const newSavedId = monotonicFactory();

/** What `savedKey` holds. */
export type SavedEntry = { conversationId: string; seq: number; savedAt: string };

/** Where a saved message lives, enough to name it and open it in context. */
export type SavedConversation = Pick<ConversationRecord, "id" | "kind" | "title" | "projectId"> & {
  participants: User[];
};
export type SavedItem = { message: Message; conversation: SavedConversation; savedAt: string };

export const SAVED_PAGE = 30;
export const MAX_SAVED_PAGE = 100;
/** A page's cursor: the savedId of the last item the previous page showed. */
export const savedCursorSchema = z.string().regex(/^[0-9A-Z]{26}$/, "Not a cursor.");

/**
 * Saves message `seq` of a conversation `userId` takes part in (NotFoundError otherwise, or
 * for an unknown message). Saving it again changes nothing. ConflictError `system_message`
 * or `message_deleted` for what cannot be saved. Returns the message's thread (its
 * parentSeq, or null), for a form's way back.
 */
export async function saveMessage(
  kv: Deno.Kv,
  userId: string,
  conversationId: string,
  seq: number,
): Promise<{ parentSeq: number | null }> {
  await getConversationRecordForUser(kv, conversationId, userId);
  let parentSeq: number | null = null;
  await commitWithRetry(async () => {
    const [message, saved] = await kv.getMany<[MessageRecord, string]>([
      messageKey(conversationId, seq),
      savedMessageKey(userId, conversationId, seq),
    ]);
    if (!message.value) throw new NotFoundError("Message not found.");
    if (isSystem(message.value)) {
      throw new ConflictError("System messages can't be saved.", "system_message");
    }
    if (message.value.deletedAt) {
      throw new ConflictError("That message was deleted.", "message_deleted");
    }
    parentSeq = message.value.parentSeq ?? null;
    if (saved.value) return true;
    const savedId = newSavedId();
    const entry: SavedEntry = { conversationId, seq, savedAt: new Date().toISOString() };
    const res = await kv.atomic()
      .check(saved)
      .set(savedMessageKey(userId, conversationId, seq), savedId)
      .set(savedKey(userId, savedId), entry)
      .commit();
    return res.ok ? true : null;
  });
  return { parentSeq };
}

/**
 * Takes message `seq` off `userId`'s saved list (nothing to do when it is not there). Only
 * a participant asks (NotFoundError otherwise, as for a missing conversation). Returns
 * the message's thread (its parentSeq, or null), for a form's way back.
 */
export async function unsaveMessage(
  kv: Deno.Kv,
  userId: string,
  conversationId: string,
  seq: number,
): Promise<{ parentSeq: number | null }> {
  await getConversationRecordForUser(kv, conversationId, userId);
  await forget(kv, userId, conversationId, seq);
  const message = await kv.get<MessageRecord>(messageKey(conversationId, seq));
  return { parentSeq: message.value?.parentSeq ?? null };
}

async function forget(kv: Deno.Kv, userId: string, conversationId: string, seq: number) {
  await commitWithRetry(async () => {
    const saved = await kv.get<string>(savedMessageKey(userId, conversationId, seq));
    if (!saved.value) return true;
    const res = await kv.atomic()
      .check(saved)
      .delete(savedMessageKey(userId, conversationId, seq))
      .delete(savedKey(userId, saved.value))
      .commit();
    return res.ok ? true : null;
  });
}

/**
 * `userId`'s saved messages, the newest save first, `limit` a page, after `cursor` (the
 * previous page's `nextCursor`; null when there is no more). Items of conversations they
 * left, or of messages deleted since, are skipped and deleted.
 */
export async function listSaved(
  kv: Deno.Kv,
  userId: string,
  options: { cursor?: string | null; limit?: number } = {},
): Promise<{ items: SavedItem[]; nextCursor: string | null }> {
  const limit = Math.min(options.limit ?? SAVED_PAGE, MAX_SAVED_PAGE);
  const kept: { savedId: string; entry: SavedEntry; record: MessageRecord }[] = [];
  const conversations = new Map<string, ConversationRecord | null>();
  let end = options.cursor ? savedKey(userId, options.cursor) : null;
  let more = true;
  while (kept.length < limit && more) {
    // One more than needed: whether there is a next page.
    const want = limit - kept.length + 1;
    const batch: { savedId: string; entry: SavedEntry }[] = [];
    const iter = kv.list<SavedEntry>(
      end ? { prefix: savedPrefix(userId), end } : { prefix: savedPrefix(userId) },
      { reverse: true, limit: want },
    );
    for await (const e of iter) batch.push({ savedId: e.key[2] as string, entry: e.value });
    more = batch.length === want;
    if (batch.length === 0) break;
    end = savedKey(userId, batch.at(-1)!.savedId);
    const ids = [...new Set(batch.map((b) => b.entry.conversationId))]
      .filter((id) => !conversations.has(id));
    const reads = await getManyChunked<unknown>(
      kv,
      ids.flatMap((id) => [membershipKey(userId, id), conversationKey(id)]),
    );
    ids.forEach((id, i) => {
      const member = reads[2 * i].value;
      const record = reads[2 * i + 1].value as ConversationRecord | null;
      conversations.set(id, member && record ? record : null);
    });
    const records = await getManyChunked<MessageRecord>(
      kv,
      batch.map((b) => messageKey(b.entry.conversationId, b.entry.seq)),
    );
    const stale: SavedEntry[] = [];
    batch.forEach((b, i) => {
      const record = records[i].value;
      if (!conversations.get(b.entry.conversationId) || !record || record.deletedAt) {
        stale.push(b.entry);
      } else if (kept.length < limit) kept.push({ ...b, record });
      else more = true;
    });
    // Gone for good from this person's view: cleaned as the list passes them.
    await Promise.all(stale.map((s) => forget(kv, userId, s.conversationId, s.seq)));
  }
  const messages = await withAuthors(kv, kept.map((k) => k.record));
  const people = new Map(
    (await getUsersByIds(kv, [
      ...new Set(
        kept.flatMap((k) => conversations.get(k.entry.conversationId)!.participantIds),
      ),
    ])).map((u) => [u.id, u]),
  );
  const items = kept.map((k, i): SavedItem => {
    const c = conversations.get(k.entry.conversationId)!;
    return {
      message: messages[i],
      savedAt: k.entry.savedAt,
      conversation: {
        id: c.id,
        kind: c.kind,
        title: c.title,
        projectId: c.projectId,
        participants: c.participantIds.flatMap((id) => people.get(id) ?? []),
      },
    };
  });
  return { items, nextCursor: more && kept.length ? kept.at(-1)!.savedId : null };
}

/**
 * The seqs `userId` saved in a conversation they take part in (NotFoundError otherwise),
 * oldest first, at most 1,000: what a room needs to offer Save or Unsave.
 */
export async function listSavedSeqs(
  kv: Deno.Kv,
  userId: string,
  conversationId: string,
): Promise<number[]> {
  await getConversationRecordForUser(kv, conversationId, userId);
  const seqs: number[] = [];
  const iter = kv.list<string>({
    start: savedMessageKey(userId, conversationId, 0),
    end: savedMessageKey(userId, conversationId, Number.MAX_SAFE_INTEGER),
  }, { limit: 1000 });
  for await (const e of iter) seqs.push(e.key[3] as number);
  return seqs;
}

/** Deletes every saved item of `userId` (their account is being deleted: personal data). */
export async function deleteAllSaved(kv: Deno.Kv, userId: string): Promise<void> {
  const entries: { savedId: string; entry: SavedEntry }[] = [];
  for await (const e of kv.list<SavedEntry>({ prefix: savedPrefix(userId) })) {
    entries.push({ savedId: e.key[2] as string, entry: e.value });
  }
  for (let i = 0; i < entries.length; i += 250) {
    const op = kv.atomic();
    for (const { savedId, entry } of entries.slice(i, i + 250)) {
      op.delete(savedKey(userId, savedId));
      op.delete(savedMessageKey(userId, entry.conversationId, entry.seq));
    }
    await op.commit();
  }
}
