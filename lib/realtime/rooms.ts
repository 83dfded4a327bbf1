import { describeError, log, metrics } from "../ops/mod.ts";
import { getMessagesBySeq, listChanges, listMessages, type Message } from "../messages/mod.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import type { Connection } from "./connection.ts";
import type { PresenceView } from "./presence.ts";

/** One conversation with sockets on this hub (or joins under way). */
export type Room = {
  id: string;
  conns: Set<Connection>;
  /** Highest seq this isolate has delivered to the room. */
  seq: number;
  /** Highest change (head `rev`: edits, deletes, reactions) delivered to the room. */
  rev: number;
  /** Joins under way: the room must outlive them even when its last socket leaves. */
  joining: number;
  /**
   * Who takes part, as of `members` (the head's participant-change counter). Kept current
   * by local evictions and by the head watcher; lets sends from sockets in the room skip
   * the membership read.
   */
  participantIds: string[];
  members: number | undefined;
  /** Deliveries and joins of a room run one after another, so seq order holds. */
  chain: Promise<void>;
  /** Who is here on the other hubs (workers, processes, instances): see presence.ts. */
  remote: PresenceView;
  /** The first read of `remote` (a join waits for it, so its status is whole). */
  remoteRead: Promise<void> | null;
};

/** Messages read per page, for delivery gaps and catch-up. */
export const PAGE = 100;

/**
 * The rooms of one hub and their ordered delivery: each room delivers strictly in seq (and
 * rev) order, reading from KV whatever it has not delivered, so every socket gets each
 * message once. `watched` hears which conversations have a room (the head watcher's list).
 */
export class Rooms {
  #kv: Deno.Kv;
  #rooms = new Map<string, Room>();
  #watched: { add(id: string): void; remove(id: string): void };

  constructor(kv: Deno.Kv, watched: { add(id: string): void; remove(id: string): void }) {
    this.#kv = kv;
    this.#watched = watched;
  }

  get(id: string): Room | undefined {
    return this.#rooms.get(id);
  }

  values(): Iterable<Room> {
    return this.#rooms.values();
  }

  /** The room of a conversation, made (and watched) when it has none. */
  open(id: string): Room {
    let room = this.#rooms.get(id);
    if (!room) {
      room = {
        id,
        conns: new Set(),
        seq: 0,
        rev: 0,
        joining: 0,
        participantIds: [],
        members: undefined,
        chain: Promise.resolve(),
        remote: new Map(),
        remoteRead: null,
      };
      this.#rooms.set(id, room);
      this.#watched.add(id);
    }
    return room;
  }

  /** Drops a room nobody is in or joining (it stops being watched). */
  dropIfIdle(room: Room): void {
    if (room.conns.size > 0 || room.joining > 0 || this.#rooms.get(room.id) !== room) return;
    this.#rooms.delete(room.id);
    this.#watched.remove(room.id);
  }

  /** Runs a task after the room's earlier ones (a failure is logged; the chain goes on). */
  serially(room: Room, task: () => Promise<void>): Promise<void> {
    const run = room.chain.then(task);
    room.chain = run.catch((err) => log("error", "room task failed", describeError(err)));
    return run;
  }

  /** Delivers everything up to `seq` that the room has not had, reading gaps from KV. */
  deliver(conversationId: string, seq: number, known?: Message): void {
    const room = this.#rooms.get(conversationId);
    if (!room) return;
    void this.serially(room, async () => {
      // Nobody here yet: the first join sets the room's seq from what it reads.
      if (room.conns.size === 0) return;
      while (room.seq < seq) {
        const batch = known && known.seq === room.seq + 1
          ? [known]
          : (await listMessages(this.#kv, conversationId, { after: room.seq, limit: PAGE }))
            .messages;
        if (batch.length === 0) break;
        for (const message of batch) {
          room.seq = message.seq;
          const text = JSON.stringify({ type: "message", message } satisfies ServerFrame);
          let sent = 0;
          for (const conn of room.conns) {
            if ((conn.cursors.get(conversationId) ?? 0) >= message.seq) continue;
            conn.cursors.set(conversationId, message.seq);
            conn.send(text);
            sent++;
          }
          // Counted once per message, not per socket: the fan-out loop stays bare.
          if (sent > 0) metrics.messagesDelivered.inc(sent);
        }
      }
    }).catch(() => {});
  }

  /**
   * Delivers the room's changes up to `rev` that it has not had, in rev order, reading the
   * change log (`known`: the one change this hub just made, so no read is needed).
   */
  deliverChanges(conversationId: string, rev: number, known?: { message: Message; rev: number }) {
    const room = this.#rooms.get(conversationId);
    if (!room) return;
    void this.serially(room, async () => {
      // Nobody here yet: the first join sets the room's rev from what it reads.
      if (room.conns.size === 0 || room.rev >= rev) return;
      if (known && known.rev === room.rev + 1) {
        sendUpdate(room.conns, known.message, known.rev);
        room.rev = known.rev;
        return;
      }
      const changes = await this.readChanges(conversationId, { after: room.rev, upTo: rev });
      for (const change of changes) sendUpdate(room.conns, change.message, change.rev);
      room.rev = Math.max(room.rev, rev);
    }).catch(() => {});
  }

  /**
   * The messages changed after rev `after` up to `upTo`, each once and as it is now, with
   * the rev of its last change in the range, in rev order.
   */
  async readChanges(
    conversationId: string,
    range: { after: number; upTo: number },
  ): Promise<{ message: Message; rev: number }[]> {
    const lastRev = new Map<number, number>();
    for (let after = range.after; after < range.upTo;) {
      const changes = await listChanges(this.#kv, conversationId, {
        after,
        upTo: range.upTo,
        limit: 1000,
      });
      if (changes.length === 0) break;
      for (const c of changes) {
        lastRev.delete(c.seq);
        lastRev.set(c.seq, c.rev);
      }
      after = changes[changes.length - 1].rev;
    }
    const messages = await getMessagesBySeq(this.#kv, conversationId, [...lastRev.keys()]);
    return messages.map((message) => ({ message, rev: lastRev.get(message.seq)! }));
  }
}

/** Sends `message_updated` to the sockets that have the message (by their cursor). */
export function sendUpdate(
  conns: Iterable<Connection>,
  message: Message,
  rev: number,
  cursorOf = (conn: Connection) => conn.cursors.get(message.conversationId) ?? 0,
): void {
  let text: string | null = null;
  for (const conn of conns) {
    if (cursorOf(conn) < message.seq) continue;
    text ??= JSON.stringify({ type: "message_updated", message, rev } satisfies ServerFrame);
    conn.send(text);
  }
}
