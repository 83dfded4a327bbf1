import {
  channelKey,
  channelNameKey,
  clientIdByTimeKey,
  commitWithRetry,
  conversationKey,
  deletePrefix,
  headKey,
  membershipKey,
  messagesPrefix,
  notifyCursorKey,
  notifyPendingKey,
  PER_CONVERSATION_KINDS,
  projectConversationKey,
  searchCursorKey,
} from "../storage/mod.ts";
import { isTimeOrderedId } from "../shared/client_id.ts";
import type { MessageRecord } from "../shared/message.ts";
import type { ConversationRecord } from "./conversation.ts";
import { type ConversationHead, deleteHead, setHeadForMembers } from "./head.ts";
import { forgetMembers } from "./list_cache.ts";

/**
 * Deletes a conversation and everything in it (a deleted project's): its record, who takes
 * part, and its messages, head, change log, clientId index, read marks, search postings and
 * cursor, the notifier's cursor and marker (every kind storage/keys.ts files under a
 * conversation id, whichever module owns it; and the clientId entries filed by time, see
 * deleteMessages); a channel's directory entry and name (channels.ts) go in the record's commit.
 */
export async function deleteConversation(kv: Deno.Kv, conversationId: string): Promise<void> {
  const record = await commitWithRetry(async () => {
    const [entry, head] = await kv.getMany<[ConversationRecord, ConversationHead]>([
      conversationKey(conversationId),
      headKey(conversationId),
    ]);
    if (!entry.value) return { record: null };
    const record = entry.value;
    const op = kv.atomic().check(head).delete(conversationKey(conversationId));
    if (record.kind === "channel") {
      op.delete(channelKey(conversationId));
      const name = await kv.get<string>(channelNameKey(record.title ?? ""));
      if (name.value === conversationId) op.check(name).delete(name.key);
    }
    for (const id of record.participantIds) op.delete(membershipKey(id, conversationId));
    if (record.projectId) op.delete(projectConversationKey(record.projectId, conversationId));
    // The participant counter moves, as for a removal: other processes' list caches then
    // read the (deleted) record again instead of showing the conversation until its head
    // goes, after its messages; hubs re-check their rooms.
    if (head.value) setHeadForMembers(op, conversationId, head.value, record.createdAt);
    return (await op.commit()).ok ? { record } : null;
  }).then((r) => r.record);
  if (record) forgetMembers(kv, conversationId, record.participantIds);
  for (const prefix of PER_CONVERSATION_KINDS) {
    if (prefix === "msg") await deleteMessages(kv, conversationId);
    else await deletePrefix(kv, [prefix, conversationId]);
  }
  const op = kv.atomic().delete(searchCursorKey(conversationId))
    .delete(notifyCursorKey(conversationId))
    .delete(notifyPendingKey(conversationId));
  deleteHead(op, conversationId);
  await op.commit();
}

/**
 * Deletes a conversation's messages and the clientId entries filed by time (clientIdByTimeKey:
 * a UUIDv7 first, not under the conversation's id), found from the clientIds the records keep,
 * each in its message's commit: a deletion cut short leaves no entry whose record is gone, and
 * a second run finds the rest. (Entries under the conversation go with their prefix.)
 */
async function deleteMessages(kv: Deno.Kv, conversationId: string): Promise<void> {
  await deletePrefix(kv, messagesPrefix(conversationId), ({ value }) => {
    const { clientId, authorId } = value as MessageRecord;
    return clientId && isTimeOrderedId(clientId)
      ? [clientIdByTimeKey(clientId, conversationId, authorId)]
      : [];
  });
}
