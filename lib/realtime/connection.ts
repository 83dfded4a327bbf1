import type { Message } from "../messages/mod.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import type { User } from "../accounts/mod.ts";

/** One open socket, as the hub sees it. */
export type Connection = {
  user: User;
  /** The session it was opened with (closed when that session ends). */
  sessionId: string;
  /** Sends a frame; a string is a frame serialized already (one JSON.stringify per fan-out). */
  send(frame: ServerFrame | string): void;
  /** Bytes sent but not yet on the wire (catch-up waits while this is high). */
  buffered?(): number;
  close(code: number, reason: string): void;
  /** Its person is not looking (tab hidden or idle), as the client said. */
  away?: boolean;
  /** Per joined conversation: the highest seq this socket has been given. */
  cursors: Map<string, number>;
};

/** Every socket of one hub, by user: who to tell when a person's things change. */
export class Connections {
  #byUser = new Map<string, Set<Connection>>();
  /** Per user, the sockets that asked for `activity` frames (a conversation list: `watch_list`). */
  #lists = new Map<string, Set<Connection>>();

  add(conn: Connection): void {
    let set = this.#byUser.get(conn.user.id);
    if (!set) this.#byUser.set(conn.user.id, set = new Set());
    set.add(conn);
  }

  remove(conn: Connection): void {
    const id = conn.user.id;
    const set = this.#byUser.get(id);
    set?.delete(conn);
    if (set?.size === 0) this.#byUser.delete(id);
    const lists = this.#lists.get(id);
    lists?.delete(conn);
    if (lists?.size === 0) this.#lists.delete(id);
  }

  /** The socket (registered) asked for `activity` frames: see notifyLists. */
  watchList(conn: Connection): void {
    if (!this.has(conn)) return;
    let set = this.#lists.get(conn.user.id);
    if (!set) this.#lists.set(conn.user.id, set = new Set());
    set.add(conn);
  }

  /** Whether the socket asked for `activity` frames. */
  watchesList(conn: Connection): boolean {
    return this.#lists.get(conn.user.id)?.has(conn) ?? false;
  }

  /** Whether the socket is still registered (a closed one has been removed). */
  has(conn: Connection): boolean {
    return this.#byUser.get(conn.user.id)?.has(conn) ?? false;
  }

  /** The user's sockets here (none: empty). */
  ofUser(userId: string): Iterable<Connection> {
    return this.#byUser.get(userId) ?? [];
  }

  hasUser(userId: string): boolean {
    return this.#byUser.has(userId);
  }

  /** The users with a socket here. */
  userIds(): string[] {
    return [...this.#byUser.keys()];
  }

  *all(): Iterable<Connection> {
    for (const set of this.#byUser.values()) yield* set;
  }

  get count(): number {
    let n = 0;
    for (const set of this.#byUser.values()) n += set.size;
    return n;
  }

  /** Sends a frame to every socket of the user here. */
  sendTo(userId: string, frame: ServerFrame): void {
    for (const conn of this.ofUser(userId)) conn.send(frame);
  }

  /**
   * Tells the participants' conversation lists that the conversation moved: sockets that
   * asked (`watch_list`) and are not in the room (those get the `message` itself). Only the
   * list sockets are looked at, not every socket of every participant.
   */
  notifyLists(participantIds: string[], message: Message): void {
    if (this.#lists.size === 0) return;
    let text: string | null = null;
    for (const id of participantIds) {
      const lists = this.#lists.get(id);
      if (!lists) continue;
      for (const conn of lists) {
        if (conn.cursors.has(message.conversationId)) continue;
        text ??= JSON.stringify(
          {
            type: "activity",
            conversationId: message.conversationId,
            message,
          } satisfies ServerFrame,
        );
        conn.send(text);
      }
    }
  }
}
