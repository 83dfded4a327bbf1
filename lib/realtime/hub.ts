import {
  getConversationRecord,
  getConversationRecordForUser,
  getParticipation,
} from "../conversations/conversations.ts";
import { NotFoundError } from "../errors.ts";
import { describeError, log } from "../ops/log.ts";
import { HeadWatcher } from "./head_watcher.ts";
import { listCacheOf } from "../conversations/list_cache.ts";
import { AccountEventWatcher } from "../accounts/events.ts";
import { metrics } from "../ops/metrics.ts";
import { MessageWriter } from "../messages/writer.ts";
import { BatchedRateLimit } from "../ops/rate_limit.ts";
import {
  type ConversationHead,
  getHead,
  listMessages,
  type Message,
  type SendInput,
  type SendResult,
} from "../messages/messages.ts";
import {
  changeMessage,
  type ChangeResult,
  getMessagesBySeq,
  listChanges,
  type MessageChange,
} from "../messages/changes.ts";
import { mergeViews, PRESENCE_REFRESH_MS, PresenceBoard, type PresenceView } from "./presence.ts";
import type { ServerFrame } from "../shared/protocol.ts";
import { ulid } from "ulid";
import { getActiveUserById, type User } from "../accounts/users.ts";

/** One open socket, as the hub sees it. */
export type Connection = {
  user: User;
  /** The session it was opened with (closed when that session ends). */
  sessionId: string;
  /** Sends a frame; a string is a frame serialized already (one JSON.stringify per fan-out). */
  send(frame: ServerFrame | string): void;
  /** Bytes sent but not yet on the wire (catch-up waits while this is high). */
  buffered?(): number;
  /** Whether it asked for `activity` frames (a conversation list: `watch_list`). */
  watchesList?: boolean;
  close(code: number, reason: string): void;
  /** Its person is not looking (tab hidden or idle), as the client said. */
  away?: boolean;
  /** Per joined conversation: the highest seq this socket has been given. */
  cursors: Map<string, number>;
};

type Room = {
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

type Presence = { user: User; away: boolean };

type Doorbell =
  | { kind: "message"; conversationId: string; seq: number; participantIds: string[] }
  | { kind: "change"; conversationId: string; rev: number }
  | { kind: "typing"; conversationId: string; user: User }
  | { kind: "evict"; conversationId: string; userId: string }
  | { kind: "session_ended"; sessionId: string }
  | { kind: "read"; userId: string; conversationId: string; seq: number }
  | { kind: "presence"; conversationId: string };

export type HubOptions = {
  /** BroadcastChannel name for the doorbells between workers; null for none. */
  channelName?: string | null;
  /** How often rooms with sockets here re-read their heads (0: never). */
  pollMs?: number;
  /** Also kv.watch each room's head (remote KV: crosses instances). */
  watch?: boolean;
  /** Messages per user and window, shared by every worker and instance (off when absent). */
  sendLimit?: { limit: number; windowMs: number; scale: number };
  /** Chaos testing only: the share of doorbells dropped on purpose (0..1). */
  dropDoorbells?: number;
};

const PAGE = 100;
/** Catch-up pauses while a socket has this much unsent (it resumes when the client reads). */
const CATCH_UP_BUFFER = 1024 * 1024;

/** Waits (up to ~5 s) until the socket's unsent bytes are below CATCH_UP_BUFFER. */
async function drained(conn: Connection): Promise<void> {
  for (let waited = 0; (conn.buffered?.() ?? 0) > CATCH_UP_BUFFER && waited < 5000; waited += 10) {
    await new Promise((r) => setTimeout(r, 10));
  }
}
const PARTICIPATION_CACHE_SIZE = 10_000;

/**
 * Live delivery for one isolate. KV is the source of truth: a message is committed before
 * anyone hears of it. Sockets here are told directly; other workers of the process hear a
 * BroadcastChannel doorbell, other processes and instances are found by the HeadWatcher
 * (polling, and kv.watch on a remote KV); each reads what it has not delivered from KV.
 * A lost doorbell (BroadcastChannel drops in bursts) only delays: the next doorbell or poll
 * reads the whole gap, and rooms deliver strictly in seq order.
 */
export class Hub {
  #kv: Deno.Kv;
  #rooms = new Map<string, Room>();
  #byUser = new Map<string, Set<Connection>>();
  /**
   * Per socket, the conversations it was evicted from: a join that passed its membership
   * check before a removal must not subscribe after the eviction ran (it would keep
   * receiving). Weak, so it goes with the socket.
   */
  #evicted = new WeakMap<Connection, Set<string>>();
  #channel: BroadcastChannel | null;
  #writer: MessageWriter;
  #heads: HeadWatcher;
  #accounts: AccountEventWatcher;
  #dropDoorbells: number;
  /**
   * Who takes part in conversations this hub has sent to, with the head's `members` counter
   * it was read under. A hint, never the judge: sends carry the counter and the commit
   * re-checks when it moved (see commitMessages). Bounded; oldest dropped first.
   */
  #sendLimit: BatchedRateLimit | undefined;
  #bells = new Map<string, Doorbell & { kind: "message" }>();
  #participation = new Map<string, { participantIds: string[]; members: number }>();
  #board: PresenceBoard;
  #closing = false;
  #presenceTimer: ReturnType<typeof setInterval>;

  /** The store this hub works on (what a socket's sends check their attachments against). */
  get kv(): Deno.Kv {
    return this.#kv;
  }

  constructor(kv: Deno.Kv, options: HubOptions = {}) {
    this.#kv = kv;
    this.#writer = new MessageWriter(kv);
    // Workers of this process hear at once; other processes when their poll or watch sees it.
    this.#board = new PresenceBoard(kv, ulid(), (ids) => {
      for (const conversationId of ids) this.#ring({ kind: "presence", conversationId });
    });
    this.#heads = new HeadWatcher(kv, (id, head) => this.#onHead(id, head), {
      pollMs: options.pollMs ?? 1000,
      watch: options.watch ?? false,
      onPresence: (id) => void this.#readRemote(id),
    });
    // Views expire unless rewritten; reading the others' again drops hubs that died.
    this.#presenceTimer = setInterval(() => this.#refreshPresence(), PRESENCE_REFRESH_MS);
    Deno.unrefTimer(this.#presenceTimer);
    // An account disabled or deleted (by the admin CLI, another process) loses its sockets.
    this.#accounts = new AccountEventWatcher(kv, {
      onUser: (userId) => this.#endUserLocal(userId),
      onMissed: () => void this.#recheckAccounts(),
    }, { pollMs: options.pollMs ?? 1000 });
    this.#dropDoorbells = options.dropDoorbells ?? 0;
    this.#sendLimit = options.sendLimit && new BatchedRateLimit(kv, options.sendLimit);
    const name = options.channelName === undefined ? "chat-doorbell" : options.channelName;
    this.#channel = name ? new BroadcastChannel(name) : null;
    if (this.#channel) {
      this.#channel.onmessage = (e: MessageEvent<Doorbell>) => this.#onDoorbell(e.data);
    }
  }

  /** Registers a socket (it starts in no room). */
  connect(conn: Connection): void {
    let set = this.#byUser.get(conn.user.id);
    if (!set) this.#byUser.set(conn.user.id, set = new Set());
    set.add(conn);
    // Upgraded just before shutdown (its open came after closeAll): told the same, not
    // dropped with 1001 when the server stops.
    if (this.#closing) conn.close(1012, "server restarting");
  }

  /** Removes a socket from every room it joined. */
  disconnect(conn: Connection): void {
    for (const id of [...conn.cursors.keys()]) this.leave(conn, id);
    const set = this.#byUser.get(conn.user.id);
    set?.delete(conn);
    if (set?.size === 0) this.#byUser.delete(conn.user.id);
  }

  /**
   * Subscribes a socket to a conversation and sends it `recent_messages`: everything after
   * `since`, or the last 50. With `rev` (the highest change the client had seen), the
   * messages up to `since` changed since then follow as `message_updated`. Throws
   * NotFoundError for a non-participant.
   */
  async join(
    conn: Connection,
    conversationId: string,
    since?: number,
    rev?: number,
  ): Promise<void> {
    this.#evicted.get(conn)?.delete(conversationId);
    const evicted = () => this.#evicted.get(conn)?.has(conversationId) ?? false;
    // The socket may close while this join reads: its disconnect has run by then.
    const gone = () => !this.#byUser.get(conn.user.id)?.has(conn);
    const seen = await getParticipation(this.#kv, conversationId, conn.user.id);
    const room = this.#room(conversationId);
    room.remoteRead ??= this.#readRemote(conversationId);
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
      start = await getHead(this.#kv, conversationId);
      // A `since` past the newest message (a stale client) must not become the room's seq:
      // the room would skip every message up to it, for everyone in it.
      if (since !== undefined) cursor = Math.min(since, start.seq);
      // A long catch-up (`since` far back) streams here, outside the room's chain, so the
      // room's live deliveries do not wait for it; the chain task below sends the tail.
      while (since !== undefined && !evicted() && !gone()) {
        const { messages } = await listMessages(this.#kv, conversationId, {
          after: cursor,
          limit: PAGE,
        });
        if (messages.length < PAGE || evicted() || gone()) break;
        conn.send({ type: "recent_messages", conversationId, messages, rev: start.rev });
        cursor = messages[messages.length - 1].seq;
        await drained(conn);
      }
    } catch (err) {
      room.joining--;
      this.#dropIfIdle(room);
      throw err;
    }
    await this.#serially(room, async () => {
      // Everything is read first; the last page, the changes and the subscription then go
      // out with no wait between them: a client that has its last recent_messages is in
      // the room (it hears the next typing or message).
      let last: Message[];
      if (since === undefined) {
        last = (await listMessages(this.#kv, conversationId, { limit: 50 })).messages;
        cursor = last.at(-1)?.seq ?? 0;
      } else {
        while (true) {
          const batch =
            (await listMessages(this.#kv, conversationId, { after: cursor, limit: PAGE })).messages;
          if (evicted()) return void (refused = true);
          if (gone()) return;
          cursor = batch.at(-1)?.seq ?? cursor;
          if (batch.length < PAGE) {
            last = batch;
            break;
          }
          conn.send({ type: "recent_messages", conversationId, messages: batch, rev: start.rev });
        }
      }
      // Changes this socket has not seen: from the client's rev (or the head's at the start
      // of the join), up to what the room has delivered (the room delivers the rest).
      const now = await getHead(this.#kv, conversationId);
      const upTo = room.conns.size === 0 ? now.rev : room.rev;
      const changes = await this.#readChanges(conversationId, {
        after: Math.min(rev ?? start.rev, start.rev),
        upTo,
      });
      if (evicted()) return void (refused = true);
      // Adding a closed socket would leave a ghost in the room (online, never removed).
      if (gone()) return;
      conn.send({ type: "recent_messages", conversationId, messages: last, rev: start.rev });
      const only = new Set([conn]);
      for (const { message, rev } of changes) this.#sendUpdate(only, message, rev, () => cursor);
      if (room.conns.size === 0) {
        room.seq = cursor;
        room.rev = Math.max(room.rev, upTo);
      }
      conn.cursors.set(conversationId, cursor);
      const told = this.#changeLocal(room, conn.user, () => room.conns.add(conn));
      // The joiner learns who is here even when its arrival changed nothing for the others.
      if (told !== "status") this.#status(room, "joined", conn.user, [conn]);
      if (now.rev > room.rev) this.#deliverChanges(conversationId, now.rev);
    }).finally(() => {
      room.joining--;
      this.#dropIfIdle(room);
    });
    if (refused) throw new NotFoundError("Conversation not found.");
  }

  /** Unsubscribes a socket; the others hear `status: left` when the user's last socket goes. */
  leave(conn: Connection, conversationId: string): void {
    const room = this.#rooms.get(conversationId);
    conn.cursors.delete(conversationId);
    if (!room || !room.conns.has(conn)) return;
    this.#changeLocal(room, conn.user, () => room.conns.delete(conn));
    this.#dropIfIdle(room);
  }

  #dropIfIdle(room: Room): void {
    if (room.conns.size > 0 || room.joining > 0 || this.#rooms.get(room.id) !== room) return;
    this.#rooms.delete(room.id);
    this.#heads.remove(room.id);
  }

  /**
   * Stores a message from a participant, then delivers it. Throws NotFoundError for a
   * non-participant. `created` is false when the clientId was seen before.
   */
  async send(
    author: User,
    input: SendInput,
    from?: Connection,
  ): Promise<SendResult> {
    return await (await this.enqueue(author, input, from)).stored;
  }

  /**
   * send() in two steps: resolves once the message has its place in the write queue (the
   * order of one sender's messages is the order of these calls), with `stored` for the
   * commit. A sender need not wait for one commit before queueing its next message.
   */
  async enqueue(
    author: User,
    input: SendInput,
    from?: Connection,
  ): Promise<{ stored: Promise<SendResult> }> {
    const { conversationId } = input;
    const { participantIds, members } = await this.#participationOf(
      author.id,
      conversationId,
      from,
    );
    this.#sendLimit?.hit(["send", author.id]);
    const stored = this.#writer.send({ author, ...input, members }).then((result) => {
      if (result.members !== members) this.#participation.delete(conversationId);
      if (result.created) {
        metrics.messagesStored.inc();
        this.#deliver(conversationId, result.message.seq, result.message);
        this.#notifyParticipants(participantIds, result.message);
        this.#ringMessage(conversationId, result.message.seq, participantIds);
      }
      return result;
    }, (err) => {
      if (err instanceof NotFoundError) this.#participation.delete(conversationId);
      throw err;
    });
    return { stored };
  }

  /**
   * Who takes part, for a send: the room's list for a socket in it, else the cached one if
   * it names the author, else read. No read for a sender already known to take part; the
   * commit re-checks if participants changed since (the `members` counter).
   */
  async #participationOf(
    userId: string,
    conversationId: string,
    from?: Connection,
  ): Promise<{ participantIds: string[]; members: number }> {
    const room = this.#rooms.get(conversationId);
    if (
      from?.cursors.has(conversationId) && room?.members !== undefined &&
      room.participantIds.includes(userId)
    ) {
      return { participantIds: room.participantIds, members: room.members };
    }
    const cached = this.#participation.get(conversationId);
    if (cached?.participantIds.includes(userId)) return cached;
    const seen = await getParticipation(this.#kv, conversationId, userId);
    this.#participation.delete(conversationId);
    this.#participation.set(conversationId, seen);
    if (this.#participation.size > PARTICIPATION_CACHE_SIZE) {
      this.#participation.delete(this.#participation.keys().next().value!);
    }
    return seen;
  }

  /**
   * Edits, deletes or reacts to a message (see changeMessage for who may and what it
   * throws), then tells every socket in the room, on every worker and process, with a
   * `message_updated` frame. Counted against the sender's message limit.
   */
  async changeMessage(
    user: User,
    target: { conversationId: string; seq: number },
    change: MessageChange,
  ): Promise<ChangeResult> {
    // A file's removal follows a deletion already allowed and counted: it is no one's send.
    if (change.kind !== "detach") this.#sendLimit?.hit(["send", user.id]);
    const result = await changeMessage(this.#kv, user, target, change);
    if (result.rev !== null) {
      const { conversationId } = target;
      this.#deliverChanges(conversationId, result.rev, {
        message: result.message,
        rev: result.rev,
      });
      this.#ring({ kind: "change", conversationId, rev: result.rev });
      if (result.last && change.kind !== "react") void this.#notifyLast(result.message);
    }
    return result;
  }

  /**
   * The last message was edited, deleted or lost a file: every participant's list shows it
   * (an `activity` frame with its seq; other processes hear the doorbell and do the same).
   */
  async #notifyLast(message: Message): Promise<void> {
    const record = await getConversationRecord(this.#kv, message.conversationId).catch(() => null);
    if (!record) return;
    this.#notifyParticipants(record.participantIds, message);
    this.#ringMessage(message.conversationId, message.seq, record.participantIds);
  }

  /**
   * Delivers the room's changes up to `rev` that it has not had, in rev order, reading the
   * change log (`known`: the one change this hub just made, so no read is needed).
   */
  #deliverChanges(
    conversationId: string,
    rev: number,
    known?: { message: Message; rev: number },
  ): void {
    const room = this.#rooms.get(conversationId);
    if (!room) return;
    void this.#serially(room, async () => {
      // Nobody here yet: the first join sets the room's rev from what it reads.
      if (room.conns.size === 0 || room.rev >= rev) return;
      if (known && known.rev === room.rev + 1) {
        this.#sendUpdate(room.conns, known.message, known.rev);
        room.rev = known.rev;
        return;
      }
      const changes = await this.#readChanges(conversationId, { after: room.rev, upTo: rev });
      for (const change of changes) this.#sendUpdate(room.conns, change.message, change.rev);
      room.rev = Math.max(room.rev, rev);
    }).catch(() => {});
  }

  /**
   * The messages changed after rev `after` up to `upTo`, each once and as it is now, with
   * the rev of its last change in the range, in rev order.
   */
  async #readChanges(
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

  #sendUpdate(
    conns: Set<Connection>,
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

  /** Tells the room's other people that `conn`'s user is typing. */
  async typing(conn: Connection, conversationId: string): Promise<void> {
    if (!conn.cursors.has(conversationId)) {
      await getConversationRecordForUser(this.#kv, conversationId, conn.user.id);
    }
    this.#typingLocal(conversationId, conn.user);
    this.#ring({ kind: "typing", conversationId, user: conn.user });
  }

  /**
   * Takes a removed participant's sockets out of the room at once, on every worker: they
   * get an error frame (code "removed") and no further messages. Membership is re-checked on
   * every join and send, so nothing else is needed for the future.
   */
  evict(conversationId: string, userId: string): void {
    this.#evictLocal(conversationId, userId);
    this.#ring({ kind: "evict", conversationId, userId });
  }

  /** Tells every socket of the user, on every worker, that a read mark moved. */
  readMoved(userId: string, conversationId: string, seq: number): void {
    this.#readLocal(userId, conversationId, seq);
    this.#ring({ kind: "read", userId, conversationId, seq });
  }

  #readLocal(userId: string, conversationId: string, seq: number): void {
    for (const conn of this.#byUser.get(userId) ?? []) {
      conn.send({ type: "read", conversationId, seq });
    }
  }

  /** Closes the sockets of a session that ended (sign-out), on every worker. */
  endSession(sessionId: string): void {
    this.#endSessionLocal(sessionId);
    this.#ring({ kind: "session_ended", sessionId });
  }

  #endSessionLocal(sessionId: string): void {
    for (const set of this.#byUser.values()) {
      for (const conn of set) if (conn.sessionId === sessionId) conn.close(1008, "signed out");
    }
  }

  #endUserLocal(userId: string): void {
    for (const conn of this.#byUser.get(userId) ?? []) conn.close(1008, "account closed");
  }

  async #recheckAccounts(): Promise<void> {
    for (const userId of [...this.#byUser.keys()]) {
      const active = await getActiveUserById(this.#kv, userId).catch(() => true);
      if (!active) this.#endUserLocal(userId);
    }
  }

  #evictLocal(conversationId: string, userId: string): void {
    this.#participation.delete(conversationId);
    const room = this.#rooms.get(conversationId);
    if (room) room.participantIds = room.participantIds.filter((id) => id !== userId);
    for (const conn of this.#byUser.get(userId) ?? []) {
      let set = this.#evicted.get(conn);
      if (!set) this.#evicted.set(conn, set = new Set());
      set.add(conversationId);
      if (!conn.cursors.has(conversationId)) continue;
      this.leave(conn, conversationId);
      conn.send({
        type: "error",
        code: "removed",
        message: "You are no longer a participant of this conversation.",
        ref: conversationId,
      });
    }
  }

  /**
   * A socket's person is away (tab hidden, idle) or back. Rooms it is in hear of it when it
   * changes what they see: someone counts as away only when every socket of theirs there is.
   */
  setPresence(conn: Connection, away: boolean): void {
    if ((conn.away ?? false) === away) return;
    const rooms = [...conn.cursors.keys()].flatMap((id) => {
      const room = this.#rooms.get(id);
      return room?.conns.has(conn) ? [room] : [];
    });
    const before = rooms.map((room) => this.#snapshot(room, conn.user.id));
    conn.away = away;
    rooms.forEach((room, i) => this.#afterChange(room, conn.user, before[i]));
  }

  /**
   * Runs a change to the room's sockets here and tells what it changed for `user`: the room
   * hears `status` when they came or went (on any hub), `presence` when they went away or
   * came back; the other hubs hear of it when this hub's view of `user` changed.
   */
  #changeLocal(room: Room, user: User, change: () => void): "status" | "presence" | null {
    const before = this.#snapshot(room, user.id);
    change();
    return this.#afterChange(room, user, before);
  }

  #snapshot(room: Room, userId: string): { everywhere?: Presence; here?: Presence } {
    return { everywhere: this.#merged(room).get(userId), here: this.#localView(room).get(userId) };
  }

  #afterChange(
    room: Room,
    user: User,
    before: { everywhere?: Presence; here?: Presence },
  ): "status" | "presence" | null {
    const here = this.#localView(room);
    if (before.here?.away !== here.get(user.id)?.away) this.#board.publish(room.id, here);
    return this.#announce(room, user, before.everywhere, this.#merged(room).get(user.id));
  }

  #announce(
    room: Room,
    user: User,
    before: Presence | undefined,
    after: Presence | undefined,
  ): "status" | "presence" | null {
    if (!before && after) this.#status(room, "joined", user);
    else if (before && !after) this.#status(room, "left", user);
    else if (before && after && before.away !== after.away) this.#presence(room, user);
    else return null;
    return after && before ? "presence" : "status";
  }

  /** Reads the other hubs' views of a room and tells its sockets what that changed. */
  async #readRemote(conversationId: string): Promise<void> {
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
    const before = this.#merged(room);
    room.remote = remote;
    const after = this.#merged(room);
    for (const id of new Set([...before.keys(), ...after.keys()])) {
      const user = (after.get(id) ?? before.get(id))!.user;
      this.#announce(room, user, before.get(id), after.get(id));
    }
  }

  /** Rewrites this hub's views (they expire otherwise) and reads the others' again. */
  #refreshPresence(): void {
    for (const room of this.#rooms.values()) {
      if (room.conns.size === 0) continue;
      this.#board.publish(room.id, this.#localView(room), false);
      void this.#readRemote(room.id);
    }
  }

  /** Per user with a socket in the room on this hub: whether every such socket is away. */
  #localView(room: Room): PresenceView {
    const view: PresenceView = new Map();
    for (const c of room.conns) {
      const seen = view.get(c.user.id);
      view.set(c.user.id, { user: c.user, away: (seen?.away ?? true) && (c.away ?? false) });
    }
    return view;
  }

  /** Everyone in the room on every hub (see mergeViews). */
  #merged(room: Room): PresenceView {
    return mergeViews(room.remote, this.#localView(room));
  }

  /** Tells the room whether `user` is away or active now. */
  #presence(room: Room, user: User): void {
    const away = this.#awayIds(room);
    const state = away.includes(user.id) ? "away" : "active";
    for (const c of room.conns) {
      c.send({ type: "presence", conversationId: room.id, user, state, away });
    }
  }

  /** The users in the room (on any hub) whose every socket there is away. */
  #awayIds(room: Room): string[] {
    return [...this.#merged(room)].flatMap(([id, { away }]) => away ? [id] : []);
  }

  /** The distinct users with a socket in the room, on this hub or any other. */
  online(conversationId: string): User[] {
    const room = this.#rooms.get(conversationId);
    if (!room) return [];
    return [...this.#merged(room).values()].map((u) => u.user);
  }

  /** Whether shutdown has begun (readiness turns 503). */
  get closing(): boolean {
    return this.#closing;
  }

  /** How many sockets are connected to this hub. */
  get connections(): number {
    let n = 0;
    for (const set of this.#byUser.values()) n += set.size;
    return n;
  }

  /** Closes every socket (1012 "service restart" at shutdown: clients reconnect and catch up). */
  closeAll(code = 1012, reason = "server restarting"): void {
    for (const set of this.#byUser.values()) for (const conn of set) conn.close(code, reason);
  }

  /**
   * For shutdown: closes every socket with 1012 (clients reconnect and catch up), waits up to
   * two seconds for the close frames to go out (a server that drops connections first makes
   * clients see 1001), then stops listening.
   */
  async shutdown(): Promise<void> {
    this.#closing = true;
    this.closeAll(1012, "server restarting");
    // At least 100 ms: a socket upgraded a moment ago may not have reached connect() yet.
    for (let waited = 0; (waited < 100 || this.connections > 0) && waited < 2000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // The other hubs hear at once that this one's people left (else within the views' TTL).
    await this.#board.flush().catch(() => {});
    // The search index of what was just sent (else the next message there indexes it).
    await Promise.race([this.indexed(), new Promise((r) => setTimeout(r, 1000))]);
    this.close();
  }

  /** Resolves when every message this hub stored is in the search index. */
  async indexed(): Promise<void> {
    await this.#writer.indexed();
  }

  /** Stops listening for doorbells and heads (lets the process exit promptly). */
  close(): void {
    this.#sendLimit?.close();
    clearInterval(this.#presenceTimer);
    this.#board.close();
    this.#channel?.close();
    this.#channel = null;
    this.#heads.close();
    this.#accounts.close();
    this.#writer.close();
  }

  #room(id: string): Room {
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
      this.#heads.add(id);
    }
    return room;
  }

  #serially(room: Room, task: () => Promise<void>): Promise<void> {
    const run = room.chain.then(task);
    room.chain = run.catch((err) => log("error", "room task failed", describeError(err)));
    return run;
  }

  /** A head moved somewhere: re-check the room's people if they changed, then deliver. */
  #onHead(conversationId: string, head: ConversationHead): void {
    listCacheOf(this.#kv).sawHead(conversationId, head);
    const room = this.#rooms.get(conversationId);
    if (!room) return;
    const members = head.members ?? 0;
    if (room.members !== undefined && members !== room.members) {
      room.members = members;
      void this.#recheckMembers(room);
    }
    this.#deliver(conversationId, head.seq);
    if ((head.rev ?? 0) > room.rev) this.#deliverChanges(conversationId, head.rev!);
  }

  /** Evicts the room's sockets whose users are no longer participants (changed elsewhere). */
  async #recheckMembers(room: Room): Promise<void> {
    try {
      const record = await getConversationRecord(this.#kv, room.id);
      room.participantIds = record?.participantIds ?? [];
      for (const conn of [...room.conns]) {
        if (!room.participantIds.includes(conn.user.id)) this.#evictLocal(room.id, conn.user.id);
      }
    } catch (err) {
      log("warn", "member re-check failed", describeError(err));
    }
  }

  /** Delivers everything up to `seq` that the room has not had, reading gaps from KV. */
  #deliver(conversationId: string, seq: number, known?: Message): void {
    const room = this.#rooms.get(conversationId);
    if (!room) return;
    void this.#serially(room, async () => {
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
   * Tells the participants' conversation lists that the conversation moved: sockets that
   * asked (`watch_list`) and are not in the room (those get the `message` itself).
   */
  #notifyParticipants(participantIds: string[], message: Message): void {
    let text: string | null = null;
    for (const id of participantIds) {
      for (const conn of this.#byUser.get(id) ?? []) {
        if (!conn.watchesList || conn.cursors.has(message.conversationId)) continue;
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

  #typingLocal(conversationId: string, user: User): void {
    for (const conn of this.#rooms.get(conversationId)?.conns ?? []) {
      if (conn.user.id !== user.id) conn.send({ type: "typing", conversationId, user });
    }
  }

  #status(
    room: Room,
    event: "joined" | "left",
    user: User,
    to: Iterable<Connection> = room.conns,
  ): void {
    const online = this.online(room.id);
    const away = this.#awayIds(room);
    for (const conn of to) {
      conn.send({ type: "status", conversationId: room.id, event, user, online, away });
    }
  }

  /**
   * One doorbell per conversation per commit, not per message: the sends of a batch resolve
   * together, and a receiver reads every seq up to the one rung anyway.
   */
  #ringMessage(conversationId: string, seq: number, participantIds: string[]): void {
    if (this.#bells.size === 0) {
      queueMicrotask(() => {
        for (const bell of this.#bells.values()) this.#ring(bell);
        this.#bells.clear();
      });
    }
    const pending = this.#bells.get(conversationId);
    if (!pending || pending.seq < seq) {
      this.#bells.set(conversationId, { kind: "message", conversationId, seq, participantIds });
    }
  }

  #ring(bell: Doorbell): void {
    if (this.#dropDoorbells > 0 && Math.random() < this.#dropDoorbells) return;
    try {
      this.#channel?.postMessage(bell);
    } catch (err) {
      log("warn", "doorbell not sent", describeError(err));
    }
  }

  async #onDoorbell(bell: Doorbell): Promise<void> {
    listCacheOf(this.#kv).heard(bell);
    if (bell.kind === "typing") return this.#typingLocal(bell.conversationId, bell.user);
    if (bell.kind === "evict") return this.#evictLocal(bell.conversationId, bell.userId);
    if (bell.kind === "session_ended") return this.#endSessionLocal(bell.sessionId);
    if (bell.kind === "read") return this.#readLocal(bell.userId, bell.conversationId, bell.seq);
    if (bell.kind === "change") return this.#deliverChanges(bell.conversationId, bell.rev);
    if (bell.kind === "presence") return void this.#readRemote(bell.conversationId);
    this.#deliver(bell.conversationId, bell.seq);
    if (!bell.participantIds.some((id) => this.#byUser.has(id))) return;
    try {
      const page = await listMessages(this.#kv, bell.conversationId, {
        after: bell.seq - 1,
        limit: 1,
      });
      if (page.messages[0]) this.#notifyParticipants(bell.participantIds, page.messages[0]);
    } catch (err) {
      log("warn", "activity lookup failed", describeError(err));
    }
  }
}
