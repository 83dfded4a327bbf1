/**
 * A thread as data: its parent, its replies (paged in from the server, then live from the
 * page's socket), your replies not acknowledged yet, and how a reply changes its parent's
 * summary. Plain functions without Preact or the DOM (thread_model_test.ts). What the room
 * uses too is in room_threads.ts (app.js); this loads with the thread panel, in its chunk.
 */
import type { Message } from "../../lib/shared/message.ts";
import type { ServerFrame } from "../../lib/shared/protocol.ts";
import type { Pending } from "../../components/MessageList.tsx";

import type { keepKnownPeople, withReply } from "./room_threads.ts";

/**
 * What the thread's model shares with the room's (room_threads.ts, in app.js): handed to it
 * (thread_parts.ts), since importing it would make it a chunk of its own on the chat page.
 */
export type RoomThreads = {
  withReply: typeof withReply;
  keepKnownPeople: typeof keepKnownPeople;
  THREADS_CHANGED: string;
};

export type ThreadState = {
  conversationId: string;
  parentSeq: number;
  parent: Message | null;
  /** Replies held, oldest first (pages read, then live ones). */
  replies: Message[];
  /** More replies to read after `pagedTo` (null: all read, the live ones follow on). */
  nextCursor: string | null;
  /** The newest seq the pages read so far reached (live replies past it wait below). */
  pagedTo: number;
  pending: Pending[];
  /** The reply of yours being edited in place. */
  editing: number | null;
  error: string | null;
  /** The first page is in (the server's, or fetched). */
  loaded: boolean;
  /** Not found, or not yours to read. */
  missing: boolean;
};

export type ThreadPage = { parent: Message; replies: Message[]; nextCursor: string | null };

export function initialThread(
  conversationId: string,
  parentSeq: number,
  page?: ThreadPage | null,
): ThreadState {
  const empty: ThreadState = {
    conversationId,
    parentSeq,
    parent: null,
    replies: [],
    nextCursor: null,
    pagedTo: 0,
    pending: [],
    editing: null,
    error: null,
    loaded: false,
    missing: false,
  };
  return page ? withPage(empty, page) : empty;
}

function merge(current: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return current;
  const bySeq = new Map(current.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** A page of the thread read from the server: its replies merged, the parent as it is now. */
export function withPage(state: ThreadState, page: ThreadPage): ThreadState {
  const last = page.replies.at(-1)?.seq ?? 0;
  return {
    ...state,
    parent: page.parent,
    replies: merge(state.replies, page.replies),
    nextCursor: page.nextCursor,
    pagedTo: Math.max(state.pagedTo, last),
    loaded: true,
  };
}

/** The replies to show above "Load more replies", and the live ones below it. */
export function splitReplies(state: ThreadState): { paged: Message[]; later: Message[] } {
  if (state.nextCursor === null) return { paged: state.replies, later: [] };
  return {
    paged: state.replies.filter((m) => m.seq <= state.pagedTo),
    later: state.replies.filter((m) => m.seq > state.pagedTo),
  };
}

function update(state: ThreadState, m: Message, room: RoomThreads): ThreadState {
  if (state.parent && m.seq === state.parent.seq) {
    return { ...state, parent: room.keepKnownPeople(state.parent, m) };
  }
  if (!state.replies.some((r) => r.seq === m.seq)) return state;
  return {
    ...state,
    replies: state.replies.map((r) => (r.seq === m.seq ? m : r)),
    editing: m.deletedAt && state.editing === m.seq ? null : state.editing,
  };
}

function receive(state: ThreadState, incoming: Message[], room: RoomThreads): ThreadState {
  const mine = incoming.filter((m) =>
    m.conversationId === state.conversationId && m.parentSeq === state.parentSeq
  );
  if (mine.length === 0) return state;
  const acked = new Set(mine.map((m) => m.clientId).filter(Boolean));
  let parent = state.parent;
  for (const r of mine) if (parent) parent = room.withReply(parent, r);
  return {
    ...state,
    parent,
    replies: merge(state.replies, mine),
    pending: state.pending.filter((p) => !acked.has(p.clientId)),
  };
}

/** What one frame from the page's socket changes in the thread. */
export function threadFrame(
  state: ThreadState,
  frame: ServerFrame,
  room: RoomThreads,
): ThreadState {
  switch (frame.type) {
    case "recent_messages":
      return frame.conversationId === state.conversationId
        ? receive(state, frame.messages, room)
        : state;
    case "message":
    case "ack":
      return receive(state, [frame.message], room);
    case "message_updated":
      return frame.message.conversationId === state.conversationId
        ? update(state, frame.message, room)
        : state;
    case "error":
      if (frame.ref && state.pending.some((p) => p.clientId === frame.ref)) {
        return {
          ...state,
          pending: state.pending.map((p) =>
            p.clientId === frame.ref ? { ...p, failed: frame.message } : p
          ),
        };
      }
      return state;
  }
  return state;
}

/** An edit, delete or reaction answered over REST (the socket was down). */
export function threadApply(state: ThreadState, m: Message, room: RoomThreads): ThreadState {
  return update(state, m, room);
}

/** A reply of yours goes out: pending until acknowledged. */
export function threadSend(state: ThreadState, p: Pending): ThreadState {
  return { ...state, pending: [...state.pending, p], error: null };
}

export function threadRetry(state: ThreadState, clientId: string): ThreadState {
  return {
    ...state,
    pending: state.pending.map((p) => p.clientId === clientId ? { ...p, failed: null } : p),
  };
}

/** "1 reply", "3 replies". */
export function repliesLabel(n: number): string {
  return n === 1 ? "1 reply" : `${n} replies`;
}
