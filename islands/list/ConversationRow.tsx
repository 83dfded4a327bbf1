import type { Conversation } from "../../lib/conversations/mod.ts";
import type { Message } from "../../lib/shared/message.ts";
import type { User } from "../../lib/shared/user.ts";
import { plainText } from "../../lib/shared/plain_text.ts";
import { conversationName, shortTime } from "../../components/people.tsx";
import { Icon } from "../../components/Icon.tsx";
import { ConversationMark, type PersonState } from "./marks.tsx";
import type { NotifyPref } from "../../lib/shared/notify_prefs.ts";
import { BELL_OFF } from "../chat/NotifyMenu.tsx";

/**
 * A conversation as the sidebar holds it: with your draft there, if any, and your
 * notification setting (the payload's).
 */
export type ListedConversation = Conversation & {
  draft?: string | null;
  notifications?: NotifyPref;
};

const PENCIL = "M16.9 3.6a2.1 2.1 0 0 1 3 3L8 18.5 4 20l1.5-4L16.9 3.6Z";

/** A last message in a line: what it says (not its Markdown), else what it was. */
export function preview(m: Message): string {
  if (m.deletedAt) return "Message deleted";
  if (m.content) return plainText(m.content, m.formatted);
  const files = m.attachments ?? [];
  if (files.length === 1) return `📎 ${files[0].name}`;
  return files.length ? `📎 ${files.length} files` : "";
}

/** Who wrote the last message, as the line says it ("You", a name; none for a system one). */
function byline(m: Message, meId: string): string | null {
  if (m.kind === "system") return null;
  return m.author.id === meId ? "You" : m.senderName || m.author.displayName;
}

/**
 * One conversation of the sidebar: its mark, name, last message (or, elsewhere than the open
 * one, your unsent draft there), time and counts.
 */
export function ConversationRow(
  props: { c: ListedConversation; me: User; active: boolean; state: PersonState | undefined },
) {
  const { c, me, active } = props;
  const name = conversationName(c, me.id);
  const other = c.participants.find((p) => p.id !== me.id) ?? me;
  const unread = active ? 0 : c.unreadCount;
  const by = c.lastMessage ? byline(c.lastMessage, me.id) : null;
  const draft = !active && c.draft?.trim() ? c.draft : null;
  // Muted: dimmed (its name and counts grey, still exact and still readable: the text keeps
  // its contrast; a kind's icon fades), left out of the tab's count.
  const muted = c.notifications?.muted ?? false;
  const dim = muted && !active;
  return (
    <a
      href={`/conversations/${c.id}`}
      aria-current={active ? "page" : undefined}
      data-muted={muted ? "true" : undefined}
      class={`flex items-center gap-3 rounded-lg px-2 py-2 ${
        active
          ? "bg-slate-700 text-white"
          : dim
          ? "text-slate-400 hover:bg-slate-800 hover:text-white"
          : "text-slate-300 hover:bg-slate-800 hover:text-white"
      }`}
    >
      <span class={`shrink-0 ${dim && c.kind !== "direct" ? "opacity-50" : ""}`}>
        <ConversationMark
          kind={c.kind}
          other={other}
          state={props.state}
          private={c.visibility === "private"}
        />
      </span>
      <span class="min-w-0 flex-1">
        <span class="flex items-baseline justify-between gap-2">
          <span
            class={`flex min-w-0 items-center gap-1 text-sm ${
              unread && !muted ? "font-bold text-white" : muted ? "font-normal" : "font-medium"
            }`}
          >
            <bdi class="truncate">{name}</bdi>
            {muted && (
              <span title="Muted" class="shrink-0">
                <Icon class="h-3.5 w-3.5" d={BELL_OFF} />
                <span class="sr-only">(muted)</span>
              </span>
            )}
          </span>
          {c.lastMessage && (
            <span class={`shrink-0 text-[11px] ${active ? "text-slate-300" : "text-slate-400"}`}>
              {shortTime(c.lastMessage.createdAt)}
            </span>
          )}
        </span>
        <span class="flex items-center justify-between gap-2">
          <span class={`truncate text-xs ${active ? "text-slate-300" : "text-slate-400"}`}>
            {draft !== null
              ? (
                <span data-draft>
                  <span class="font-semibold text-amber-300">
                    <Icon class="mr-1 inline h-3 w-3 align-[-1px]" d={PENCIL} />Draft:
                  </span>{" "}
                  <bdi>{plainText(draft, null)}</bdi>
                </span>
              )
              : c.lastMessage
              ? (
                <>
                  {/* bdi: a name or text in another direction (or with RTL controls) cannot reorder the rest */}
                  {by !== null && (
                    <>
                      <bdi>{by}</bdi>:{" "}
                    </>
                  )}
                  <bdi>{preview(c.lastMessage)}</bdi>
                </>
              )
              : "No messages yet"}
          </span>
          {!active && c.mentionCount > 0 && (
            <span
              class={`shrink-0 rounded-full px-1.5 text-[11px] font-bold ${
                muted ? "bg-slate-600 text-white" : "bg-amber-400 text-slate-900"
              }`}
              aria-label={`${c.mentionCount} ${c.mentionCount === 1 ? "mention" : "mentions"}`}
            >
              @{c.mentionCount > 1 ? c.mentionCount : ""}
            </span>
          )}
          {unread > 0 && (
            <span
              class={`shrink-0 rounded-full px-1.5 text-[11px] font-bold text-white ${
                muted ? "bg-slate-600" : "bg-indigo-500"
              }`}
              aria-label={`${unread} unread`}
            >
              {unread > 99 ? "99+" : unread}
            </span>
          )}
        </span>
      </span>
    </a>
  );
}
