import type { User } from "../accounts/mod.ts";
import type { Rooms } from "./rooms.ts";

/**
 * Tells the room's sockets on this hub, except the typist's own, that `user` is typing.
 * Nothing is stored: a lost typing frame is forgotten, the next keystroke sends another.
 */
export function tellTyping(rooms: Rooms, conversationId: string, user: User): void {
  for (const conn of rooms.get(conversationId)?.conns ?? []) {
    if (conn.user.id !== user.id) conn.send({ type: "typing", conversationId, user });
  }
}
