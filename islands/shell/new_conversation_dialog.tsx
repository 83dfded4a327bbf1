import { useSignal } from "@preact/signals";
import type { JSX } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { User } from "../../lib/shared/user.ts";
import type { Avatar } from "../../components/people.tsx";

/**
 * "New conversation"'s dialog: find people by name and start a direct conversation (one
 * person) or a group (several, with an optional title). A chunk of its own, loaded when the
 * button is first pressed (islands/NewConversation.tsx); it opens whenever `opened` changes.
 * `Avatar` is handed to it: importing it would move it out of the chunk the page loads it
 * in, into one more.
 */
export function NewConversationDialog(props: { opened: number; Avatar: typeof Avatar }) {
  const { Avatar } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const query = useSignal("");
  const results = useSignal<User[]>([]);
  const chosen = useSignal<User[]>([]);
  const title = useSignal("");
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  useLayoutEffect(() => {
    dialog.current?.showModal();
    search("");
  }, [props.opened]);

  function search(text: string) {
    query.value = text;
    clearTimeout(timer.current);
    timer.current = setTimeout(async () => {
      const res = await fetch(`/api/conversations/users?search=${encodeURIComponent(text)}`);
      if (res.ok && query.peek() === text) results.value = (await res.json()).users;
    }, 150);
  }

  function toggle(user: User) {
    const has = chosen.value.some((u) => u.id === user.id);
    chosen.value = has ? chosen.value.filter((u) => u.id !== user.id) : [...chosen.value, user];
  }

  async function start(event: JSX.TargetedEvent<HTMLFormElement>) {
    event.preventDefault();
    if (chosen.value.length === 0) {
      error.value = "Choose at least one person.";
      return;
    }
    busy.value = true;
    const res = await fetch("/api/conversations", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        participantIds: chosen.value.map((u) => u.id),
        ...(chosen.value.length > 1 && title.value.trim() ? { title: title.value.trim() } : {}),
      }),
    }).catch(() => null);
    busy.value = false;
    if (!res?.ok) {
      error.value = (await res?.json().catch(() => null))?.error?.message ??
        "Could not start the conversation.";
      return;
    }
    location.assign(`/conversations/${(await res.json()).conversation.id}`);
  }

  return (
    <dialog
      ref={dialog}
      aria-labelledby="new-conversation-title"
      class="w-[calc(100%-2rem)] max-w-md rounded-2xl p-0 shadow-xl backdrop:bg-slate-900/50"
    >
      <form onSubmit={start} class="space-y-4 p-6">
        <h2 id="new-conversation-title" class="text-lg font-semibold">New conversation</h2>
        <div>
          <label
            for="people-search"
            class="block text-sm font-medium text-slate-700 dark:text-slate-300"
          >
            Search people
          </label>
          <input
            id="people-search"
            type="search"
            autocomplete="off"
            value={query.value}
            onInput={(e) => search(e.currentTarget.value)}
            placeholder="Name or username"
            class="mt-1 block w-full rounded-lg border border-slate-300 dark:border-slate-600 px-3 py-2 text-sm outline-none focus:ring-2 focus:ring-indigo-500"
          />
        </div>
        {chosen.value.length > 0 && (
          <p class="text-sm text-slate-600 dark:text-slate-400">
            With: {chosen.value.map((u) => u.displayName).join(", ")}
          </p>
        )}
        <ul class="max-h-60 space-y-1 overflow-y-auto" aria-label="People">
          {results.value.map((u) => {
            const on = chosen.value.some((c) => c.id === u.id);
            return (
              <li key={u.id}>
                <button
                  type="button"
                  aria-pressed={on}
                  onClick={() => toggle(u)}
                  class={`flex w-full items-center gap-3 rounded-lg px-2 py-1.5 text-left ${
                    on
                      ? "bg-indigo-50 dark:bg-indigo-950 ring-1 ring-indigo-300"
                      : "hover:bg-slate-50 dark:hover:bg-slate-800"
                  }`}
                >
                  <Avatar user={u} size="sm" />
                  <span class="text-sm font-medium">{u.displayName}</span>
                  <span class="text-xs text-slate-600 dark:text-slate-400">@{u.username}</span>
                </button>
              </li>
            );
          })}
          {results.value.length === 0 && (
            <li class="text-sm text-slate-600 dark:text-slate-400">Nobody found.</li>
          )}
        </ul>
        {chosen.value.length > 1 && (
          <div>
            <label
              for="group-title"
              class="block text-sm font-medium text-slate-700 dark:text-slate-300"
            >
              Group name (optional)
            </label>
            <input
              id="group-title"
              value={title.value}
              maxLength={100}
              onInput={(e) => (title.value = e.currentTarget.value)}
              class="mt-1 block w-full rounded-lg border border-slate-300 dark:border-slate-600 px-3 py-2 text-sm"
            />
          </div>
        )}
        {error.value && (
          <p role="alert" class="text-sm text-red-600 dark:text-red-400">{error.value}</p>
        )}
        <div class="flex justify-end gap-2">
          <button
            type="button"
            onClick={() => dialog.current?.close()}
            class="rounded-lg px-3 py-2 text-sm font-medium text-slate-600 dark:text-slate-400 hover:bg-slate-100 dark:hover:bg-slate-800"
          >
            Cancel
          </button>
          <button
            type="submit"
            disabled={busy.value}
            class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
          >
            Start conversation
          </button>
        </div>
      </form>
    </dialog>
  );
}
