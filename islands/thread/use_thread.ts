/// <reference lib="dom" />
import { useSignal } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { Attachment } from "../../lib/shared/message.ts";
import { newClientId } from "../../lib/shared/client_id.ts";
import type { Pending } from "../../components/MessageList.tsx";
import { chatSocket } from "../parts/chat_socket.ts";
import {
  initialThread,
  type RoomThreads,
  threadApply,
  threadFrame,
  type ThreadPage,
  threadRetry,
  threadSend,
  type ThreadState,
  withPage,
} from "./thread_model.ts";

/** Replies read from the server at a time. */
const PAGE = 50;

/** Your pending reply, and whether it goes to the conversation too. */
type Reply = Pending & { also?: boolean };

/**
 * A thread (thread_model.ts) connected to the page's socket: replies arrive as the room's
 * `message` frames (the chat room has joined the conversation; on its own page the thread
 * joins it), yours go out as `send_message` with `parentSeq`; the first page and older pages
 * come over REST, and so does what was missed while the socket was down.
 */
export function useThread(options: {
  conversationId: string;
  parentSeq: number;
  initial?: ThreadPage | null;
  missing?: boolean;
  /** On its own page: nobody else joined the conversation on this socket. */
  join: boolean;
  /** What the model shares with the room's (thread_model.ts's RoomThreads). */
  room: RoomThreads;
}) {
  const { conversationId, parentSeq, room } = options;
  const thread = useSignal<ThreadState>(
    options.missing
      ? { ...initialThread(conversationId, parentSeq), missing: true, loaded: true }
      : initialThread(conversationId, parentSeq, options.initial),
  );
  const readTimer = useRef<ReturnType<typeof setTimeout>>();
  const base = `/api/conversations/${conversationId}/threads/${parentSeq}`;

  function set(next: ThreadState) {
    const before = thread.peek();
    thread.value = next;
    if (next.replies.at(-1)?.seq !== before.replies.at(-1)?.seq) markRead();
  }

  async function read(after?: string) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (after) query.set("after", after);
    try {
      const res = await fetch(`${base}?${query}`);
      if (res.status === 404) {
        thread.value = { ...thread.peek(), missing: true, loaded: true };
        return;
      }
      if (!res.ok) return;
      set(withPage(thread.peek(), (await res.json()) as ThreadPage));
    } catch {
      // Offline: the socket's reconnect reads it again.
    }
  }

  function markRead() {
    clearTimeout(readTimer.current);
    readTimer.current = setTimeout(() => {
      const seq = thread.peek().replies.at(-1)?.seq;
      if (!seq || document.visibilityState !== "visible") return;
      fetch(`${base}/read`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seq }),
      }).then(() => dispatchEvent(new Event(room.THREADS_CHANGED))).catch(() => {});
    }, 500);
  }

  function sendFrame(p: Reply) {
    chatSocket().send({
      type: "send_message",
      conversationId,
      content: p.content,
      clientId: p.clientId,
      parentSeq,
      ...(p.also ? { alsoToConversation: true } : {}),
      ...(p.attachments?.length ? { attachmentIds: p.attachments.map((a) => a.id) } : {}),
    });
  }

  useLayoutEffect(() => {
    const socket = chatSocket();
    let wasOpen = socket.state === "open";
    const offFrames = socket.on((frame) => set(threadFrame(thread.peek(), frame, room)));
    const offState = socket.onState((s) => {
      if (s === "open" && !wasOpen) {
        // Back after a drop: what was missed comes over REST; what waited goes out.
        const last = thread.peek().replies.at(-1)?.seq;
        if (thread.peek().nextCursor === null && thread.peek().loaded) {
          void read(last ? String(last) : undefined);
        }
        thread.peek().pending.filter((p) => !p.failed).forEach(sendFrame);
      }
      wasOpen = s === "open";
    });
    if (options.join) {
      socket.join(
        conversationId,
        () => Math.max(parentSeq, thread.peek().replies.at(-1)?.seq ?? 0),
      );
    }
    if (!thread.peek().loaded) void read();
    else markRead();
    const onVisible = () => document.visibilityState === "visible" && markRead();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      offFrames();
      offState();
      if (options.join) socket.leave(conversationId);
      clearTimeout(readTimer.current);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [conversationId, parentSeq]);

  return {
    thread,
    update(change: (s: ThreadState) => ThreadState) {
      thread.value = change(thread.peek());
    },
    apply(m: Parameters<typeof threadApply>[1]) {
      thread.value = threadApply(thread.peek(), m, room);
    },
    loadMore() {
      const cursor = thread.peek().nextCursor;
      if (cursor) void read(cursor);
    },
    send(content: string, attachments: Attachment[], also: boolean) {
      const p: Reply = {
        clientId: newClientId(),
        content,
        createdAt: new Date().toISOString(),
        failed: null,
        attachments,
        also,
      };
      thread.value = threadSend(thread.peek(), p);
      sendFrame(p);
    },
    retry(clientId: string) {
      thread.value = threadRetry(thread.peek(), clientId);
      const p = thread.peek().pending.find((x) => x.clientId === clientId);
      if (p) sendFrame(p);
    },
  };
}
