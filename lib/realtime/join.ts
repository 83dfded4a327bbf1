import { getHead, getParticipation } from "../conversations/mod.ts";
import { NotFoundError } from "../errors.ts";
import { listMessages, type Message } from "../messages/mod.ts";
import type { Connection } from "./connection.ts";
import type { HubParts } from "./parts.ts";
import { PAGE, sendUpdate } from "./rooms.ts";

/** Catch-up pauses while a socket has this much unsent (it resumes when the client reads). */
const CATCH_UP_BUFFER = 1024 * 1024;

/**
 * Subscribes a socket to a conversation and sends it `recent_messages`: everything after
 * `since` (a thread's replies too: the seqs have no gap), or the last 50 top-level messages
 * and whatever follows them. With `rev` (the highest change the client had seen), the
 * messages up to `since` changed since then follow as `message_updated`. Throws
 * NotFoundError for a non-participant, or when the socket was evicted during the join.
 */
export async function joinRoom(
  parts: HubParts,
  conn: Connection,
  conversationId: string,
  { since, rev }: { since?: number; rev?: number },
): Promise<void> {
  const { kv, rooms, members, presence } = parts;
  members.clearEvicted(conn, conversationId);
  const evicted = () => members.wasEvicted(conn, conversationId);
  // The socket may close while this join reads: its disconnect has run by then.
  const gone = () => !parts.conns.has(conn);
  const seen = await getParticipation(kv, conversationId, conn.user.id);
  const room = rooms.open(conversationId);
  room.remoteRead ??= presence.readRemote(conversationId);
  // The watcher may have seen a newer head meanwhile: keep the newer of the two.
  if (room.members === undefined || seen.members >= room.members) {
    room.participantIds = seen.participantIds;
    room.members = seen.members;
  }
  room.joining++;
  let refused = false;
  let cursor = 0;
  // Read before any message: a change after it is sent as `message_updated` below.
  let start = { seq: 0, rev: 0 };
  try {
    await room.remoteRead;
    start = await getHead(kv, conversationId);
    // A `since` past the newest message (a stale client) must not become the room's seq:
    // the room would skip every message up to it, for everyone in it.
    if (since !== undefined) cursor = Math.min(since, start.seq);
    // A long catch-up (`since` far back) streams here, outside the room's chain, so the
    // room's live deliveries do not wait for it; the chain task below sends the tail.
    while (since !== undefined && !evicted() && !gone()) {
      const { messages } = await listMessages(kv, conversationId, { after: cursor, limit: PAGE });
      if (messages.length < PAGE || evicted() || gone()) break;
      conn.send({ type: "recent_messages", conversationId, messages, rev: start.rev });
      cursor = messages[messages.length - 1].seq;
      await drained(conn);
    }
  } catch (err) {
    room.joining--;
    rooms.dropIfIdle(room);
    throw err;
  }
  await rooms.serially(room, async () => {
    // Everything is read first; the last page, the changes and the subscription then go
    // out with no wait between them: a client that has its last recent_messages is in
    // the room (it hears the next typing or message).
    let last: Message[];
    // Without `since`: the last 50 of the history people read (top-level messages), then,
    // like a catch-up from there, every message after them (a thread's latest replies, which
    // the client keeps but does not show), so the seqs it holds have no gap.
    let carry: Message[] = [];
    if (since === undefined) {
      carry = (await listMessages(kv, conversationId, { limit: 50, topLevel: true })).messages;
      // None found within the scan's reach (a very long thread): the last page of all.
      cursor = carry.at(-1)?.seq ?? Math.max(0, start.seq - PAGE);
    }
    while (true) {
      const batch =
        (await listMessages(kv, conversationId, { after: cursor, limit: PAGE })).messages;
      if (evicted()) return void (refused = true);
      if (gone()) return;
      cursor = batch.at(-1)?.seq ?? cursor;
      if (batch.length < PAGE) {
        last = [...carry, ...batch];
        break;
      }
      conn.send({
        type: "recent_messages",
        conversationId,
        messages: [...carry, ...batch],
        rev: start.rev,
      });
      carry = [];
    }
    // Changes this socket has not seen: from the client's rev (or the head's at the start
    // of the join), up to what the room has delivered (the room delivers the rest).
    const now = await getHead(kv, conversationId);
    const upTo = room.conns.size === 0 ? now.rev : room.rev;
    const changes = await rooms.readChanges(conversationId, {
      after: Math.min(rev ?? start.rev, start.rev),
      upTo,
    });
    if (evicted()) return void (refused = true);
    // Adding a closed socket would leave a ghost in the room (online, never removed).
    if (gone()) return;
    conn.send({ type: "recent_messages", conversationId, messages: last, rev: start.rev });
    const only = new Set([conn]);
    for (const { message, rev } of changes) sendUpdate(only, message, rev, () => cursor);
    if (room.conns.size === 0) {
      room.seq = cursor;
      room.rev = Math.max(room.rev, upTo);
    }
    conn.cursors.set(conversationId, cursor);
    const told = presence.changeLocal(room, conn.user, () => room.conns.add(conn));
    // The joiner learns who is here even when its arrival changed nothing for the others.
    if (told !== "status") presence.status(room, "joined", conn.user, [conn]);
    if (now.rev > room.rev) rooms.deliverChanges(conversationId, now.rev);
  }).finally(() => {
    room.joining--;
    rooms.dropIfIdle(room);
  });
  if (refused) throw new NotFoundError("Conversation not found.");
}

/** Unsubscribes a socket; the others hear `status: left` when the user's last socket goes. */
export function leaveRoom(parts: HubParts, conn: Connection, conversationId: string): void {
  const room = parts.rooms.get(conversationId);
  conn.cursors.delete(conversationId);
  if (!room || !room.conns.has(conn)) return;
  parts.presence.changeLocal(room, conn.user, () => room.conns.delete(conn));
  parts.rooms.dropIfIdle(room);
}

/** Waits (up to ~5 s) until the socket's unsent bytes are below CATCH_UP_BUFFER. */
async function drained(conn: Connection): Promise<void> {
  for (let waited = 0; (conn.buffered?.() ?? 0) > CATCH_UP_BUFFER && waited < 5000; waited += 10) {
    await new Promise((r) => setTimeout(r, 10));
  }
}
