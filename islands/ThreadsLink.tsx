/// <reference lib="dom" />
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { chatSocket } from "./parts/chat_socket.ts";
import { THREADS_CHANGED } from "./thread/room_threads.ts";
import { SpriteIcon } from "../components/Icon.tsx";

/**
 * The sidebar's "Threads" link, with how many of your threads have replies you have not read
 * (the server's count on the page, then read again as replies arrive anywhere and as you
 * read a thread).
 */
export default function ThreadsLink(props: { unread: number; current: boolean }) {
  const unread = useSignal(props.unread);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reread = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        try {
          const res = await fetch("/api/threads?limit=1");
          if (res.ok) unread.value = (await res.json()).unreadThreads ?? unread.peek();
        } catch {
          // Offline: the next reply reads it again.
        }
      }, 400);
    };
    const off = chatSocket().on((frame) => {
      const m = frame.type === "activity" || frame.type === "message" ? frame.message : null;
      if (m?.parentSeq != null) reread();
    });
    addEventListener(THREADS_CHANGED, reread);
    return () => {
      off();
      clearTimeout(timer);
      removeEventListener(THREADS_CHANGED, reread);
    };
  }, []);
  const n = unread.value;
  return (
    <a
      href="/threads"
      aria-current={props.current ? "page" : undefined}
      class={`flex items-center gap-2 rounded-lg px-2 py-1.5 text-sm font-medium ${
        props.current
          ? "bg-slate-700 text-white"
          : "text-slate-300 hover:bg-slate-800 hover:text-white"
      }`}
    >
      <SpriteIcon name="reply" />
      <span class="flex-1">Threads</span>
      {n > 0 && (
        <span
          class="rounded-full bg-indigo-500 px-1.5 py-0.5 text-xs font-semibold text-white"
          data-threads-unread={n}
        >
          {n}
          <span class="sr-only">
            {n === 1 ? " thread with new replies" : " threads with new replies"}
          </span>
        </span>
      )}
    </a>
  );
}
