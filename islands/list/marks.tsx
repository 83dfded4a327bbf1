import { Icon } from "../../components/Icon.tsx";
import { Avatar } from "../../components/people.tsx";
import type { User } from "../../lib/shared/user.ts";

export type PersonState = "active" | "away" | "offline";

/** A channel's mark: a hash (its name is "# name", as in Slack). */
export const CHANNEL_ICON = "M5 9h14M5 15h14M10.5 4 8 20M16 4l-2.5 16";
/** A private channel's: a padlock. */
export const LOCK_ICON =
  "M7 11V8a5 5 0 0 1 10 0v3M6 11h12a1 1 0 0 1 1 1v7a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1v-7a1 1 0 0 1 1-1Z";

/** A folder for a project's conversation (as the sidebar's Projects link), people for a group. */
const KIND_ICON = {
  project: {
    label: "Project conversation",
    class: "bg-emerald-700",
    d: "M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7Z",
  },
  group: {
    label: "Group conversation",
    class: "bg-slate-600",
    d: "M16 20v-1.5a3.5 3.5 0 0 0-3.5-3.5h-5A3.5 3.5 0 0 0 4 18.5V20M10 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7ZM20 20v-1.5a3.5 3.5 0 0 0-2.5-3.35M15.5 4.15a3.5 3.5 0 0 1 0 6.7",
  },
  channel: {
    label: "Channel",
    class: "bg-indigo-700",
    d: CHANNEL_ICON,
  },
  privateChannel: {
    label: "Private channel",
    class: "bg-indigo-900",
    d: LOCK_ICON,
  },
};

/** A conversation's mark in the list: the person's avatar (with their dot), or its kind. */
export function ConversationMark(
  props: { kind: string; other: User; state: PersonState | undefined; private?: boolean },
) {
  if (props.kind === "direct") {
    return (
      <span class="relative shrink-0">
        <Avatar user={props.other} />
        <PresenceDot state={props.state} />
      </span>
    );
  }
  const icon = props.kind === "project"
    ? KIND_ICON.project
    : props.kind === "channel"
    ? (props.private ? KIND_ICON.privateChannel : KIND_ICON.channel)
    : KIND_ICON.group;
  return (
    <span
      class={`inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-lg text-white ${icon.class}`}
      title={icon.label}
      data-kind={props.kind}
    >
      <Icon class="h-5 w-5" d={icon.d} />
      <span class="sr-only">{icon.label}</span>
    </span>
  );
}

/** A dot's look for a state (a member list's dots are set by islands/MemberPresence.tsx). */
export const DOT_CLASS: Record<PersonState, string> = {
  active: "bg-emerald-400",
  away: "bg-amber-400",
  offline: "",
};
export const DOT_TEXT: Record<PersonState, string> = {
  active: "Online",
  away: "Away",
  offline: "",
};

/**
 * A member's dot, drawn hidden by the server and shown once their state is known: one
 * element per member, found by `data-presence-of` (the page's MemberPresence island).
 */
export function MemberDot(props: { userId: string }) {
  return (
    <span
      data-presence-of={props.userId}
      data-presence="offline"
      hidden
      class="absolute -bottom-0.5 -right-0.5 h-2.5 w-2.5 rounded-full border-2 border-white dark:border-slate-900"
    >
      <span class="sr-only"></span>
    </span>
  );
}

/** Online (green) or away (amber) on an avatar's corner; nothing when offline. */
export function PresenceDot(props: { state: PersonState | undefined }) {
  if (props.state !== "active" && props.state !== "away") return null;
  const active = props.state === "active";
  return (
    <span
      class={`absolute -bottom-0.5 -right-0.5 h-3 w-3 rounded-full border-2 border-slate-900 ${
        DOT_CLASS[props.state]
      }`}
      data-presence={props.state}
      title={active ? "Online" : "Away"}
    >
      <span class="sr-only">{active ? "online" : "away"}</span>
    </span>
  );
}
