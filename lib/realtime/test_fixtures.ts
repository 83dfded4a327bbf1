/**
 * For this folder's tests only: a store with people in a conversation, a hub on it, and fake
 * connections that record the frames the hub sends them. No socket, no server.
 */
import { createUser, type User } from "../accounts/mod.ts";
import { createConversation } from "../conversations/mod.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import type { Connection } from "./connection.ts";
import { Hub, type HubOptions } from "./hub.ts";

/** A Connection that keeps what it was sent, and how it was closed. */
export type FakeConnection = Connection & {
  frames: ServerFrame[];
  closed: { code: number; reason: string } | null;
  /** The frames of one type, in the order sent. */
  framesOf<T extends ServerFrame["type"]>(type: T): Extract<ServerFrame, { type: T }>[];
};

/** A connected fake socket of `user` (closing it disconnects it, as a socket's close event does). */
export function connect(
  hub: Hub,
  user: User,
  options: { sessionId?: string; buffered?: () => number } = {},
): FakeConnection {
  const conn: FakeConnection = {
    user,
    sessionId: options.sessionId ?? `session-of-${user.id}`,
    cursors: new Map(),
    frames: [],
    closed: null,
    send(frame) {
      conn.frames.push(typeof frame === "string" ? JSON.parse(frame) : frame);
    },
    buffered: options.buffered,
    close(code, reason) {
      if (conn.closed) return;
      conn.closed = { code, reason };
      hub.disconnect(conn);
    },
    framesOf: <T extends ServerFrame["type"]>(type: T) =>
      conn.frames.filter((f): f is Extract<ServerFrame, { type: T }> => f.type === type),
  };
  hub.connect(conn);
  return conn;
}

/** The seqs of the `message` frames a connection got, in order. */
export function seqsOf(conn: FakeConnection): number[] {
  return conn.framesOf("message").map((f) => f.message.seq);
}

/** Waits until `ready()` holds (up to `ms`); throws with `what` when it never does. */
export async function until(ready: () => boolean, what: string, ms = 3000): Promise<void> {
  for (const deadline = Date.now() + ms; !ready();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Runs `fn` on a fresh `:memory:` store with Ann, Ben and Cat in a group conversation and
 * Dan outside it, and a hub with no doorbells and no head poll unless `options` say so.
 * Every hub `fn` opens through `open` is closed afterwards, then the store.
 */
export async function withRoom(
  fn: (room: {
    kv: Deno.Kv;
    hub: Hub;
    people: Record<"ann" | "ben" | "cat" | "dan", User>;
    conversationId: string;
    open(options?: HubOptions): Hub;
  }) => Promise<void> | void,
  options: HubOptions = {},
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  const hubs: Hub[] = [];
  const open = (more: HubOptions = {}) => {
    const hub = new Hub(kv, { channelName: null, pollMs: 0, ...options, ...more });
    hubs.push(hub);
    return hub;
  };
  try {
    const [ann, ben, cat, dan] = await Promise.all(
      ["ann", "ben", "cat", "dan"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const { conversation } = await createConversation(kv, ann, { others: [ben, cat] });
    await fn({
      kv,
      hub: open(),
      people: { ann, ben, cat, dan },
      conversationId: conversation.id,
      open,
    });
  } finally {
    for (const hub of hubs) {
      await hub.indexed();
      hub.close();
    }
    // A head or account poll that began before the close ends first (else it logs a warning).
    await new Promise((r) => setTimeout(r, 30));
    kv.close();
  }
}
