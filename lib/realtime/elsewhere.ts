import { type ConversationHead, getConversationRecord, listCacheOf } from "../conversations/mod.ts";
import { listMessages } from "../messages/mod.ts";
import { describeError, log } from "../ops/mod.ts";
import type { Doorbell } from "./doorbells.ts";
import { endSessionHere } from "./endings.ts";
import { evictHere, recheckMembers } from "./evictions.ts";
import type { HubParts } from "./parts.ts";
import type { Signal } from "./signals.ts";
import type { Connections } from "./connection.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import { tellTyping } from "./typing.ts";

/**
 * What one hub does when another did something: a doorbell from another worker of this
 * process, or a head that moved (seen by the head watcher, whoever wrote it). Either only
 * says where to look; what to deliver is read from KV.
 */

/** Answers a doorbell rung by another worker's hub. */
export function answerDoorbell(parts: HubParts, bell: Doorbell): void {
  const { kv, conns, rooms } = parts;
  listCacheOf(kv).heard(bell);
  if (bell.kind === "signals") return parts.signals.heard(bell.envelopes);
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
  // The lists hear of it through the signals (activity), which cross processes too.
  if (bell.kind === "message") rooms.deliver(bell.conversationId, bell.seq);
}

/** Answers a signal of another hub, whatever process or instance it runs in (signals.ts). */
export async function answerSignal(parts: HubParts, signal: Signal, hub: string): Promise<void> {
  const { kv, conns, rooms } = parts;
  if (signal.kind === "person") return parts.people.heard(hub, signal.userId, signal.state);
  if (signal.kind === "files") return filesChangedHere(conns, signal.areaId, signal.participantIds);
  if (signal.kind === "removed") {
    return conns.sendTo(signal.userId, {
      type: "conversation_removed",
      conversationId: signal.conversationId,
    });
  }
  if (signal.kind === "typing") return tellTyping(rooms, signal.conversationId, signal.user);
  const { conversationId, seq } = signal;
  // Nobody here watches a list: nothing to read.
  if (signal.participantIds && !signal.participantIds.some((id) => conns.hasUser(id))) return;
  if (conns.count === 0) return;
  try {
    const participantIds = signal.participantIds ??
      (await getConversationRecord(kv, conversationId))?.participantIds ?? [];
    if (!participantIds.some((id) => conns.hasUser(id))) return;
    const page = await listMessages(kv, conversationId, { after: seq - 1, limit: 1 });
    if (page.messages[0]) conns.notifyLists(participantIds, page.messages[0]);
  } catch (err) {
    log("warn", "activity lookup failed", describeError(err));
  }
}

/** Tells the sockets here of the area's people that its files changed. */
export function filesChangedHere(conns: Connections, areaId: string, participantIds: string[]) {
  let text: string | null = null;
  for (const id of participantIds) {
    for (const conn of conns.ofUser(id)) {
      text ??= JSON.stringify({ type: "files_changed", areaId } satisfies ServerFrame);
      conn.send(text);
    }
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
