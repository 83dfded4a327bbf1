import type { ComponentChildren } from "preact";
import type { Conversation } from "../../lib/conversations/mod.ts";
import type { User } from "../../lib/shared/user.ts";
import { Icon } from "../../components/Icon.tsx";
import { ConversationRow, type ListedConversation } from "./ConversationRow.tsx";
import { MuteToggle } from "./MuteToggle.tsx";
import { conversationName } from "../../components/people.tsx";
import type { PersonState } from "./marks.tsx";

/** Which section of the sidebar a conversation sits in. */
export type SectionName = "channels" | "direct" | "projects";

export function sectionOf(c: Conversation): SectionName {
  if (c.kind === "channel") return "channels";
  if (c.kind === "project" || c.projectId) return "projects";
  return "direct";
}

const PLUS = "M12 5v14M5 12h14";

/** A section's heading, with an action on its right (a "+" that is a plain link). */
function Heading(
  props: { id: string; title: string; action?: { href: string; label: string } },
) {
  return (
    <div class="flex items-center justify-between px-2 pb-1 pt-3">
      <h2
        id={props.id}
        class="text-xs font-semibold uppercase tracking-wide text-slate-400"
      >
        {props.title}
      </h2>
      {props.action && (
        <a
          href={props.action.href}
          class="rounded-md p-1 text-slate-400 hover:bg-slate-800 hover:text-white"
          aria-label={props.action.label}
          title={props.action.label}
        >
          <Icon class="h-4 w-4" d={PLUS} />
        </a>
      )}
    </div>
  );
}

/**
 * The sidebar's conversations in sections, as Slack has them: Channels (with "Browse
 * channels" and "+", both plain links to /channels), Direct messages (people and groups), and
 * the conversations of projects. Each keeps the list's order (newest first).
 */
export function ListSections(
  props: {
    conversations: Conversation[];
    me: User;
    currentId: string | null;
    people: Record<string, PersonState>;
    browsing: boolean;
    /** The "show older" entry, after the last section (null: the list is complete). */
    more: ComponentChildren;
  },
) {
  const by: Record<SectionName, Conversation[]> = { channels: [], direct: [], projects: [] };
  for (const c of props.conversations) by[sectionOf(c)].push(c);
  const rows = (list: Conversation[]) =>
    list.map((c) => {
      const other = c.participants.find((p) => p.id !== props.me.id) ?? props.me;
      return (
        <li key={c.id} class="group relative">
          <ConversationRow
            c={c}
            me={props.me}
            active={c.id === props.currentId}
            state={props.people[other.id]}
          />
          <MuteToggle
            id={c.id}
            kind={c.kind}
            name={conversationName(c, props.me.id)}
            notifications={(c as ListedConversation).notifications}
          />
        </li>
      );
    });
  return (
    <ul class="px-2" aria-label="Conversations">
      <li>
        <Heading
          id="list-channels"
          title="Channels"
          action={{ href: "/channels#new-channel", label: "Create a channel" }}
        />
        <ul class="space-y-0.5" aria-labelledby="list-channels" data-section="channels">
          {rows(by.channels)}
          <li>
            <a
              href="/channels"
              aria-current={props.browsing ? "page" : undefined}
              class={`flex items-center gap-3 rounded-lg px-2 py-1.5 text-sm ${
                props.browsing
                  ? "bg-slate-700 text-white"
                  : "text-slate-300 hover:bg-slate-800 hover:text-white"
              }`}
            >
              <span class="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-lg border border-dashed border-slate-600 text-slate-400">
                <Icon class="h-4 w-4" d="M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16ZM21 21l-4.35-4.35" />
              </span>
              Browse channels
            </a>
          </li>
        </ul>
      </li>
      <li>
        <Heading
          id="list-direct"
          title="Direct messages"
          action={{ href: "/new", label: "New conversation" }}
        />
        <ul class="space-y-0.5" aria-labelledby="list-direct" data-section="direct">
          {rows(by.direct)}
          {by.direct.length === 0 && (
            <li class="px-2 py-2 text-sm text-slate-400">
              No conversations yet. Start one with “New conversation”.
            </li>
          )}
        </ul>
      </li>
      {by.projects.length > 0 && (
        <li>
          <Heading id="list-projects" title="Projects" />
          <ul class="space-y-0.5" aria-labelledby="list-projects" data-section="projects">
            {rows(by.projects)}
          </ul>
        </li>
      )}
      {props.more}
    </ul>
  );
}
