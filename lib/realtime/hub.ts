import { getConversationRecordForUser } from "../conversations/mod.ts";
import {
  type ChangeResult,
  getDraft,
  type MessageChange,
  type SendInput,
  type SendResult,
} from "../messages/mod.ts";
import { describeError, log } from "../ops/mod.ts";
import type { User } from "../accounts/mod.ts";
import type { Message, SystemRecord } from "../shared/message.ts";
import { type Connection, Connections } from "./connection.ts";
import { broadcastDoorbells, type DoorbellChannel, Doorbells } from "./doorbells.ts";
import { answerDoorbell, answerHead, answerSignal, filesChangedHere } from "./elsewhere.ts";
import { endSessionHere, watchAccountEndings } from "./endings.ts";
import { evictHere } from "./evictions.ts";
import { HeadWatcher } from "./head_watcher.ts";
import { joinRoom, leaveRoom } from "./join.ts";
import { Members } from "./members.ts";
import type { HubParts } from "./parts.ts";
import { RoomPresence } from "./room_presence.ts";
import { Rooms } from "./rooms.ts";
import { Sender } from "./sending.ts";
import { type DraftSignal, SignalBus } from "./signals.ts";
import { SocketCaps } from "./socket_caps.ts";
import { People } from "./people.ts";
import { tellTyping } from "./typing.ts";

export type { Connection } from "./connection.ts";

export type HubOptions = {
  /** BroadcastChannel name for the doorbells between workers; null for none. */
  channelName?: string | null;
  /**
   * The doorbell channel itself, in place of a BroadcastChannel named `channelName` (tests
   * inject a lossy one); null for none.
   */
  doorbells?: DoorbellChannel | null;
  /** How often rooms with sockets here re-read their heads (0: never). */
  pollMs?: number;
  /** Also kv.watch each room's head (remote KV: crosses instances). */
  watch?: boolean;
  /** Messages per user and window, shared by every worker and instance (off when absent). */
  sendLimit?: { limit: number; windowMs: number; scale: number };
};

/**
 * Live delivery for one isolate. KV is the source of truth: a message is committed before
 * anyone hears of it. Sockets here are told directly; other workers of the process hear a
 * doorbell (doorbells.ts), other processes and instances are found by the HeadWatcher
 * (polling, and kv.watch on a remote KV); each reads what it has not delivered from KV.
 * A lost doorbell only delays: the next doorbell or poll reads the whole gap, and rooms
 * deliver strictly in seq order (rooms.ts). This class wires the parts together.
 */
export class Hub {
  #kv: Deno.Kv;
  #conns = new Connections();
  #rooms: Rooms;
  #members: Members;
  #presence: RoomPresence;
  #parts: HubParts;
  #doorbells: Doorbells;
  #signals: SignalBus;
  #people: People;
  #sender: Sender;
  #heads: HeadWatcher;
  #accounts: { close(): void };
  #closing = false;
  #caps = new SocketCaps();

  /** The store this hub works on (what a socket's sends check their attachments against). */
  get kv(): Deno.Kv {
    return this.#kv;
  }

  constructor(kv: Deno.Kv, options: HubOptions = {}) {
    this.#kv = kv;
    const pollMs = options.pollMs ?? 1000;
    this.#members = new Members(kv);
    this.#heads = new HeadWatcher(kv, (id, head) => answerHead(this.#parts, id, head), {
      pollMs,
      watch: options.watch ?? false,
      onPresence: (id) => void this.#presence.readRemote(id),
    });
    this.#rooms = new Rooms(kv, this.#heads);
    // Workers of this process hear at once; other processes when their poll or watch sees it.
    this.#presence = new RoomPresence(kv, this.#rooms, (ids) => {
      for (const conversationId of ids) this.#doorbells.ring({ kind: "presence", conversationId });
    });
    // Typing and list activity: to the other workers at once, to other processes by KV.
    this.#signals = new SignalBus(kv, {
      pollMs,
      post: (envelopes) => this.#doorbells.ring({ kind: "signals", envelopes }),
      onSignal: (signal, hub) =>
        signal.kind === "draft"
          ? void this.#draftHeard(signal)
          : void answerSignal(this.#parts, signal, hub),
      onHubGone: (hub) => this.#people.hubGone(hub),
    });
    this.#people = new People(kv, this.#conns, this.#signals);
    this.#parts = {
      kv,
      conns: this.#conns,
      rooms: this.#rooms,
      members: this.#members,
      presence: this.#presence,
      signals: this.#signals,
      people: this.#people,
    };
    // An account disabled or deleted (by the admin CLI, another process) loses its sockets.
    this.#accounts = watchAccountEndings(kv, this.#conns, { pollMs });
    const name = options.channelName === undefined ? "chat-doorbell" : options.channelName;
    const channel = options.doorbells !== undefined
      ? options.doorbells
      : name
      ? broadcastDoorbells(name)
      : null;
    this.#doorbells = new Doorbells(channel, (bell) => void answerDoorbell(this.#parts, bell));
    this.#sender = new Sender(this.#parts, this.#doorbells, options);
  }

  /**
   * A place for a new socket of the user from the address (see SocketCaps): the function
   * that gives it back when the socket closes, or null when either holds too many here.
   */
  admitSocket(userId: string, address: string, scale: number): (() => void) | null {
    return this.#caps.take(userId, address, scale);
  }

  /** Registers a socket (it starts in no room). */
  connect(conn: Connection): void {
    this.#people.change(conn.user.id, () => this.#conns.add(conn));
    // Upgraded just before shutdown (its open came after closeAll): told the same, not
    // dropped with 1001 when the server stops.
    if (this.#closing) conn.close(1012, "server restarting");
  }

  /** The socket hears `activity` frames of every conversation its person takes part in. */
  watchList(conn: Connection): void {
    this.#conns.watchList(conn);
  }

  /** Removes a socket from every room it joined. */
  disconnect(conn: Connection): void {
    for (const id of [...conn.cursors.keys()]) this.leave(conn, id);
    this.#people.unwatch(conn);
    this.#people.change(conn.user.id, () => this.#conns.remove(conn));
  }

  /** See joinRoom (join.ts). Throws NotFoundError for a non-participant. */
  async join(conn: Connection, conversationId: string, since?: number, rev?: number) {
    await joinRoom(this.#parts, conn, conversationId, { since, rev });
  }

  /** Unsubscribes a socket; the others hear `status: left` when the user's last socket goes. */
  leave(conn: Connection, conversationId: string): void {
    leaveRoom(this.#parts, conn, conversationId);
  }

  /**
   * Stores a message from a participant, then delivers it. Throws NotFoundError for a
   * non-participant. `created` is false when the clientId was seen before.
   */
  async send(author: User, input: SendInput, from?: Connection): Promise<SendResult> {
    return await (await this.enqueue(author, input, from)).stored;
  }

  /**
   * send() in two steps: resolves once the message has its place in the write queue (the
   * order of one sender's messages is the order of these calls), with `stored` for the
   * commit. A sender need not wait for one commit before queueing its next message.
   */
  enqueue(
    author: User,
    input: SendInput,
    from?: Connection,
  ): Promise<{ stored: Promise<SendResult> }> {
    return this.#sender.enqueue(author, input, from);
  }

  /**
   * Edits, deletes or reacts to a message (see changeMessage for who may and what it
   * throws), then tells every socket in the room, on every worker and process, with a
   * `message_updated` frame. Counted against the sender's message limit.
   */
  changeMessage(
    user: User,
    target: { conversationId: string; seq: number },
    change: MessageChange,
  ): Promise<ChangeResult> {
    return this.#sender.change(user, target, change);
  }

  /**
   * Stores a system message (a join, leave, addition, removal, rename, topic, archiving or
   * pin, done by `actor`) as the conversation's next seq and delivers it like any message
   * (lib/messages/system.ts): `content` is the sentence ("Ann added Ben"). Call it after the
   * change it tells of is committed: the people taking part then get it in their lists (an
   * added person sees the conversation appear). The actor need not take part any more, and
   * an archived channel takes it. Not counted against the actor's message limit.
   */
  sendSystem(actor: User, conversationId: string, system: SystemRecord): Promise<Message> {
    return this.#sender.sendSystem(actor, conversationId, system);
  }

  /** Tells the room's other people that `conn`'s user is typing. */
  async typing(conn: Connection, conversationId: string): Promise<void> {
    if (!conn.cursors.has(conversationId)) {
      await getConversationRecordForUser(this.#kv, conversationId, conn.user.id);
    }
    tellTyping(this.#rooms, conversationId, conn.user);
    this.#signals.publish({ kind: "typing", conversationId, user: conn.user });
  }

  /**
   * Takes a removed participant's sockets out of the room at once, on every worker: they
   * get an error frame (code "removed") and no further messages. Membership is re-checked on
   * every join and send, so nothing else is needed for the future.
   */
  evict(conversationId: string, userId: string): void {
    evictHere(this.#parts, conversationId, userId);
    this.#doorbells.ring({ kind: "evict", conversationId, userId });
    // Their conversation lists, on every page and in every process, drop it.
    this.#conns.sendTo(userId, { type: "conversation_removed", conversationId });
    this.#signals.publish({ kind: "removed", userId, conversationId });
  }

  /**
   * A file area's files changed (an upload or a delete): every socket of its people, on
   * every hub in every process, hears `files_changed` (their file lists read it again).
   */
  filesChanged(areaId: string, participantIds: string[]): void {
    filesChangedHere(this.#conns, areaId, participantIds);
    this.#signals.publish({ kind: "files", areaId, participantIds });
  }

  /** Tells every socket of the user, on every worker, that a read mark moved. */
  readMoved(userId: string, conversationId: string, seq: number): void {
    this.#conns.sendTo(userId, { type: "read", conversationId, seq });
    this.#doorbells.ring({ kind: "read", userId, conversationId, seq });
  }

  /**
   * The user's draft there changed (stored first, lib/messages/drafts.ts): every socket of
   * theirs, on every worker and process, hears `{type: "draft", ...}` ("" when it went). The
   * other hubs read the draft from the store (the signal carries no content).
   */
  draftChanged(
    userId: string,
    conversationId: string,
    parentSeq: number | null,
    content: string,
  ): void {
    this.#conns.sendTo(userId, { type: "draft", conversationId, parentSeq, content });
    this.#signals.publish({ kind: "draft", userId, conversationId, parentSeq });
  }

  /** Another hub's draft signal: read it and tell the person's sockets here, if any. */
  async #draftHeard(signal: DraftSignal): Promise<void> {
    const { userId, conversationId, parentSeq } = signal;
    if (!this.#conns.hasUser(userId)) return;
    try {
      const draft = await getDraft(this.#kv, userId, conversationId, parentSeq);
      const content = draft?.content ?? "";
      this.#conns.sendTo(userId, { type: "draft", conversationId, parentSeq, content });
    } catch (err) {
      log("warn", "draft not read", describeError(err));
    }
  }

  /** Closes the sockets of a session that ended (sign-out), on every worker. */
  endSession(sessionId: string): void {
    endSessionHere(this.#conns, sessionId);
    this.#doorbells.ring({ kind: "session_ended", sessionId });
  }

  /** A socket's person is away (tab hidden, idle) or back (see RoomPresence.setAway). */
  setPresence(conn: Connection, away: boolean): void {
    this.#people.change(conn.user.id, () => this.#presence.setAway(conn, away));
  }

  /** The socket hears these people's states (online anywhere, away, offline) and changes. */
  async watchPeople(conn: Connection, userIds: string[], scope?: string): Promise<void> {
    await this.#people.watch(conn, userIds, scope);
  }

  /** The distinct users with a socket in the room, on this hub or any other. */
  online(conversationId: string): User[] {
    return this.#presence.online(conversationId);
  }

  /** Whether shutdown has begun (readiness turns 503). */
  get closing(): boolean {
    return this.#closing;
  }

  /** How many sockets are connected to this hub. */
  get connections(): number {
    return this.#conns.count;
  }

  /** Closes every socket (1012 "service restart" at shutdown: clients reconnect and catch up). */
  closeAll(code = 1012, reason = "server restarting"): void {
    for (const conn of this.#conns.all()) conn.close(code, reason);
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
    this.#people.leaveAll();
    await this.#presence.flush().catch(() => {});
    await this.#people.flush().catch(() => {});
    await this.#signals.flush().catch(() => {});
    // The search index of what was just sent (else the next message there indexes it).
    await Promise.race([this.indexed(), new Promise((r) => setTimeout(r, 1000))]);
    this.close();
  }

  /** Resolves when every message this hub stored is in the search index. */
  async indexed(): Promise<void> {
    await this.#sender.indexed();
  }

  /** Stops listening for doorbells and heads (lets the process exit promptly). */
  close(): void {
    this.#presence.close();
    this.#people.close();
    this.#signals.close();
    this.#doorbells.close();
    this.#heads.close();
    this.#accounts.close();
    this.#sender.close();
  }
}
