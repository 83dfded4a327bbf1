/**
 * The chat room as data: frames in, state out. Everything ChatRoom shows about a conversation
 * (messages merged by seq, your messages still pending, who is online, away or typing, the
 * socket's state, the message being edited) changes here, in plain functions without Preact or
 * the DOM, so each rule has a unit test (room_model_test.ts). What the room must do in answer
 * (ask the server again from a seq, resend, announce a message) comes back as effects.
 */
import type { Message } from "../../lib/shared/message.ts";
import type { User } from "../../lib/shared/user.ts";
import type { ServerFrame } from "../../lib/shared/protocol.ts";
import type { Pending } from "../../components/MessageList.tsx";
import { countReplies, isShownInRoom, keepKnownPeople } from "../thread/room_threads.ts";

export type SocketState = "connecting" | "open" | "offline";

export type RoomState = {
  messages: Message[];
  /** Your messages sent but not acknowledged yet (or refused: `failed`). */
  pending: Pending[];
  online: User[];
  /** Ids of those online whose tabs are hidden or idle. */
  away: string[];
  /**
   * The participants' states anywhere (any tab, any page: `people` frames, issue 15 item 9);
   * who is in the room (`online`) counts for those not heard of yet.
   */
  people: Record<string, "active" | "away" | "offline">;
  /**
   * Who takes part as far as this page knows: the page's participants, then anyone its frames
   * showed since (in the room, typing, writing): someone added later is watched too.
   */
  participants: User[];
  typing: Record<string, { user: User; until: number }>;
  socket: SocketState;
  /** The socket's `recent_messages` for this conversation arrived; false while it is down. */
  joined: boolean;
  /**
   * A gap in the seqs was seen and a join asked from this seq; its answer is not in yet (a
   * join after a reconnect meanwhile asks from here too, not from the newest seq).
   */
  resyncing: number | null;
  error: string | null;
  /** The seq of your message being edited in place. */
  editing: number | null;
  /**
   * You are no longer a participant (removed, or the conversation is gone): the room is
   * read-only from then on, and `dropped` of your messages that were waiting were not sent.
   */
  removed: { dropped: number } | null;
};

export type RoomEffect =
  /** Seqs are missing (a frame was lost): join again from the newest contiguous seq. */
  | { type: "rejoin"; since: number }
  /** Send these pending messages again (the socket is open again). */
  | { type: "resend"; pending: Pending[] }
  /** Read out for screen readers: someone else's new message. */
  | { type: "announce"; text: string }
  /** Messages arrived: `newer` of them after what was shown (scrolling, read marks). */
  | { type: "received"; newer: number }
  /** You are no longer a participant: stop joining this conversation (at reconnects too). */
  | { type: "leave" }
  /** Someone new takes part (`participants` grew): watch their state anywhere too. */
  | { type: "met" };

export type RoomContext = { conversationId: string; meId: string; now: number };

/** How long a typing indicator lasts without a new `typing` frame. */
export const TYPING_MS = 4000;

export function initialRoom(
  messages: Message[],
  editing: number | null = null,
  participants: User[] = [],
): RoomState {
  return {
    messages,
    pending: [],
    online: [],
    away: [],
    people: {},
    participants,
    typing: {},
    socket: "connecting",
    joined: false,
    resyncing: null,
    error: null,
    editing,
    removed: null,
  };
}

/** The newest seq held (0 for none): what a join's `since` asks after. */
export function lastSeq(state: RoomState): number {
  return state.messages.at(-1)?.seq ?? 0;
}

/** The seq a join asks after: the newest held, or the start of a gap being filled. */
export function joinSince(state: RoomState): number {
  return state.resyncing ?? lastSeq(state);
}

/** Merges by seq: no duplicates, always in order, whatever order messages arrive in. */
export function mergeBySeq(current: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return current;
  const bySeq = new Map(current.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

type Step = { state: RoomState; effects: RoomEffect[] };

/** New or acknowledged messages: merged, their pending copies and typing indicators gone. */
function receive(state: RoomState, incoming: Message[]): Step {
  const known = lastSeq(state);
  const acked = new Set(incoming.map((m) => m.clientId).filter(Boolean));
  // Someone's message ends their typing; a system message by them (a rename) does not.
  const authors = new Set(incoming.filter((m) => m.kind !== "system").map((m) => m.author.id));
  const typing = Object.fromEntries(
    Object.entries(state.typing).filter(([id]) => !authors.has(id)),
  );
  return {
    state: {
      ...state,
      // A reply counts at once on its parent's summary (its `message_updated` follows).
      messages: countReplies(mergeBySeq(state.messages, incoming), incoming),
      pending: acked.size ? state.pending.filter((p) => !acked.has(p.clientId)) : state.pending,
      typing: Object.keys(typing).length === Object.keys(state.typing).length
        ? state.typing
        : typing,
    },
    // Replies in threads are not shown in the history: not "new messages" below it either.
    effects: [{
      type: "received",
      newer: incoming.filter((m) => m.seq > known && isShownInRoom(m)).length,
    }],
  };
}

/**
 * A live message (or the ack of yours) whose seq is past the next one expected means frames
 * were lost: the room asks again from the newest seq it holds (once until the answer comes).
 */
function live(state: RoomState, m: Message): Step {
  const since = lastSeq(state);
  const step = receive(state, [m]);
  if (state.joined && state.resyncing === null && since > 0 && m.seq > since + 1) {
    step.state = { ...step.state, resyncing: since };
    step.effects.unshift({ type: "rejoin", since });
  }
  return step;
}

function announcement(m: Message): string {
  if (m.kind === "system") return m.content;
  const text = m.content.length > 200 ? `${m.content.slice(0, 199)}…` : m.content;
  const where = isShownInRoom(m) ? "" : " (in a thread)";
  return `${m.senderName || m.author.displayName}${where}: ${text}`;
}

/** An edit, delete or reaction: only a loaded message changes (older ones load as they are). */
export function applyUpdate(state: RoomState, m: Message): RoomState {
  const i = state.messages.findIndex((x) => x.seq === m.seq);
  if (i < 0) return state;
  return {
    ...state,
    messages: state.messages.map((
      x,
      j,
    ) => (j === i ? keepKnownPeople(x, m, state.participants) : x)),
    editing: m.deletedAt && state.editing === m.seq ? null : state.editing,
  };
}

/**
 * You are no longer a participant: what was waiting to be sent is dropped (it never can be),
 * nobody is shown online or typing, and the room stops joining. Read-only from now on.
 */
function removedFrom(state: RoomState): Step {
  if (state.removed) return { state, effects: [] };
  return {
    state: {
      ...state,
      removed: { dropped: state.pending.length },
      pending: [],
      online: [],
      away: [],
      people: {},
      typing: {},
      joined: false,
      resyncing: null,
      editing: null,
      error: null,
    },
    effects: [{ type: "leave" }],
  };
}

/** The people a frame shows taking part in this conversation. */
function peopleIn(frame: ServerFrame, conversationId: string): User[] {
  switch (frame.type) {
    case "status":
      return frame.conversationId === conversationId ? [frame.user, ...frame.online] : [];
    case "typing":
      return frame.conversationId === conversationId ? [frame.user] : [];
    case "recent_messages":
      return frame.conversationId === conversationId ? frame.messages.map((m) => m.author) : [];
    case "message":
    case "message_updated":
      return frame.message.conversationId === conversationId ? [frame.message.author] : [];
    default:
      return [];
  }
}

/**
 * What one frame from the socket changes in this room, and what the room must do; someone
 * it shows taking part who was not known yet joins `participants` (effect `met`).
 */
export function roomFrame(state: RoomState, frame: ServerFrame, ctx: RoomContext): Step {
  const step = frameStep(state, frame, ctx);
  if (step.state.removed) return step;
  const known = new Set(step.state.participants.map((u) => u.id));
  const fresh = peopleIn(frame, ctx.conversationId).filter((u) =>
    !known.has(u.id) && (known.add(u.id), true)
  );
  if (fresh.length === 0) return step;
  return {
    state: { ...step.state, participants: [...step.state.participants, ...fresh] },
    effects: [...step.effects, { type: "met" }],
  };
}

function frameStep(state: RoomState, frame: ServerFrame, ctx: RoomContext): Step {
  const none = (next: RoomState): Step => ({ state: next, effects: [] });
  switch (frame.type) {
    case "recent_messages": {
      if (frame.conversationId !== ctx.conversationId) break;
      const step = receive(state, frame.messages);
      step.state = { ...step.state, joined: true, resyncing: null };
      return step;
    }
    case "message": {
      if (frame.message.conversationId !== ctx.conversationId) break;
      const step = live(state, frame.message);
      if (frame.message.author.id !== ctx.meId) {
        step.effects.push({ type: "announce", text: announcement(frame.message) });
      }
      return step;
    }
    case "ack":
      if (frame.message.conversationId !== ctx.conversationId) break;
      return live(state, frame.message);
    case "message_updated":
      if (frame.message.conversationId !== ctx.conversationId) break;
      return none(applyUpdate(state, frame.message));
    case "status":
      if (frame.conversationId !== ctx.conversationId) break;
      return none({ ...state, online: frame.online, away: frame.away ?? [] });
    case "presence":
      if (frame.conversationId !== ctx.conversationId) break;
      return none({ ...state, away: frame.away });
    case "people": {
      if (state.removed) break;
      const people = { ...state.people };
      for (const p of frame.people) people[p.id] = p.state;
      return none({ ...state, people });
    }
    case "typing":
      if (frame.conversationId !== ctx.conversationId || frame.user.id === ctx.meId) break;
      return none({
        ...state,
        typing: {
          ...state.typing,
          [frame.user.id]: { user: frame.user, until: ctx.now + TYPING_MS },
        },
      });
    case "error":
      // Removed while here (the hub's eviction), or a join refused: not (or no longer) yours.
      // (A `not_found` for this conversation once joined is about one message: an edit's.)
      if (
        frame.ref === ctx.conversationId &&
        (frame.code === "removed" || (frame.code === "not_found" && !state.joined))
      ) return removedFrom(state);
      if (frame.ref && state.pending.some((p) => p.clientId === frame.ref)) {
        return none({
          ...state,
          pending: state.pending.map((p) =>
            p.clientId === frame.ref ? { ...p, failed: frame.message } : p
          ),
        });
      }
      if (frame.ref === ctx.conversationId) return none({ ...state, error: frame.message });
      break;
  }
  return none(state);
}

/** The socket's state changed: down means not joined; open again resends what is pending. */
export function roomSocket(state: RoomState, socket: SocketState): Step {
  const next = { ...state, socket, joined: socket === "open" ? state.joined : false };
  if (state.removed) return { state: next, effects: [] };
  const unsent = state.pending.filter((p) => !p.failed);
  return {
    state: next,
    effects: socket === "open" && unsent.length ? [{ type: "resend", pending: unsent }] : [],
  };
}

/** A message of yours goes out: pending until acknowledged. */
export function roomSend(state: RoomState, p: Pending): RoomState {
  if (state.removed) return state;
  return { ...state, pending: [...state.pending, p], error: null };
}

/** A refused message is tried again: pending, not failed. */
export function roomRetry(state: RoomState, clientId: string): RoomState {
  return {
    ...state,
    pending: state.pending.map((p) => p.clientId === clientId ? { ...p, failed: null } : p),
  };
}

/** Drops the typing indicators that ran out (unchanged state when none did). */
export function sweepTyping(state: RoomState, now: number): RoomState {
  const live = Object.entries(state.typing).filter(([, t]) => t.until > now);
  if (live.length === Object.keys(state.typing).length) return state;
  return { ...state, typing: Object.fromEntries(live) };
}

/** "Ann is typing…", "Ann and Ben are typing…", "Several people are typing…", or "". */
export function typingText(state: RoomState): string {
  const names = Object.values(state.typing).map((t) => t.user.displayName);
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}

/**
 * "Online: Ann, Ben (away)", or who is in the room when nobody else is online. Who is online
 * is known only while joined: before (the server's page, without JavaScript too) and while
 * the socket is down, only how many people take part.
 */
export function presenceText(state: RoomState, participants: User[], meId: string): string {
  // Online anywhere (people frames), else in the room (status frames) for those not heard of.
  const inRoom = (u: User) => state.online.some((o) => o.id === u.id);
  const stateOf = (u: User) =>
    state.people[u.id] ??
      (inRoom(u) ? (state.away.includes(u.id) ? "away" : "active") : "offline");
  const taking = new Map([...participants, ...state.participants].map((u) => [u.id, u]));
  const known = new Map([...taking.values(), ...state.online].map((u) => [u.id, u]));
  const onlineOthers = [...known.values()].filter((u) => u.id !== meId && stateOf(u) !== "offline");
  const others = [...taking.keys()].filter((id) => id !== meId).length;
  if (!state.joined) return others === 0 ? "Only you so far" : `${others + 1} people`;
  if (onlineOthers.length) {
    return `Online: ${
      onlineOthers.map((u) => stateOf(u) === "away" ? `${u.displayName} (away)` : u.displayName)
        .join(", ")
    }`;
  }
  return others === 0 ? "Only you so far" : `${others + 1} people · nobody else online`;
}

/** Your newest message that can still be edited (Up in an empty composer edits it). */
export function lastOwn(state: RoomState, meId: string): Message | undefined {
  return state.messages.findLast((m) =>
    m.author.id === meId && !m.deletedAt && m.kind !== "system" && isShownInRoom(m)
  );
}
