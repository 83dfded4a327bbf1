/** Who takes part in a conversation: the checks every request makes, and the changes. */
import {
  commitWithRetry,
  conversationKey,
  directPairKey,
  headKey,
  isId,
  membershipKey,
  membershipsPrefix,
  projectConversationsPrefix,
  readMarkKey,
} from "../storage/mod.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { type ConversationRecord, MAX_PARTICIPANTS } from "./conversation.ts";
import { type ConversationHead, setHeadForMembers } from "./head.ts";
import { forgetMembers } from "./list_cache.ts";
import { deleteConversation } from "./delete.ts";

/** The conversation if `userId` takes part in it. Throws NotFoundError otherwise (no IDOR). */
export async function getConversationRecordForUser(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<ConversationRecord> {
  if (!isId(conversationId)) throw new NotFoundError("Conversation not found.");
  const [member, conv] = await kv.getMany<[boolean, ConversationRecord]>([
    membershipKey(userId, conversationId),
    conversationKey(conversationId),
  ]);
  if (!member.value || !conv.value) throw new NotFoundError("Conversation not found.");
  return conv.value;
}

/**
 * A participant's view of who takes part, with the head's participant-change counter read
 * in the same snapshot: a send made under that counter is re-checked at commit time only
 * if it moved. Throws NotFoundError for a non-participant.
 */
export async function getParticipation(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<{ participantIds: string[]; members: number }> {
  if (!isId(conversationId)) throw new NotFoundError("Conversation not found.");
  const [member, conv, head] = await kv.getMany<[boolean, ConversationRecord, ConversationHead]>([
    membershipKey(userId, conversationId),
    conversationKey(conversationId),
    headKey(conversationId),
  ]);
  if (!member.value || !conv.value) throw new NotFoundError("Conversation not found.");
  return { participantIds: conv.value.participantIds, members: head.value?.members ?? 0 };
}

/** A conversation's record whoever asks (for the hub's own checks), or null. */
export async function getConversationRecord(
  kv: Deno.Kv,
  conversationId: string,
): Promise<ConversationRecord | null> {
  return (await kv.get<ConversationRecord>(conversationKey(conversationId))).value;
}

/**
 * Changes who takes part in one commit with the head's participant counter (hubs in every
 * process re-check their rooms when it moves). `guard` sees the record as it is now and may
 * throw to refuse; `alsoIn` adds the caller's writes. Returns the ids added (those not in
 * yet) and the record as it is after.
 */
async function changeParticipants(
  kv: Deno.Kv,
  conversationId: string,
  change: { add?: string[]; remove?: string },
  options: {
    guard?: (record: ConversationRecord) => void;
    alsoIn?: (op: Deno.AtomicOperation, record: ConversationRecord) => void;
  } = {},
): Promise<{ added: string[]; record: ConversationRecord }> {
  return await commitWithRetry(async () => {
    const [entry, head] = await kv.getMany<[ConversationRecord, ConversationHead]>([
      conversationKey(conversationId),
      headKey(conversationId),
    ]);
    if (!entry.value) throw new NotFoundError("Conversation not found.");
    options.guard?.(entry.value);
    const ids = entry.value.participantIds.filter((id) => id !== change.remove);
    const added = [...new Set(change.add ?? [])].filter((id) => !ids.includes(id));
    if (ids.length + added.length > MAX_PARTICIPANTS) {
      throw new ValidationError(`A conversation holds at most ${MAX_PARTICIPANTS} people.`, {
        participants: "It is full.",
      });
    }
    ids.push(...added);
    if (added.length === 0 && change.remove === undefined) {
      return { added, record: entry.value };
    }
    const record = { ...entry.value, participantIds: ids };
    const op = kv.atomic().check(entry, head).set(conversationKey(conversationId), record);
    setHeadForMembers(op, conversationId, head.value, entry.value.createdAt);
    for (const id of added) op.set(membershipKey(id, conversationId), true);
    if (change.remove) op.delete(membershipKey(change.remove, conversationId));
    options.alsoIn?.(op, entry.value);
    if (!(await op.commit()).ok) return null;
    forgetMembers(kv, conversationId, [...added, change.remove]);
    return { added, record };
  });
}

/** Adds a participant (project members join the project's conversation). */
export async function addParticipant(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<void> {
  await changeParticipants(kv, conversationId, { add: [userId] });
}

/**
 * Adds participants in one commit (`guard` may refuse, seeing the record as it is now).
 * Returns the ids that were not in yet. ValidationError past MAX_PARTICIPANTS.
 */
export async function addParticipants(
  kv: Deno.Kv,
  conversationId: string,
  userIds: string[],
  guard?: (record: ConversationRecord) => void,
): Promise<string[]> {
  return (await changeParticipants(kv, conversationId, { add: userIds }, { guard })).added;
}

/** Removes a participant: from now on the conversation is a 404 for them. */
export async function removeParticipant(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
): Promise<void> {
  await changeParticipants(kv, conversationId, { remove: userId });
}

/**
 * `userId` leaves a conversation they take part in: from then on it is a 404 for them and
 * gone from their list (their read mark goes with it). A project's conversation follows the
 * project's members: ConflictError("leave_project"). A direct conversation is left only to
 * hide it (`direct: true`, when its other person is blocked: blocks.ts); its pair is
 * forgotten, so a later one between the two is a new conversation. Returns the record as it
 * was, and `deleted` when it went with them (see takeOut). The caller evicts the user's open
 * sockets (Hub.evict).
 */
export async function leaveConversation(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
  options: { direct?: boolean } = {},
): Promise<{ record: ConversationRecord; deleted: boolean }> {
  const record = await getConversationRecordForUser(kv, conversationId, userId);
  if (record.kind === "project") {
    throw new ConflictError(
      "This is the project's conversation: leave the project instead.",
      "leave_project",
    );
  }
  if (record.kind === "direct" && !options.direct) {
    throw new ConflictError(
      "A direct conversation cannot be left: block the person to hide it.",
      "direct_conversation",
    );
  }
  return await takeOut(kv, record, userId);
}

/**
 * Takes `userId` out of `record`'s conversation as if they left (their read mark goes too).
 * A private channel nobody is left in could never be opened again: it is deleted with its
 * history, and its name is free (`deleted: true`). A public one stays in the directory.
 */
export async function takeOut(
  kv: Deno.Kv,
  record: ConversationRecord,
  userId: string,
): Promise<{ record: ConversationRecord; deleted: boolean }> {
  const conversationId = record.id;
  const after = await changeParticipants(kv, conversationId, { remove: userId }, {
    alsoIn: (op, now) => {
      op.delete(readMarkKey(conversationId, userId));
      const [a, b] = record.kind === "direct" ? record.participantIds : [];
      if (a && b && now.kind === "direct") op.delete(directPairKey(a, b));
    },
  });
  return { record, deleted: await dropIfAbandoned(kv, after.record) };
}

/** Deletes a private channel nobody takes part in any more; true when it did. */
async function dropIfAbandoned(kv: Deno.Kv, record: ConversationRecord): Promise<boolean> {
  const abandoned = record.kind === "channel" && record.visibility === "private" &&
    record.participantIds.length === 0;
  if (abandoned) await deleteConversation(kv, record.id);
  return abandoned;
}

/** The ids of every conversation that belongs to a project (its own, and groups in it). */
export async function listProjectConversationIds(
  kv: Deno.Kv,
  projectId: string,
): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: projectConversationsPrefix(projectId) })) {
    ids.push(String(e.key[2]));
  }
  return ids;
}

/**
 * Takes a user out of every conversation (account deletion): out of groups and project
 * conversations like a removed participant; a direct conversation keeps naming them (it shows
 * "Deleted user" to the other person) but is gone from their side. Their read marks go too
 * (lib/messages/read_marks.ts writes them; they go with the membership they belong to).
 * Returns the conversations' ids.
 */
export async function leaveAllConversations(kv: Deno.Kv, userId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: membershipsPrefix(userId) })) ids.push(String(e.key[2]));
  for (const id of ids) {
    const record = await getConversationRecord(kv, id);
    if (record && record.kind !== "direct") {
      const after = await changeParticipants(kv, id, { remove: userId });
      await dropIfAbandoned(kv, after.record);
    }
    await kv.atomic().delete(membershipKey(userId, id)).delete(readMarkKey(id, userId)).commit();
    forgetMembers(kv, id, [userId]);
  }
  return ids;
}
