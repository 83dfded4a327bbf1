import type { Message } from "../lib/shared/message.ts";
import { Avatar, fullTime, shortTime } from "./people.tsx";

/** The address of a message's thread beside its conversation (a page without JavaScript too). */
export function threadHref(conversationId: string, seq: number): string {
  return `/conversations/${conversationId}?thread=${seq}#thread`;
}

/**
 * Under a message with replies: the repliers' avatars (three at most), "N replies" and the
 * last reply's time, as one link to the thread. With JavaScript, `onOpen` opens it beside the
 * conversation without leaving the page.
 */
export function ThreadSummary(props: { m: Message; onOpen?: (seq: number) => void }) {
  const { m } = props;
  const t = m.thread;
  if (!t || t.replyCount === 0) return null;
  const n = t.replyCount;
  return (
    <a
      href={threadHref(m.conversationId, m.seq)}
      data-thread-summary={m.seq}
      onClick={props.onOpen
        ? (e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey) return;
          e.preventDefault();
          props.onOpen!(m.seq);
        }
        : undefined}
      class="mt-1 inline-flex max-w-full items-center gap-2 rounded-lg border border-transparent px-1.5 py-0.5 text-xs hover:border-slate-200 dark:hover:border-slate-700 hover:bg-white dark:hover:bg-slate-900"
    >
      <span class="flex -space-x-1">
        {t.participants.slice(-3).map((u) => <Avatar key={u.id} user={u} size="sm" />)}
      </span>
      <span class="whitespace-nowrap font-semibold text-indigo-700 dark:text-indigo-300">
        {n === 1 ? "1 reply" : `${n} replies`}
      </span>
      <span class="truncate text-slate-500 dark:text-slate-400">
        Last reply{" "}
        <time dateTime={t.lastReplyAt} title={fullTime(t.lastReplyAt)}>
          {shortTime(t.lastReplyAt)}
        </time>
      </span>
    </a>
  );
}

/** "Pinned" on a pinned message, with who pinned it in its title. */
export function PinnedMark(props: { m: Message }) {
  const p = props.m.pinned;
  if (!p) return null;
  return (
    <p
      class="mb-0.5 flex items-center gap-1 text-xs font-medium text-amber-700 dark:text-amber-400"
      title={`Pinned by ${p.by.displayName}, ${fullTime(p.at)}`}
      data-pinned="true"
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" class="h-3 w-3" fill="currentColor">
        <path d="M16 3v2l-2 1v5l3 3v2h-4v5l-1 1-1-1v-5H7v-2l3-3V6L8 5V3h8Z" />
      </svg>
      Pinned
    </p>
  );
}
