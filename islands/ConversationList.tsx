import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Conversation } from "../lib/conversations.ts";
import type { User } from "../lib/users.ts";
import { chatSocket } from "./parts/chat_socket.ts";
import { Avatar, conversationName, shortTime } from "./parts/people.tsx";

export type ConversationListProps = {
  me: User;
  conversations: Conversation[];
  currentId: string | null;
};

/**
 * The sidebar list, kept live: an `activity` frame moves a conversation to the top with its
 * new last message and unread count; one it does not know yet makes it reload the list.
 */
export default function ConversationList(props: ConversationListProps) {
  const list = useSignal(props.conversations);

  useEffect(() => {
    let refetching = false;
    async function refetch() {
      if (refetching) return;
      refetching = true;
      try {
        const res = await fetch("/api/conversations");
        if (res.ok) list.value = (await res.json()).conversations;
      } finally {
        refetching = false;
      }
    }
    const socket = chatSocket();
    socket.watchList();
    const off = socket.on((frame) => {
      if (frame.type === "read") {
        // Read here or in another tab or device: the count follows.
        list.value = list.peek().map((c) =>
          c.id === frame.conversationId
            ? { ...c, unreadCount: Math.max(0, (c.lastMessage?.seq ?? 0) - frame.seq) }
            : c
        );
        return;
      }
      // `activity` for conversations this page has not joined, `message` for the one it has.
      if (frame.type !== "activity" && frame.type !== "message") return;
      const m = frame.message;
      const current = list.peek();
      const found = current.find((c) => c.id === m.conversationId);
      if (!found) return void refetch();
      if (found.lastMessage && found.lastMessage.seq >= m.seq) return;
      // The open conversation, while you look at it, is read as it arrives.
      const seen = m.conversationId === props.currentId && document.visibilityState === "visible";
      const mine = m.author.id === props.me.id || seen;
      const updated = {
        ...found,
        lastMessage: m,
        updatedAt: m.createdAt,
        unreadCount: mine ? 0 : found.unreadCount + 1,
      };
      list.value = [updated, ...current.filter((c) => c.id !== found.id)];
    });
    const offState = socket.onState((s) => s === "open" && refetch());
    // Back to a hidden tab: counts are read again (a missed frame never leaves them wrong).
    const onVisible = () => document.visibilityState === "visible" && refetch();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      off();
      offState();
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, []);

  // The tab's title carries the unread total: "(3) Launch · Hearth".
  useEffect(() => {
    const total = list.value.reduce(
      (n, c) => n + (c.id === props.currentId ? 0 : c.unreadCount),
      0,
    );
    const base = document.title.replace(/^\(\d+\+?\) /, "");
    document.title = total > 0 ? `(${total > 99 ? "99+" : total}) ${base}` : base;
  }, [list.value]);

  if (list.value.length === 0) {
    return (
      <p class="px-4 py-6 text-sm text-slate-400">
        No conversations yet. Start one with “New conversation”.
      </p>
    );
  }
  return (
    <ul class="space-y-0.5 px-2" aria-label="Conversations">
      {list.value.map((c) => {
        const active = c.id === props.currentId;
        const name = conversationName(c, props.me.id);
        const other = c.participants.find((p) => p.id !== props.me.id) ?? props.me;
        const unread = active ? 0 : c.unreadCount;
        return (
          <li key={c.id}>
            <a
              href={`/conversations/${c.id}`}
              aria-current={active ? "page" : undefined}
              class={`flex items-center gap-3 rounded-lg px-2 py-2 ${
                active
                  ? "bg-slate-700 text-white"
                  : "text-slate-300 hover:bg-slate-800 hover:text-white"
              }`}
            >
              {c.kind === "direct"
                ? <Avatar user={other} />
                : (
                  <span class="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-lg bg-slate-600 text-sm font-semibold text-white">
                    #
                  </span>
                )}
              <span class="min-w-0 flex-1">
                <span class="flex items-baseline justify-between gap-2">
                  <span
                    class={`truncate text-sm ${unread ? "font-bold text-white" : "font-medium"}`}
                  >
                    {name}
                  </span>
                  {c.lastMessage && (
                    <span class="shrink-0 text-[11px] text-slate-400">
                      {shortTime(c.lastMessage.createdAt)}
                    </span>
                  )}
                </span>
                <span class="flex items-center justify-between gap-2">
                  <span class="truncate text-xs text-slate-400">
                    {c.lastMessage
                      ? `${
                        c.lastMessage.author.id === props.me.id
                          ? "You"
                          : c.lastMessage.author.displayName
                      }: ${c.lastMessage.content}`
                      : "No messages yet"}
                  </span>
                  {unread > 0 && (
                    <span
                      class="shrink-0 rounded-full bg-indigo-500 px-1.5 text-[11px] font-bold text-white"
                      aria-label={`${unread} unread`}
                    >
                      {unread > 99 ? "99+" : unread}
                    </span>
                  )}
                </span>
              </span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}
