import type { Message } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import type { MessageActions } from "./message_actions.ts";
import { MessageItem } from "./MessageItem.tsx";
import { type Pending, PendingMessages } from "./PendingMessages.tsx";
import { useEffect, useState } from "preact/hooks";
import { dayLabel, dayOf, senderNameOf, type Zone } from "./people.tsx";

export type { Pending } from "./PendingMessages.tsx";

/** The line above a day's first message, naming the day. */
function DayDivider(props: { day: string; label: string }) {
  return (
    <li class="flex items-center gap-3 pb-1 pt-4" data-day={props.day}>
      <span class="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
      <time dateTime={props.day} class="text-xs font-semibold text-slate-500 dark:text-slate-400">
        {props.label}
      </time>
      <span class="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
    </li>
  );
}

/**
 * Consecutive messages of one author within five minutes share one header. A system message
 * ("Ann joined") belongs to no group: the message after it starts one.
 */
function startsGroup(prev: Message | undefined, m: Message): boolean {
  if (!prev || prev.kind === "system" || prev.author.id !== m.author.id) return true;
  // One webhook may post under several names (`senderName`): each name heads its own group.
  if (senderNameOf(prev) !== senderNameOf(m)) return true;
  return new Date(m.createdAt).getTime() - new Date(prev.createdAt).getTime() > 5 * 60_000;
}

/**
 * The messages of a conversation, oldest first, then the sender's unacknowledged ones. Each
 * day's first message has a divider naming the day ("Today", "Yesterday", "Monday 1
 * December") and starts a group.
 */
export function MessageList(
  props: {
    messages: Message[];
    pending: Pending[];
    /** Where pending messages' files are (sent ones know their conversation). */
    conversationId: string;
    me: User;
    /** Who takes part: their `@username`s are highlighted. */
    people?: User[];
    /** The first unread message (when the page opened) gets a "New messages" line above it. */
    unreadFrom?: number | null;
    onRetry?: (clientId: string) => void;
    /** The message being edited, if any (one at a time). */
    editingSeq?: number | null;
    /** Edit, delete and react; without them the actions do nothing. */
    actions?: MessageActions;
    /** A palette or confirmation the page's address opened (`?react=<seq>`, `?delete=<seq>`). */
    opened?: { react?: number; delete?: number };
    /** The message a link opened the page on: marked until the page is left. */
    highlightSeq?: number | null;
  },
) {
  // Days are counted in UTC on the server and in the browser's first render, which must
  // build the very elements of the server's HTML (hydration reuses them in place: a divider
  // more or less would take over another row's element), then in the reader's time zone.
  const [zone, setZone] = useState<Zone>("utc");
  useEffect(() => setZone("local"), []);
  const people = new Map((props.people ?? []).map((u) => [u.id, u]));
  const names = new Set((props.people ?? []).map((u) => u.username.toLowerCase()));
  if (props.messages.length === 0 && props.pending.length === 0) {
    return (
      <div class="flex h-full flex-col items-center justify-center text-center text-slate-500 dark:text-slate-400">
        <p class="mt-2 text-sm">No messages yet. Say hello!</p>
      </div>
    );
  }
  const now = new Date();
  // Your unsent messages are today's: a divider when the history ends on an earlier day.
  const last = props.messages.at(-1);
  const firstPending = props.pending[0] && dayOf(props.pending[0].createdAt, zone);
  const pendingDay = firstPending && (!last || dayOf(last.createdAt, zone) !== firstPending)
    ? firstPending
    : null;
  return (
    <ol class="space-y-0.5" aria-label="History">
      {props.messages.map((m, i) => {
        const prev = props.messages[i - 1];
        const day = dayOf(m.createdAt, zone);
        const newDay = !prev || dayOf(prev.createdAt, zone) !== day;
        const head = newDay || startsGroup(prev, m);
        const divider = m.seq === props.unreadFrom;
        return [
          newDay && (
            <DayDivider key={`day-${day}`} day={day} label={dayLabel(m.createdAt, now, zone)} />
          ),
          divider && (
            <li key="new" class="flex items-center gap-3 py-2" data-new-messages="true">
              <span class="h-px flex-1 bg-red-300" />
              <span class="text-xs font-semibold uppercase tracking-wide text-red-600 dark:text-red-400">
                New messages
              </span>
              <span class="h-px flex-1 bg-red-300" />
            </li>
          ),
          <MessageItem
            key={m.seq}
            m={m}
            head={head}
            me={props.me}
            people={people}
            names={names}
            editing={m.seq === props.editingSeq}
            actions={props.actions}
            highlighted={m.seq === props.highlightSeq}
            opened={m.seq === props.opened?.react
              ? "react"
              : m.seq === props.opened?.delete
              ? "delete"
              : null}
          />,
        ];
      })}
      {pendingDay && (
        <DayDivider
          key={`day-${pendingDay}`}
          day={pendingDay}
          label={dayLabel(props.pending[0].createdAt, now, zone)}
        />
      )}
      <PendingMessages
        pending={props.pending}
        // Under a system message, your first pending one starts a group of its own.
        after={last?.kind === "system" ? undefined : last}
        me={props.me}
        conversationId={props.conversationId}
        onRetry={props.onRetry}
      />
    </ol>
  );
}
