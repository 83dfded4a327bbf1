import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import {
  announceNotify,
  NOTIFY_LEVELS,
  NOTIFY_PREF_EVENT,
  type NotifyLevel,
  type NotifyPref,
  onNotify,
  type PrefChange,
} from "../../lib/shared/notify_prefs.ts";
import { Icon } from "../../components/Icon.tsx";

/** A bell, and the same bell struck through (muted, or nothing). */
export const BELL = "M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0";
export const BELL_OFF =
  "M8.7 3A6 6 0 0 1 18 8c0 2.7.45 4.6 1 6M17 17H3s3-2 3-9c0-.7.12-1.4.34-2M10.3 21a1.94 1.94 0 0 0 3.4 0M2 2l20 20";

const LEVEL_TEXT: Record<NotifyLevel, { label: string; hint: string }> = {
  all: { label: "All messages", hint: "Every new message" },
  mentions: { label: "Mentions only", hint: "When someone writes @you" },
  nothing: { label: "Nothing", hint: "No notifications" },
};

/**
 * The conversation header's notification control: the level (all, mentions, nothing) and
 * mute, as one form in a <details> (without JavaScript its buttons post the form and come
 * back). With JavaScript each choice is a PUT, and the sidebar hears of it at once.
 */
export function NotifyMenu(props: { conversationId: string; pref: NotifyPref }) {
  const pref = useSignal(props.pref);
  const error = useSignal<string | null>(null);
  // Changed elsewhere (the sidebar's mute button, another tab): the bell follows.
  useEffect(
    () =>
      onNotify<PrefChange>(NOTIFY_PREF_EVENT, ({ conversationId, notifications }) => {
        if (conversationId === props.conversationId) pref.value = notifications;
      }),
    [props.conversationId],
  );
  const p = pref.value;
  const quiet = p.muted || p.level === "nothing";
  async function choose(next: NotifyPref) {
    const before = pref.peek();
    pref.value = next;
    error.value = null;
    try {
      const res = await fetch(`/api/conversations/${props.conversationId}/notifications`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(next),
      });
      if (!res.ok) throw new Error(String(res.status));
      announceNotify(
        NOTIFY_PREF_EVENT,
        {
          conversationId: props.conversationId,
          notifications: next,
        } satisfies PrefChange,
      );
    } catch {
      pref.value = before;
      error.value = "Could not save. Try again.";
    }
  }
  function onSubmit(e: SubmitEvent) {
    const button = e.submitter as HTMLButtonElement | null;
    if (!button) return;
    e.preventDefault();
    const now = pref.peek();
    if (button.name === "level") choose({ ...now, level: button.value as NotifyLevel });
    else if (button.name === "muted") choose({ ...now, muted: button.value === "1" });
  }
  const label = p.muted ? "Muted" : `Notifications: ${LEVEL_TEXT[p.level].label.toLowerCase()}`;
  return (
    <details class="relative" data-testid="notify-menu">
      <summary
        class="flex cursor-pointer list-none items-center gap-1 rounded-lg px-2 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
        aria-label={label}
        title={label}
        data-muted={p.muted ? "true" : undefined}
      >
        <Icon class="h-4 w-4" d={quiet ? BELL_OFF : BELL} />
        <span class="hidden sm:inline">{p.muted ? "Muted" : null}</span>
      </summary>
      <form
        method="post"
        action={`/api/conversations/${props.conversationId}/notifications`}
        onSubmit={onSubmit}
        class="absolute right-0 z-20 mt-1 w-64 rounded-xl bg-white p-1 text-sm shadow-lg ring-1 ring-slate-200 dark:bg-slate-800 dark:ring-slate-700"
      >
        <p class="px-3 pb-1 pt-2 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">
          Notify me about
        </p>
        {NOTIFY_LEVELS.map((level) => {
          const on = p.level === level;
          return (
            <button
              key={level}
              type="submit"
              name="level"
              value={level}
              aria-pressed={on ? "true" : "false"}
              class={`flex w-full items-start gap-2 rounded-lg px-3 py-2 text-left hover:bg-slate-100 dark:hover:bg-slate-700 ${
                on ? "font-semibold text-indigo-700 dark:text-indigo-300" : ""
              }`}
            >
              <span class="mt-0.5 w-4 shrink-0" aria-hidden="true">{on ? "✓" : ""}</span>
              <span>
                <span class="block">{LEVEL_TEXT[level].label}</span>
                <span class="block text-xs font-normal text-slate-500 dark:text-slate-400">
                  {LEVEL_TEXT[level].hint}
                </span>
              </span>
            </button>
          );
        })}
        <div class="my-1 border-t border-slate-200 dark:border-slate-700" />
        <button
          type="submit"
          name="muted"
          value={p.muted ? "0" : "1"}
          class="flex w-full items-start gap-2 rounded-lg px-3 py-2 text-left hover:bg-slate-100 dark:hover:bg-slate-700"
        >
          <Icon class="mt-0.5 h-4 w-4 shrink-0" d={p.muted ? BELL : BELL_OFF} />
          <span>
            <span class="block">{p.muted ? "Unmute conversation" : "Mute conversation"}</span>
            <span class="block text-xs text-slate-500 dark:text-slate-400">
              {p.muted
                ? "Back in the tab's count and notifications"
                : "Dimmed, left out of the count, no notifications"}
            </span>
          </span>
        </button>
        {error.value && (
          <p class="px-3 py-1 text-xs text-red-700 dark:text-red-300" role="alert">
            {error.value}
          </p>
        )}
      </form>
    </details>
  );
}
