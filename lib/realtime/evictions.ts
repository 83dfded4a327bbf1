import { getConversationRecord } from "../conversations/mod.ts";
import { describeError, log } from "../ops/mod.ts";
import { leaveRoom } from "./join.ts";
import type { HubParts } from "./parts.ts";
import type { Room } from "./rooms.ts";

/**
 * Takes a removed participant's sockets here out of the room: they get an error frame (code
 * "removed") and no further messages, and a join of theirs under way is refused.
 */
export function evictHere(parts: HubParts, conversationId: string, userId: string): void {
  parts.members.forget(conversationId);
  const room = parts.rooms.get(conversationId);
  if (room) room.participantIds = room.participantIds.filter((id) => id !== userId);
  for (const conn of parts.conns.ofUser(userId)) {
    parts.members.markEvicted(conn, conversationId);
    if (!conn.cursors.has(conversationId)) continue;
    leaveRoom(parts, conn, conversationId);
    conn.send({
      type: "error",
      code: "removed",
      message: "You are no longer a participant of this conversation.",
      ref: conversationId,
    });
  }
}

/** Evicts the room's sockets whose users are no longer participants (changed elsewhere). */
export async function recheckMembers(parts: HubParts, room: Room): Promise<void> {
  try {
    const record = await getConversationRecord(parts.kv, room.id);
    room.participantIds = record?.participantIds ?? [];
    for (const conn of [...room.conns]) {
      if (!room.participantIds.includes(conn.user.id)) evictHere(parts, room.id, conn.user.id);
    }
  } catch (err) {
    log("warn", "member re-check failed", describeError(err));
  }
}
