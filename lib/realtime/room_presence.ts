import { ulid } from "ulid";
import { describeError, log } from "../ops/mod.ts";
import type { User } from "../accounts/mod.ts";
import type { Connection } from "./connection.ts";
import { mergeViews, PRESENCE_REFRESH_MS, PresenceBoard, type PresenceView } from "./presence.ts";
import type { Room, Rooms } from "./rooms.ts";

type Presence = { user: User; away: boolean };
type Snapshot = { everywhere?: Presence; here?: Presence };

/**
 * Who is in each room and whether they are away, on this hub and every other (through the
 * PresenceBoard), and the `status` and `presence` frames that tell the room when it changes.
 * Someone counts as away only when every socket of theirs in the room, on any hub, is.
 */
export class RoomPresence {
  #rooms: Rooms;
  #board: PresenceBoard;
  #timer: ReturnType<typeof setInterval>;

  /** `onPublished` hears which conversations' views this hub changed (to ring the others). */
  constructor(kv: Deno.Kv, rooms: Rooms, onPublished: (conversationIds: string[]) => void) {
    this.#rooms = rooms;
    this.#board = new PresenceBoard(kv, ulid(), onPublished);
    // Views expire unless rewritten; reading the others' again drops hubs that died.
    this.#timer = setInterval(() => this.#refresh(), PRESENCE_REFRESH_MS);
    Deno.unrefTimer(this.#timer);
  }

  /**
   * Runs a change to the room's sockets here and tells what it changed for `user`: the room
   * hears `status` when they came or went (on any hub), `presence` when they went away or
   * came back; the other hubs hear of it when this hub's view of `user` changed.
   */
  changeLocal(room: Room, user: User, change: () => void): "status" | "presence" | null {
    const before = this.#snapshot(room, user.id);
    change();
    return this.#afterChange(room, user, before);
  }

  /** A socket's person is away (tab hidden, idle) or back: its rooms hear what that changed. */
  setAway(conn: Connection, away: boolean): void {
    if ((conn.away ?? false) === away) return;
    const rooms = [...conn.cursors.keys()].flatMap((id) => {
      const room = this.#rooms.get(id);
      return room?.conns.has(conn) ? [room] : [];
    });
    const before = rooms.map((room) => this.#snapshot(room, conn.user.id));
    conn.away = away;
    rooms.forEach((room, i) => this.#afterChange(room, conn.user, before[i]));
  }

  /** Reads the other hubs' views of a room and tells its sockets what that changed. */
  async readRemote(conversationId: string): Promise<void> {
    let remote: PresenceView;
    try {
      remote = await this.#board.read(conversationId);
    } catch (err) {
      return log("warn", "presence read failed", describeError(err));
    }
    const room = this.#rooms.get(conversationId);
    if (!room) return;
    // Someone removed from the conversation is gone here, whatever a slower hub still says.
    for (const id of remote.keys()) if (!room.participantIds.includes(id)) remote.delete(id);
    const before = merged(room);
    room.remote = remote;
    const after = merged(room);
    for (const id of new Set([...before.keys(), ...after.keys()])) {
      const user = (after.get(id) ?? before.get(id))!.user;
      this.#announce(room, user, before.get(id), after.get(id));
    }
  }

  /** The distinct users with a socket in the room, on this hub or any other. */
  online(conversationId: string): User[] {
    const room = this.#rooms.get(conversationId);
    if (!room) return [];
    return [...merged(room).values()].map((u) => u.user);
  }

  /** Tells `to` (the room) that `user` joined or left, with who is online and away now. */
  status(room: Room, event: "joined" | "left", user: User, to: Iterable<Connection> = room.conns) {
    const online = this.online(room.id);
    const away = awayIds(room);
    for (const conn of to) {
      conn.send({ type: "status", conversationId: room.id, event, user, online, away });
    }
  }

  /** Resolves once this hub's queued views are written (shutdown: the others hear at once). */
  async flush(): Promise<void> {
    await this.#board.flush();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#board.close();
  }

  #snapshot(room: Room, userId: string): Snapshot {
    return { everywhere: merged(room).get(userId), here: localView(room).get(userId) };
  }

  #afterChange(room: Room, user: User, before: Snapshot): "status" | "presence" | null {
    const here = localView(room);
    if (before.here?.away !== here.get(user.id)?.away) this.#board.publish(room.id, here);
    return this.#announce(room, user, before.everywhere, merged(room).get(user.id));
  }

  #announce(
    room: Room,
    user: User,
    before: Presence | undefined,
    after: Presence | undefined,
  ): "status" | "presence" | null {
    if (!before && after) this.status(room, "joined", user);
    else if (before && !after) this.status(room, "left", user);
    else if (before && after && before.away !== after.away) tellPresence(room, user);
    else return null;
    return after && before ? "presence" : "status";
  }

  /** Rewrites this hub's views (they expire otherwise) and reads the others' again. */
  #refresh(): void {
    for (const room of this.#rooms.values()) {
      if (room.conns.size === 0) continue;
      this.#board.publish(room.id, localView(room), false);
      void this.readRemote(room.id);
    }
  }
}

/** Per user with a socket in the room on this hub: whether every such socket is away. */
function localView(room: Room): PresenceView {
  const view: PresenceView = new Map();
  for (const c of room.conns) {
    const seen = view.get(c.user.id);
    view.set(c.user.id, { user: c.user, away: (seen?.away ?? true) && (c.away ?? false) });
  }
  return view;
}

/** Everyone in the room on every hub (see mergeViews). */
function merged(room: Room): PresenceView {
  return mergeViews(room.remote, localView(room));
}

/** The users in the room (on any hub) whose every socket there is away. */
function awayIds(room: Room): string[] {
  return [...merged(room)].flatMap(([id, { away }]) => away ? [id] : []);
}

/** Tells the room whether `user` is away or active now. */
function tellPresence(room: Room, user: User): void {
  const away = awayIds(room);
  const state = away.includes(user.id) ? "away" : "active";
  for (const c of room.conns) {
    c.send({ type: "presence", conversationId: room.id, user, state, away });
  }
}
