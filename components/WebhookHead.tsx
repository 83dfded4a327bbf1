/**
 * A webhook's first line in the channel panel, incoming or outgoing: its name, and Delete
 * (a form post to `deleteAction`) for whoever may delete it (null: nobody here).
 */
const DELETE_BUTTON =
  "rounded px-1.5 py-0.5 text-xs text-slate-600 hover:bg-red-50 hover:text-red-700 dark:text-slate-400 dark:hover:bg-red-950 dark:hover:text-red-300";

export function WebhookHead(props: { name: string; deleteAction: string | null }) {
  return (
    <div class="flex items-center gap-2">
      <span class="min-w-0 flex-1 truncate text-sm font-medium">
        <bdi>{props.name}</bdi>
      </span>
      {props.deleteAction && (
        <form method="post" action={props.deleteAction}>
          <button
            type="submit"
            class={DELETE_BUTTON}
            aria-label={`Delete the webhook ${props.name}`}
          >
            Delete
          </button>
        </form>
      )}
    </div>
  );
}
