/**
 * Pinned messages: any participant pins a message for everyone in the conversation. A pin
 * is a message change (changes.ts, kind "pin"): the record's `pinned`, the `pinKey` entry
 * read here, the head's `rev` and a change-log entry move in one commit, so every room
 * shows it live (`message_updated`) and a rejoin catches up on it. Deleting a message takes
 * its pin away in that same way.
 */
import { getConversationRecordForUser } from "../conversations/mod.ts";
import { ConflictError } from "../errors.ts";
import type { Message, MessageRecord } from "../shared/message.ts";
import { getManyChunked, messageKey, pinsPrefix } from "../storage/mod.ts";
import { withAuthors } from "./message.ts";

/** The most messages one conversation keeps pinned (a 409 `too_many_pins` past it). */
export const MAX_PINS = 100;

/** What `pinKey` holds: who pinned the message, and when. */
export type PinEntry = { by: string; at: string };

/**
 * Throws ConflictError `too_many_pins` when the conversation holds MAX_PINS pins already
 * (read just before the pin's commit: two pins at once may pass it by one, no more).
 */
export async function requireRoomForPin(kv: Deno.Kv, conversationId: string): Promise<void> {
  let count = 0;
  for await (const _ of kv.list({ prefix: pinsPrefix(conversationId) }, { limit: MAX_PINS })) {
    count++;
  }
  if (count >= MAX_PINS) {
    throw new ConflictError(
      `A conversation keeps at most ${MAX_PINS} pinned messages. Unpin one first.`,
      "too_many_pins",
    );
  }
}

/**
 * The pinned messages of a conversation `userId` takes part in, the newest pin first
 * (NotFoundError for anyone else, as for a missing conversation).
 */
export async function listPins(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<Message[]> {
  await getConversationRecordForUser(kv, conversationId, userId);
  const pins: { seq: number; at: string }[] = [];
  for await (
    const e of kv.list<PinEntry>({ prefix: pinsPrefix(conversationId) }, { limit: MAX_PINS * 2 })
  ) pins.push({ seq: e.key[2] as number, at: e.value.at });
  pins.sort((a, b) => b.at.localeCompare(a.at) || b.seq - a.seq);
  const records = await getManyChunked<MessageRecord>(
    kv,
    pins.map((p) => messageKey(conversationId, p.seq)),
  );
  // The record is the truth (a pin entry and its record move together; this is a guard).
  const pinned = records.flatMap((e) => e.value?.pinned && !e.value.deletedAt ? [e.value] : []);
  return await withAuthors(kv, pinned);
}
