import type { Conversation } from "../lib/conversations/mod.ts";

const FIELD =
  "mt-1 block w-full min-w-0 rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100";
const BUTTON =
  "rounded-lg px-3 py-1.5 text-sm font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";

/**
 * Where a settings form posts: the form twin of `PATCH /api/conversations/:id` (a form
 * cannot PATCH), answered with a redirect back to the conversation.
 */
export function settingsAction(id: string): string {
  return `/api/conversations/${id}/settings`;
}

/**
 * A group's or channel's settings, folded away: its name, its topic, and (channels) archive
 * or unarchive. Each is its own plain form (only what it names changes).
 */
export function ChannelSettings(props: { conversation: Conversation }) {
  const conv = props.conversation;
  const channel = conv.kind === "channel";
  const action = settingsAction(conv.id);
  return (
    <details
      class="group rounded-xl ring-1 ring-slate-200 dark:ring-slate-700"
      id="settings"
      data-member-only
    >
      <summary class="cursor-pointer rounded-xl px-4 py-2 text-sm font-semibold hover:bg-slate-50 dark:hover:bg-slate-800">
        {channel ? "Channel settings" : "Conversation settings"}
      </summary>
      <div class="space-y-5 px-4 pb-4 pt-2">
        {!conv.archived && (
          <>
            <form method="post" action={action} class="space-y-1">
              <label for="settings-title" class="block text-sm font-medium">
                {channel ? "Name" : "Group name"}
              </label>
              <div class="flex gap-2">
                <input
                  id="settings-title"
                  name="title"
                  required
                  maxLength={channel ? 80 : 100}
                  value={conv.title ?? ""}
                  class={`${FIELD} mt-0 flex-1`}
                />
                <button
                  type="submit"
                  class={`${BUTTON} shrink-0 bg-indigo-600 text-white hover:bg-indigo-500`}
                >
                  Rename
                </button>
              </div>
            </form>
            <form method="post" action={action} class="space-y-1">
              <label for="settings-topic" class="block text-sm font-medium">Topic</label>
              <textarea
                id="settings-topic"
                name="topic"
                rows={2}
                maxLength={250}
                class={FIELD}
                value={conv.topic}
              />
              <button
                type="submit"
                class={`${BUTTON} bg-indigo-600 text-white hover:bg-indigo-500`}
              >
                Set topic
              </button>
            </form>
          </>
        )}
        {channel && (
          <form method="post" action={action} class="space-y-2">
            <input type="hidden" name="archived" value={conv.archived ? "false" : "true"} />
            <p class="text-sm text-slate-600 dark:text-slate-400">
              {conv.archived
                ? "Unarchived, people can write in it again and it returns to their sidebars."
                : "Archived, it leaves everyone's sidebar and nobody can write in it. It stays in the directory and in search."}
            </p>
            <button
              type="submit"
              class={`${BUTTON} ${
                conv.archived
                  ? "bg-slate-100 text-slate-800 hover:bg-slate-200 dark:bg-slate-800 dark:text-slate-100"
                  : "text-amber-900 ring-1 ring-amber-300 hover:bg-amber-50 dark:text-amber-200 dark:ring-amber-800 dark:hover:bg-amber-950"
              }`}
            >
              {conv.archived ? "Unarchive channel" : "Archive channel"}
            </button>
          </form>
        )}
      </div>
    </details>
  );
}
