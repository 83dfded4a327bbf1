/// <reference lib="dom" />
import { useSignal } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { Message } from "../../lib/shared/message.ts";
import type { User } from "../../lib/shared/user.ts";
import type { Pending } from "../../components/MessageList.tsx";
import { chatSocket } from "../parts/chat_socket.ts";
import {
  applyUpdate,
  initialRoom,
  joinSince,
  lastSeq,
  type RoomEffect,
  roomFrame,
  roomRetry,
  roomSend,
  roomSocket,
  type RoomState,
  sweepTyping,
} from "./room_model.ts";

/**
 * The room model (room_model.ts) connected to the page's socket: frames go in, and its
 * effects are carried out here — joining again after a gap, resending after a reconnect,
 * announcing, and marking what arrived as read.
 */
export function useRoom(options: {
  conversationId: string;
  meId: string;
  /**
   * Who takes part: whose states anywhere the header says (watch_people, asked at each
   * reconnect, and again when the room meets someone new).
   */
  participants?: User[];
  messages: Message[];
  editing: number | null;
  /** Called before messages are shown: `newer` of them after the newest (scrolling). */
  beforeReceive: (newer: number) => void;
}) {
  const convId = options.conversationId;
  const room = useSignal<RoomState>(
    initialRoom(options.messages, options.editing, options.participants),
  );
  /** Read out by screen readers: the latest message from someone else. */
  const announcement = useSignal("");
  const readTimer = useRef<ReturnType<typeof setTimeout>>();

  function sendFrame(p: Pending) {
    chatSocket().send({
      type: "send_message",
      conversationId: convId,
      content: p.content,
      clientId: p.clientId,
      ...(p.attachments?.length ? { attachmentIds: p.attachments.map((a) => a.id) } : {}),
    });
  }

  function markRead() {
    clearTimeout(readTimer.current);
    readTimer.current = setTimeout(() => {
      if (document.visibilityState !== "visible") return;
      fetch(`/api/conversations/${convId}/read`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seq: lastSeq(room.peek()) }),
      }).catch(() => {});
    }, 500);
  }

  function run(step: { state: RoomState; effects: RoomEffect[] }) {
    // Measured before the new messages are in the DOM (whether the view is at the end).
    for (const e of step.effects) if (e.type === "received") options.beforeReceive(e.newer);
    room.value = step.state;
    for (const e of step.effects) {
      if (e.type === "rejoin") chatSocket().rejoin(convId, e.since);
      else if (e.type === "resend") e.pending.forEach(sendFrame);
      else if (e.type === "announce") announcement.value = e.text;
      else if (e.type === "received") markRead();
      else if (e.type === "leave") chatSocket().leave(convId);
      else if (e.type === "met") watchPeople();
    }
  }

  /** Asks the page's socket about everyone else taking part (scope "room": replaces the last). */
  function watchPeople() {
    const userIds = room.peek().participants.map((u) => u.id).filter((id) => id !== options.meId);
    if (userIds.length === 0) return;
    chatSocket().send({ type: "watch_people", userIds: userIds.slice(0, 200), scope: "room" });
  }

  // A layout effect: it runs as hydration commits, not after the next paint (a whole frame of
  // style and layout later), so the join goes out as soon as the island is there.
  useLayoutEffect(() => {
    const socket = chatSocket();
    const ctx = { conversationId: convId, meId: options.meId, now: 0 };
    const offFrames = socket.on((frame) =>
      run(roomFrame(room.peek(), frame, { ...ctx, now: Date.now() }))
    );
    const offState = socket.onState((s) => {
      run(roomSocket(room.peek(), s));
      if (s === "open") watchPeople();
    });
    socket.join(convId, () => joinSince(room.peek()));
    // What arrived while the tab was hidden is read once you look again.
    const onVisible = () => document.visibilityState === "visible" && markRead();
    document.addEventListener("visibilitychange", onVisible);
    const sweep = setInterval(() => (room.value = sweepTyping(room.peek(), Date.now())), 1000);
    return () => {
      offFrames();
      offState();
      socket.leave(convId);
      room.value = { ...room.peek(), joined: false };
      clearInterval(sweep);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [convId]);

  return {
    room,
    announcement,
    update(change: (state: RoomState) => RoomState) {
      room.value = change(room.peek());
    },
    /** An edit, delete or reaction answered over REST (the socket was down). */
    apply(m: Message) {
      room.value = applyUpdate(room.peek(), m);
    },
    send(p: Pending) {
      if (room.peek().removed) return;
      room.value = roomSend(room.peek(), p);
      sendFrame(p);
    },
    retry(clientId: string) {
      room.value = roomRetry(room.peek(), clientId);
      const p = room.peek().pending.find((x) => x.clientId === clientId);
      if (p) sendFrame(p);
    },
  };
}
