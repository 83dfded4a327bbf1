import { attachmentsForSend } from "../messages/mod.ts";
import { AppError } from "../errors.ts";
import { describeError, log } from "../ops/mod.ts";
import type { Connection } from "./connection.ts";
import type { Hub } from "./hub.ts";
import {
  type ClientFrame,
  clientFrameSchema,
  MAX_FRAME_BYTES,
  type ServerFrame,
} from "../shared/protocol.ts";
import type { MessageChange } from "../messages/mod.ts";
import type { User } from "../accounts/mod.ts";

/** Per socket: a token bucket of frames, refilled per second. Scaled by RATE_LIMIT_SCALE. */
const FRAMES_PER_SECOND = 20;
const FRAME_BURST = 60;
/** Bad frames tolerated in a row before the socket is closed with 1008. */
const MAX_BAD_FRAMES = 20;
/** How often an open socket's session is checked again (expiry, revocation elsewhere). */
const SESSION_CHECK_MS = 60_000;
/** Frames refused for rate in a row before the socket is closed with 1008 (a flood). */
const MAX_OVER_LIMIT = 20;
/** A socket whose unsent bytes pass this is too slow; it is closed and resumes by catch-up. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/**
 * The unsent bytes are looked at every this many frames, not every frame (an op call each, ~2 %
 * of a busy fan-out): a slow socket is still closed within a few frames of the bound.
 */
const BUFFER_CHECK_EVERY = 8;
/**
 * How long an upgraded socket may take to open. Deno (2.9.6) never opens nor closes a socket
 * whose client left before the 101 went out (a tab closed or navigated away mid-upgrade, as
 * the early socket of a page makes common): no event fires, the connection stays half-closed
 * and the server's graceful shutdown waits on it. Past this it is given up: its place under
 * the socket caps is given back and its timers stop, so such tabs cannot lock a person out.
 */
export const OPEN_WAIT_MS = 10_000;

/** Wires one upgraded WebSocket to the hub: parses, validates, rate-limits, dispatches. */
export function serveSocket(
  hub: Hub,
  socket: WebSocket,
  options: {
    user: User;
    sessionId: string;
    rateLimitScale: number;
    /** Re-checked every minute: an expired or revoked session closes the socket. */
    sessionValid?: () => Promise<boolean>;
    /** Called once when the socket has closed (gives back its place: Hub.admitSocket). */
    onClosed?: () => void;
    /**
     * A join asked for with the upgrade (`/api/ws?join=…`): handled as that join frame would
     * be, first of the socket's frames, as soon as it is open (no round trip after the open).
     */
    join?: Extract<ClientFrame, { type: "join" }>;
    /** Asked with the upgrade (`away=1`): the socket is away from its opening, before the join. */
    away?: boolean;
    now?: () => number;
    /** Tests: OPEN_WAIT_MS. */
    openWaitMs?: number;
  },
): void {
  const now = options.now ?? (() => performance.now());
  const scale = options.rateLimitScale;
  let tokens = FRAME_BURST * scale;
  let refilledAt = now();
  let badFrames = 0;
  let overLimit = 0;
  let sends = 0;

  const conn: Connection = {
    user: options.user,
    sessionId: options.sessionId,
    cursors: new Map(),
    send(frame: ServerFrame | string) {
      if (socket.readyState !== WebSocket.OPEN) return;
      if (++sends % BUFFER_CHECK_EVERY === 0 && socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        socket.close(1008, "too slow");
        return;
      }
      socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    },
    buffered: () => socket.bufferedAmount,
    close(code: number, reason: string) {
      if (socket.readyState <= WebSocket.OPEN) socket.close(code, reason);
    },
  };

  function refuse(code: string, message: string, ref?: string, countsAsBad = true) {
    conn.send({ type: "error", code, message, ...(ref ? { ref } : {}) });
    if (countsAsBad && ++badFrames >= MAX_BAD_FRAMES) socket.close(1008, "too many bad frames");
  }

  function takeToken(): boolean {
    if (scale === 0) return true;
    const t = now();
    tokens = Math.min(
      FRAME_BURST * scale,
      tokens + ((t - refilledAt) / 1000) * FRAMES_PER_SECOND * scale,
    );
    refilledAt = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  // Frames are handled one after another, in the order they arrived, and answered in that
  // order: a person's quick messages are stored in the order sent (a socket never races
  // itself for the next seq). The rate is measured on arrival; the refusal waits its turn.
  let queue = Promise.resolve();
  let givenUp = false;
  const openWait = setTimeout(() => {
    if (socket.readyState !== WebSocket.CONNECTING) return;
    givenUp = true;
    ended();
  }, options.openWaitMs ?? OPEN_WAIT_MS);
  socket.onopen = () => {
    clearTimeout(openWait);
    // Opened after all, once its place was given back: it starts again through a new upgrade.
    if (givenUp) return socket.close(1013, "try again");
    hub.connect(conn);
    if (options.away) hub.setPresence(conn, true);
    // The upgrade's join goes first, as the socket's first frame would (the same checks, the
    // same answer or error frame); frames sent meanwhile wait behind it.
    const join = options.join;
    if (join) {
      queue = queue.then(() => run(join)).catch((err) =>
        log("error", "socket join failed", describeError(err))
      );
    }
    // A session that ended between the upgrade's check and now was told to the hubs before
    // this socket was theirs to close: checked once more now that it is.
    if (options.sessionValid) {
      void options.sessionValid().then((ok) => ok || conn.close(1008, "session ended"), () => {});
    }
  };
  const sessionCheck = options.sessionValid &&
    setInterval(async () => {
      if (!(await options.sessionValid!().catch(() => true))) conn.close(1008, "session ended");
    }, SESSION_CHECK_MS);
  /** What the socket's end gives back (once: a given-up socket may still close later). */
  function ended() {
    options.onClosed?.();
    clearInterval(sessionCheck || undefined);
    clearTimeout(openWait);
  }
  socket.onclose = () => {
    if (!givenUp) ended();
    hub.disconnect(conn);
  };
  socket.onerror = () => {};
  socket.onmessage = (event) => {
    const task = takeToken() ? () => handle(event.data) : refuseForRate;
    queue = queue.then(task).catch((err) =>
      log("error", "socket frame failed", describeError(err))
    );
  };

  function refuseForRate() {
    refuse("rate_limited", "You are sending too fast. Slow down.", undefined, false);
    if (++overLimit > MAX_OVER_LIMIT) socket.close(1008, "rate limit");
  }

  async function handle(data: unknown): Promise<void> {
    overLimit = 0;
    if (typeof data !== "string") return refuse("bad_frame", "Send JSON text frames.");
    if (isLargerThan(data, MAX_FRAME_BYTES)) {
      return refuse("frame_too_large", "That frame is larger than 64 KiB.");
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      return refuse("bad_json", "That frame is not valid JSON.");
    }
    const parsed = clientFrameSchema.safeParse(raw);
    if (!parsed.success) {
      const ref =
        typeof raw === "object" && raw && "clientId" in raw && typeof raw.clientId === "string"
          ? raw.clientId.slice(0, 64)
          : undefined;
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join(".")})` : "";
      return refuse(
        "invalid_frame",
        `That frame is not valid: ${issue?.message ?? "unknown"}${where}.`,
        ref,
      );
    }
    badFrames = 0;
    await run(parsed.data);
  }

  /** Dispatches a valid frame; a failure is answered with an `error` frame. */
  async function run(frame: ClientFrame): Promise<void> {
    const report = (err: unknown) => {
      const ref = "clientId" in frame
        ? frame.clientId
        : "conversationId" in frame
        ? frame.conversationId
        : undefined;
      if (err instanceof AppError) return refuse(err.code, err.message, ref);
      log("error", "socket frame failed", { ...describeError(err), type: frame.type });
      refuse("internal_error", "Something went wrong on our side. Please try again.", ref, false);
    };
    try {
      // A send is done here once it has its place in the write queue (so this socket's
      // messages keep their order); its commit and ack follow while the next frames go on.
      const after = await dispatch(hub, conn, frame);
      after?.later.catch(report);
    } catch (err) {
      report(err);
    }
  }
}

/** The limit is bytes on the wire (UTF-8), not UTF-16 code units: "€" is 1 unit, 3 bytes. */
function isLargerThan(text: string, maxBytes: number): boolean {
  if (text.length > maxBytes) return true;
  if (text.length * 3 <= maxBytes) return false;
  return new TextEncoder().encode(text).byteLength > maxBytes;
}

async function dispatch(
  hub: Hub,
  conn: Connection,
  frame: ClientFrame,
): Promise<void | { later: Promise<void> }> {
  switch (frame.type) {
    case "ping":
      return conn.send({ type: "pong" });
    case "watch_list":
      return hub.watchList(conn);
    case "watch_people":
      return await hub.watchPeople(conn, frame.userIds, frame.scope);
    case "join":
      return await hub.join(conn, frame.conversationId, frame.since, frame.rev);
    case "leave":
      return hub.leave(conn, frame.conversationId);
    case "typing":
      return await hub.typing(conn, frame.conversationId);
    case "presence":
      return hub.setPresence(conn, frame.state === "away");
    case "edit_message":
    case "delete_message":
    case "react": {
      const { conversationId, seq } = frame;
      const change: MessageChange = frame.type === "edit_message"
        ? { kind: "edit", content: frame.content }
        : frame.type === "delete_message"
        ? { kind: "delete" }
        : { kind: "react", emoji: frame.emoji, on: frame.on };
      const { message, rev } = await hub.changeMessage(conn.user, { conversationId, seq }, change);
      // In the room, the socket hears of it with everyone else; otherwise (or when nothing
      // changed) it is answered here, so every change frame gets an answer.
      if (rev === null || !conn.cursors.has(conversationId)) {
        conn.send({ type: "message_updated", message, ...(rev === null ? {} : { rev }) });
      }
      return;
    }
    case "send_message": {
      const { attachmentIds, ...input } = frame;
      const attachments = await attachmentsForSend(hub.kv, {
        ...input,
        senderId: conn.user.id,
        attachmentIds,
        emptyCode: "invalid_frame",
      });
      const { stored } = await hub.enqueue(conn.user, { ...input, attachments }, conn);
      return {
        later: stored.then(({ message }) =>
          conn.send({ type: "ack", clientId: frame.clientId, message })
        ),
      };
    }
  }
}
