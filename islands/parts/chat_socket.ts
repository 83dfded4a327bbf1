/// <reference lib="dom" />
import type { ServerFrame } from "../../lib/shared/protocol.ts";

type Listener = (frame: ServerFrame) => void;

/** A socket that heard nothing this long is pinged… */
const PING_EVERY_MS = 5_000;
/** …and given up on when nothing answers within this (a silent network: within ~10 s). */
const PONG_WAIT_MS = 4_000;
/** A handshake not done within this is given up and tried again. */
const CONNECT_WAIT_MS = 10_000;
export type SocketState = "connecting" | "open" | "offline";

/**
 * The socket the page's head opened before any module loaded (routes/_early_socket.ts), with
 * the frames it heard since; its URL's `join` is the conversation its upgrade joined.
 */
type EarlySocket = { socket: WebSocket; frames: MessageEvent[] };

/** Takes the head's early socket, once; null when there is none or it closed already. */
function takeEarlySocket(): EarlySocket | null {
  const g = globalThis as { __hearthSocket?: EarlySocket };
  const early = g.__hearthSocket;
  delete g.__hearthSocket;
  if (!early || early.socket.readyState > WebSocket.OPEN) return null;
  return early;
}

/**
 * The page's one WebSocket, shared by every island. It reconnects with capped, jittered
 * exponential backoff and re-joins each conversation with `since` = the last seq its island
 * has, so nothing sent while offline is missed. Frames sent while offline are queued.
 */
export class ChatSocket {
  #ws: WebSocket | null = null;
  #listeners = new Set<Listener>();
  #stateListeners = new Set<(s: SocketState) => void>();
  #joined = new Map<string, () => number>();
  /** Per conversation: the highest change counter (`rev`) heard, sent back on rejoin. */
  #revs = new Map<string, number>();
  #attempt = 0;
  #watchingList = false;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #pongTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the current socket last heard anything (a frame, a pong, its opening). */
  #lastSeen = 0;
  /** A ping is out and nothing was heard since. */
  #awaitingPong = false;
  /** Whether the person is away: the tab is hidden, or nothing was touched for 10 minutes. */
  #away = false;
  #lastActivity = Date.now();
  /**
   * While the page's islands load (holdFrames … releaseFrames): every frame heard so far, so
   * a listener that registers late (an island hydrating after its join's answer came) still
   * hears them, in order. Null otherwise.
   */
  #held: ServerFrame[] | null = null;
  /**
   * The conversation the current socket's upgrade joined (`/api/ws?join=…`, the head's early
   * socket): no join frame goes out for it on this socket. Null for every later socket.
   */
  #joinedOnUpgrade: string | null = null;
  state: SocketState = "connecting";

  constructor(readonly url: string) {
    this.#away = document.visibilityState === "hidden";
    const early = takeEarlySocket();
    // What the early socket heard before it was adopted is kept for the islands to come.
    if (early) this.holdFrames();
    this.#open(early);
    // The network is gone: say so now, not when a timeout notices (the socket may stay
    // OPEN and silent for minutes). It is back: join again with `since` at once.
    addEventListener("offline", () => this.#drop());
    addEventListener("online", () => this.#reconnectNow());
    document.addEventListener("visibilitychange", () => {
      this.#checkAway();
      // A tab coming back (a laptop waking) checks its socket at once.
      if (document.visibilityState === "visible") this.#ping();
    });
    for (const type of ["pointerdown", "keydown", "focus"]) {
      addEventListener(type, () => {
        this.#lastActivity = Date.now();
        this.#checkAway();
      }, { passive: true });
    }
    setInterval(() => this.#checkAway(), 60_000);
  }

  #checkAway() {
    const away = document.visibilityState === "hidden" ||
      Date.now() - this.#lastActivity > 10 * 60_000;
    if (away === this.#away) return;
    this.#away = away;
    this.send({ type: "presence", state: away ? "away" : "active" });
  }

  /** Hears every frame from now on (and, while frames are held, those heard before). */
  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    for (const frame of this.#held ?? []) listener(frame);
    return () => this.#listeners.delete(listener);
  }

  /** Keeps the frames heard until releaseFrames, for listeners yet to come (boot.ts). */
  holdFrames(): void {
    this.#held ??= [];
  }

  releaseFrames(): void {
    this.#held = null;
  }

  onState(listener: (s: SocketState) => void): () => void {
    this.#stateListeners.add(listener);
    listener(this.state);
    return () => this.#stateListeners.delete(listener);
  }

  /** Asks for `activity` frames (the conversation list), now and after every reconnect. */
  watchList(): void {
    this.#watchingList = true;
    this.send({ type: "watch_list" });
  }

  /**
   * Joins a conversation; `lastSeq` is asked again at every reconnect. Joining one already
   * joined only takes the new `lastSeq` (boot.ts joins the page's conversation early, and its
   * island, hydrating, joins again: one join frame goes out).
   */
  join(conversationId: string, lastSeq: () => number): void {
    const already = this.#joined.has(conversationId) ||
      conversationId === this.#joinedOnUpgrade;
    this.#joined.set(conversationId, lastSeq);
    if (!already && this.state === "open") this.#sendJoin(conversationId);
  }

  /**
   * Joins a conversation again from `since` (its island saw a gap in the seqs: a frame was
   * lost). The answer, `recent_messages`, fills the gap.
   */
  rejoin(conversationId: string, since: number): void {
    if (!this.#joined.has(conversationId) || this.state !== "open") return;
    this.#sendJoin(conversationId, since);
  }

  leave(conversationId: string): void {
    this.#joined.delete(conversationId);
    this.#revs.delete(conversationId);
    if (conversationId === this.#joinedOnUpgrade) this.#joinedOnUpgrade = null;
    this.send({ type: "leave", conversationId });
  }

  /** Sends a frame if the socket is open; says whether it went. */
  send(frame: Record<string, unknown>): boolean {
    if (this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(JSON.stringify(frame));
    return true;
  }

  #sendJoin(conversationId: string, from?: number) {
    const since = from ?? this.#joined.get(conversationId)?.();
    const rev = this.#revs.get(conversationId);
    // With `rev`, the server also replays the edits, deletions and reactions missed meanwhile.
    this.send(
      since
        ? { type: "join", conversationId, since, ...(rev !== undefined ? { rev } : {}) }
        : { type: "join", conversationId },
    );
  }

  #noteRev(frame: ServerFrame) {
    const id = frame.type === "recent_messages"
      ? frame.conversationId
      : frame.type === "message_updated"
      ? frame.message.conversationId
      : null;
    if (id === null) return;
    const next = nextRev(this.#revs.get(id), frame);
    if (next !== undefined) this.#revs.set(id, next);
  }

  #setState(s: SocketState) {
    this.state = s;
    for (const l of this.#stateListeners) l(s);
  }

  #open(early: EarlySocket | null = null) {
    clearTimeout(this.#retryTimer);
    const ws = early?.socket ?? new WebSocket(this.url);
    this.#ws = ws;
    this.#joinedOnUpgrade = early ? new URL(ws.url).searchParams.get("join") || null : null;
    // A handshake that hangs (a silent network) is given up, not waited on for minutes.
    this.#connectTimer = setTimeout(() => {
      if (this.#ws === ws && ws.readyState === WebSocket.CONNECTING) this.#drop();
    }, CONNECT_WAIT_MS);
    ws.onopen = () => {
      if (this.#ws !== ws) return;
      clearTimeout(this.#connectTimer);
      this.#attempt = 0;
      this.#lastSeen = Date.now();
      this.#setState("open");
      // Said before the joins, so the rooms see this socket as it is from the start (the
      // early socket's upgrade said `away=1` if its tab was hidden: corrected if it changed).
      const saidAway = new URL(ws.url).searchParams.get("away") === "1";
      if (this.#away !== saidAway) {
        this.send({ type: "presence", state: this.#away ? "away" : "active" });
      }
      if (this.#watchingList) this.send({ type: "watch_list" });
      for (const id of this.#joined.keys()) if (id !== this.#joinedOnUpgrade) this.#sendJoin(id);
      clearInterval(this.#pingTimer);
      // The heartbeat: a socket quiet for PING_EVERY_MS is pinged; no answer within
      // PONG_WAIT_MS and it is dead (a silent network), noticed within ~10 s.
      this.#pingTimer = setInterval(() => {
        if (Date.now() - this.#lastSeen >= PING_EVERY_MS - 500) this.#ping();
      }, PING_EVERY_MS);
    };
    ws.onmessage = (event) => {
      // A socket given up on may still deliver when its network heals: it is not heard.
      if (this.#ws !== ws) return;
      this.#lastSeen = Date.now();
      this.#awaitingPong = false;
      clearTimeout(this.#pongTimer);
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      this.#noteRev(frame);
      this.#held?.push(frame);
      for (const l of this.#listeners) l(frame);
    };
    ws.onclose = () => {
      if (this.#ws === ws) this.#drop();
    };
    if (!early) return;
    // Adopted: what it did before is played back, in order (its opening, then its frames).
    if (ws.readyState === WebSocket.OPEN) ws.onopen(new Event("open"));
    for (const frame of early.frames) ws.onmessage(frame);
  }

  /** Asks the open socket for a pong; without any answer in PONG_WAIT_MS it is dropped. */
  #ping() {
    const ws = this.#ws;
    if (ws?.readyState !== WebSocket.OPEN || this.#awaitingPong) return;
    this.#awaitingPong = true;
    ws.send(JSON.stringify({ type: "ping" }));
    this.#pongTimer = setTimeout(() => {
      if (this.#ws === ws && this.#awaitingPong) this.#drop();
    }, PONG_WAIT_MS);
  }

  /**
   * Gives up on the current socket (closed, silent, or the network is gone): whatever it
   * still delivers is ignored, the page says "offline", and a new one is tried.
   */
  #drop() {
    const ws = this.#ws;
    if (!ws && this.state === "offline") return; // given up already, a retry is set
    this.#ws = null;
    this.#awaitingPong = false;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    clearTimeout(this.#connectTimer);
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close();
    this.#setState("offline");
    this.#reconnectSoon();
  }

  /**
   * The network is back: a new socket is opened now (a handshake begun on the old network
   * is given up rather than waited on); an open one is checked.
   */
  #reconnectNow() {
    this.#attempt = 0;
    if (this.#ws?.readyState === WebSocket.OPEN) return this.#ping();
    const stale = this.#ws;
    this.#ws = null;
    clearTimeout(this.#connectTimer);
    stale?.close();
    this.#open();
  }

  #reconnectSoon() {
    clearTimeout(this.#retryTimer);
    const wait = Math.min(30_000, 500 * 2 ** this.#attempt++) * (0.5 + Math.random() / 2);
    this.#retryTimer = setTimeout(() => {
      if (!this.#ws) this.#open();
    }, wait);
  }
}

let shared: ChatSocket | null = null;

/** The page's socket, opened on first use. */
export function chatSocket(): ChatSocket {
  if (!shared) {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    shared = new ChatSocket(`${proto}//${location.host}/api/ws`);
  }
  return shared;
}

/**
 * The change counter to send back on the next rejoin, after `frame`. A first join's
 * `recent_messages` carries every message as it is now, so its `rev` is where changes start.
 * A rejoin's (a `rev` known already) carries only the new messages; the changes missed
 * meanwhile follow it as `message_updated` frames, and only those move the counter: a socket
 * lost between the two must ask for them again.
 */
export function nextRev(known: number | undefined, frame: ServerFrame): number | undefined {
  const rev = frame.type === "message_updated"
    ? frame.rev
    : frame.type === "recent_messages" && known === undefined
    ? frame.rev
    : undefined;
  if (rev === undefined) return known;
  return known === undefined || rev > known ? rev : known;
}
