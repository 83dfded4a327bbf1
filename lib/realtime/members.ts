import { getParticipation } from "../conversations/mod.ts";
import { LruCache } from "../storage/mod.ts";
import type { Connection } from "./connection.ts";
import type { Room } from "./rooms.ts";

type Participation = { participantIds: string[]; members: number };

/**
 * Who may send and who was taken out, as one hub knows it. A hint, never the judge: sends
 * carry the head's `members` counter they were checked under and the commit re-checks when
 * it moved (see commitMessages).
 */
export class Members {
  #kv: Deno.Kv;
  /** Who takes part in conversations this hub has sent to, with the `members` it was read under. */
  #participation = new LruCache<string, Participation>({ maxEntries: 10_000 });
  /**
   * Per socket, the conversations it was evicted from: a join that passed its membership
   * check before a removal must not subscribe after the eviction ran (it would keep
   * receiving). Weak, so it goes with the socket.
   */
  #evicted = new WeakMap<Connection, Set<string>>();

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /**
   * Who takes part, for a send: the room's list for a socket in it, else the cached one if
   * it names the author, else read. No read for a sender already known to take part.
   * Throws NotFoundError for a non-participant (from the read).
   */
  async forSend(
    userId: string,
    conversationId: string,
    room: Room | undefined,
    from?: Connection,
  ): Promise<Participation> {
    if (
      from?.cursors.has(conversationId) && room?.members !== undefined &&
      room.participantIds.includes(userId)
    ) {
      return { participantIds: room.participantIds, members: room.members };
    }
    const cached = this.#participation.get(conversationId);
    if (cached?.participantIds.includes(userId)) return cached;
    const seen = await getParticipation(this.#kv, conversationId, userId);
    this.#participation.set(conversationId, seen);
    return seen;
  }

  /** Forgets the cached participants of a conversation (they changed, or a send was refused). */
  forget(conversationId: string): void {
    this.#participation.delete(conversationId);
  }

  /** Marks the socket as taken out of the conversation (a join under way must not finish). */
  markEvicted(conn: Connection, conversationId: string): void {
    let set = this.#evicted.get(conn);
    if (!set) this.#evicted.set(conn, set = new Set());
    set.add(conversationId);
  }

  /** A new join starts clean: only an eviction during it refuses it. */
  clearEvicted(conn: Connection, conversationId: string): void {
    this.#evicted.get(conn)?.delete(conversationId);
  }

  wasEvicted(conn: Connection, conversationId: string): boolean {
    return this.#evicted.get(conn)?.has(conversationId) ?? false;
  }
}
