/**
 * The conversation header's "⋯" menu (issue 15, item 11): leave a group you were pulled
 * into, or block a direct conversation's other person (it is hidden, and they cannot start
 * one with you again), or leave a channel. Plain forms in a <details>: the same without
 * JavaScript.
 */
export function ConversationActions(
  props: { id: string; kind: string; otherName?: string | null },
) {
  const actions = props.kind === "group"
    ? [
      { path: "leave", label: "Leave conversation" },
      { path: "block", label: "Leave and block its creator" },
    ]
    : props.kind === "direct"
    ? [{ path: "block", label: `Block ${props.otherName ?? "this person"} and hide` }]
    : props.kind === "channel"
    ? [{ path: "leave", label: "Leave channel" }]
    : [];
  if (actions.length === 0) return null;
  return (
    <details class="relative">
      <summary
        class="cursor-pointer list-none rounded-lg px-2 py-1 text-lg leading-none text-slate-600 dark:text-slate-300 hover:bg-slate-100 dark:hover:bg-slate-800"
        aria-label="Conversation options"
        title="Conversation options"
      >
        ⋯
      </summary>
      <div class="absolute right-0 z-20 mt-1 w-64 rounded-xl bg-white p-1 shadow-lg ring-1 ring-slate-200 dark:bg-slate-800 dark:ring-slate-700">
        {actions.map((a) => (
          <form key={a.path} method="post" action={`/api/conversations/${props.id}/${a.path}`}>
            <button
              type="submit"
              class="block w-full rounded-lg px-3 py-2 text-left text-sm text-red-700 hover:bg-red-50 dark:text-red-300 dark:hover:bg-red-950"
            >
              {a.label}
            </button>
          </form>
        ))}
      </div>
    </details>
  );
}
