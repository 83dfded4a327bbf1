import type { Message, SystemEvent } from "../lib/shared/message.ts";
import { systemName, systemParts } from "../lib/shared/system_text.ts";
import { Icon } from "./Icon.tsx";
import { fullTime, timeOfDay } from "./people.tsx";

/** A small mark per kind of event (an arrow in for joins, out for leaves…). */
const MARKS: Record<SystemEvent, string> = {
  created: "M12 5v14M5 12h14",
  joined: "M10 17l5-5-5-5M15 12H3M15 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4",
  added:
    "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8ZM19 8v6M22 11h-6",
  left: "M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9",
  removed: "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8ZM22 11h-6",
  renamed: "M16.9 3.6a2.1 2.1 0 0 1 3 3L8 18.5 4 20l1.5-4L16.9 3.6Z",
  topic: "M4 6h16M4 12h16M4 18h10",
  archived: "M3 4h18v4H3zM5 8v12h14V8M10 12h4",
  unarchived: "M3 4h18v4H3zM5 8v12h14V8M12 17v-5M9.5 14.5 12 12l2.5 2.5",
  pinned: "M12 17v5M9 3h6l-1 7 4 3H6l4-3-1-7Z",
  unpinned: "M12 17v5M9 3h6l-1 7 4 3H6l4-3-1-7ZM3 3l18 18",
};

/**
 * A system message's row ("Ann added Ben and Carl"): small, centred and muted, no avatar,
 * no actions (never edited, deleted or reacted to). Built from `m.system` with the people's
 * names as they are now; a message without it (never so, but an old client's guess) shows
 * its stored sentence. The same markup on the server, in the island, and live.
 */
export function SystemMessage(props: { m: Message; highlighted?: boolean }) {
  const { m } = props;
  const info = m.system;
  return (
    <li
      id={`m${m.seq}`}
      data-seq={m.seq}
      data-system={info?.event ?? "unknown"}
      data-highlighted={props.highlighted ? "true" : undefined}
      aria-current={props.highlighted ? "true" : undefined}
      class={`flex justify-center px-2 py-1.5${props.highlighted ? " msg-hl rounded-lg" : ""}`}
    >
      <p class="flex max-w-full items-start gap-1.5 text-center text-xs leading-5 text-slate-500 dark:text-slate-400">
        <span class="mt-0.5 shrink-0">
          <Icon d={info ? MARKS[info.event] ?? MARKS.topic : MARKS.topic} class="h-3.5 w-3.5" />
        </span>
        <span class="min-w-0 break-words">
          {info
            ? systemParts(info).map((part, i) =>
              typeof part === "string"
                ? part
                : (
                  <strong key={i} class="font-semibold text-slate-700 dark:text-slate-200">
                    {systemName(part.user)}
                  </strong>
                )
            )
            : m.content}
          <time dateTime={m.createdAt} title={fullTime(m.createdAt)} class="whitespace-nowrap">
            {` · ${timeOfDay(m.createdAt)}`}
          </time>
        </span>
      </p>
    </li>
  );
}
