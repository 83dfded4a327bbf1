import { type ConversationHead, listCacheOf } from "../conversations/mod.ts";
import { listMessages } from "../messages/mod.ts";
import { describeError, log } from "../ops/mod.ts";
import type { Doorbell } from "./doorbells.ts";
import { endSessionHere } from "./endings.ts";
import { evictHere, recheckMembers } from "./evictions.ts";
import type { HubParts } from "./parts.ts";
import { tellTyping } from "./typing.ts";

/**
 * What one hub does when another did something: a doorbell from another worker of this
 * process, or a head that moved (seen by the head watcher, whoever wrote it). Either only
 * says where to look; what to deliver is read from KV.
 */

/** Answers a doorbell rung by another worker's hub. */
export async function answerDoorbell(parts: HubParts, bell: Doorbell): Promise<void> {
  const { kv, conns, rooms } = parts;
  listCacheOf(kv).heard(bell);
  if (bell.kind === "typing") return tellTyping(rooms, bell.conversationId, bell.user);
  if (bell.kind === "evict") return evictHere(parts, bell.conversationId, bell.userId);
  if (bell.kind === "session_ended") return endSessionHere(conns, bell.sessionId);
  if (bell.kind === "read") {
    return conns.sendTo(bell.userId, {
      type: "read",
      conversationId: bell.conversationId,
      seq: bell.seq,
    });
  }
  if (bell.kind === "change") return rooms.deliverChanges(bell.conversationId, bell.rev);
  if (bell.kind === "presence") return void parts.presence.readRemote(bell.conversationId);
  rooms.deliver(bell.conversationId, bell.seq);
  if (!bell.participantIds.some((id) => conns.hasUser(id))) return;
  try {
    const page = await listMessages(kv, bell.conversationId, { after: bell.seq - 1, limit: 1 });
    if (page.messages[0]) conns.notifyLists(bell.participantIds, page.messages[0]);
  } catch (err) {
    log("warn", "activity lookup failed", describeError(err));
  }
}

/** A head moved somewhere: re-check the room's people if they changed, then deliver. */
export function answerHead(parts: HubParts, conversationId: string, head: ConversationHead) {
  listCacheOf(parts.kv).sawHead(conversationId, head);
  const room = parts.rooms.get(conversationId);
  if (!room) return;
  const members = head.members ?? 0;
  if (room.members !== undefined && members !== room.members) {
    room.members = members;
    void recheckMembers(parts, room);
  }
  parts.rooms.deliver(conversationId, head.seq);
  if ((head.rev ?? 0) > room.rev) parts.rooms.deliverChanges(conversationId, head.rev!);
}
