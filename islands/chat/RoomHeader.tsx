import type { SocketState } from "./room_model.ts";
import { ConversationActions } from "../../components/ConversationActions.tsx";

/** What the badge says: the socket's state, or that you can only read here now. */
export type RoomBadge = SocketState | "read-only";

const BADGE: Record<RoomBadge, { text: string; class: string }> = {
  open: {
    text: "Live",
    class: "bg-emerald-50 dark:bg-emerald-950 text-emerald-700 dark:text-emerald-300",
  },
  connecting: {
    text: "Connecting…",
    class: "bg-amber-50 dark:bg-amber-950 text-amber-700 dark:text-amber-300",
  },
  offline: {
    text: "Offline, retrying…",
    class: "bg-red-50 dark:bg-red-950 text-red-700 dark:text-red-300",
  },
  "read-only": {
    text: "Read only",
    class: "bg-slate-100 dark:bg-slate-800 text-slate-700 dark:text-slate-300",
  },
};

/** The conversation's name, who is online, and whether the chat is live. */
export function RoomHeader(
  props: {
    title: string;
    presence: string;
    socket: RoomBadge;
    hydrated: boolean;
    /** Leave or block (components/ConversationActions.tsx): groups and direct ones. */
    actions?: { id: string; kind: string; otherName?: string | null } | null;
  },
) {
  const badge = BADGE[props.socket];
  return (
    <header class="flex items-center gap-3 border-b border-slate-200 dark:border-slate-700 px-5 py-3">
      <a
        href="/"
        class="md:hidden text-slate-500 dark:text-slate-400 hover:text-slate-900"
        aria-label="Back to conversations"
      >
        ←
      </a>
      <div class="min-w-0 flex-1">
        <h1 class="truncate text-base font-semibold">{props.title}</h1>
        <p class="truncate text-xs text-slate-500 dark:text-slate-400" data-testid="presence">
          {props.presence}
        </p>
      </div>
      {props.hydrated && (
        <span class={`rounded-full px-2 py-0.5 text-xs font-medium ${badge.class}`} role="status">
          {badge.text}
        </span>
      )}
      {props.actions && <ConversationActions {...props.actions} />}
    </header>
  );
}
