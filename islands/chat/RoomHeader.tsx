import type { SocketState } from "./room_model.ts";
import type { Conversation } from "../../lib/conversations/mod.ts";
import type { Message } from "../../lib/shared/message.ts";
import { ConversationActions } from "../../components/ConversationActions.tsx";
import { PinsButton } from "../../components/PinsButton.tsx";
import type { NotifyPref } from "../../lib/shared/notify_prefs.ts";
import { NotifyMenu } from "./NotifyMenu.tsx";
import { Icon } from "../../components/Icon.tsx";
import { CHANNEL_ICON, LOCK_ICON } from "../list/marks.tsx";

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

/** A group's or channel's facts as the header shows them, kept live by system messages. */
export type RoomInfo = {
  title: string | null;
  topic: string;
  archived: boolean;
  memberCount: number;
};

/**
 * The conversation's name, topic, archived state and member count as the page had them,
 * moved on by the system messages that arrived after it (renamed, topic, archived,
 * unarchived, joined, left, added, removed): the header follows without a reload.
 */
export function roomInfo(conversation: Conversation, messages: Message[]): RoomInfo {
  const since = conversation.lastMessage?.seq ?? 0;
  const info: RoomInfo = {
    title: conversation.title,
    topic: conversation.topic ?? "",
    archived: conversation.archived ?? false,
    memberCount: conversation.memberCount || conversation.participants.length,
  };
  for (const m of messages) {
    if (m.seq <= since || m.kind !== "system" || !m.system) continue;
    const s = m.system;
    const many = s.users?.length ?? 1;
    if (s.event === "renamed" && s.title) info.title = s.title;
    else if (s.event === "topic") info.topic = s.topic ?? "";
    else if (s.event === "archived") info.archived = true;
    else if (s.event === "unarchived") info.archived = false;
    else if (s.event === "joined") info.memberCount += 1;
    else if (s.event === "left") info.memberCount = Math.max(0, info.memberCount - 1);
    else if (s.event === "added") info.memberCount += many;
    else if (s.event === "removed") info.memberCount = Math.max(0, info.memberCount - many);
  }
  return info;
}

/** The conversation's name, who is online (a channel: its members and topic), and whether the chat is live. */
export function RoomHeader(
  props: {
    title: string;
    presence: string;
    socket: RoomBadge;
    hydrated: boolean;
    /** Leave or block (components/ConversationActions.tsx): groups and direct ones. */
    actions?: { id: string; kind: string; otherName?: string | null } | null;
    /** A channel's (or group's) live facts: the name's mark, topic and member count. */
    channel?: (RoomInfo & { kind: string; private: boolean }) | null;
    /** The pinned messages (components/PinsButton.tsx); null once you are removed. */
    pins?: { conversationId: string; meId: string } | null;
    /** Your notification level and mute here (NotifyMenu.tsx); null once you are removed. */
    notifications?: { conversationId: string; pref: NotifyPref } | null;
  },
) {
  const badge = BADGE[props.socket];
  const channel = props.channel?.kind === "channel" ? props.channel : null;
  const topic = props.channel?.topic ?? "";
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
        <h1 class="flex min-w-0 items-center gap-1 text-base font-semibold leading-6">
          {channel && (
            <span
              class="shrink-0 text-slate-500 dark:text-slate-400"
              title={channel.private ? "Private channel" : "Channel"}
            >
              <Icon class="h-4 w-4" d={channel.private ? LOCK_ICON : CHANNEL_ICON} />
              <span class="sr-only">{channel.private ? "Private channel" : "Channel"}</span>
            </span>
          )}
          <span class="truncate">
            <bdi>{props.title}</bdi>
          </span>
          {props.channel?.archived && (
            <span class="ml-1 shrink-0 rounded-full bg-amber-100 px-2 py-0.5 text-[11px] font-medium leading-4 text-amber-900 dark:bg-amber-950 dark:text-amber-200">
              Archived
            </span>
          )}
        </h1>
        <p class="truncate text-xs text-slate-500 dark:text-slate-400" data-testid="presence">
          {channel
            ? (
              <>
                <a href="#members" class="hover:underline" data-testid="member-count">
                  {channel.memberCount} {channel.memberCount === 1 ? "member" : "members"}
                </a>
                {topic && (
                  <>
                    {" · "}
                    <bdi data-testid="room-topic">{topic}</bdi>
                  </>
                )}
              </>
            )
            : (
              <>
                {props.presence}
                {topic && (
                  <>
                    {props.presence ? " · " : ""}
                    <bdi data-testid="room-topic">{topic}</bdi>
                  </>
                )}
              </>
            )}
        </p>
      </div>
      {props.pins && <PinsButton {...props.pins} hydrated={props.hydrated} />}
      {props.hydrated && (
        <span class={`rounded-full px-2 py-0.5 text-xs font-medium ${badge.class}`} role="status">
          {badge.text}
        </span>
      )}
      {props.notifications && (
        <NotifyMenu key={props.notifications.conversationId} {...props.notifications} />
      )}
      {props.actions && <ConversationActions {...props.actions} />}
    </header>
  );
}
