import type { User } from "../../lib/shared/user.ts";
import type { MentionQuery } from "./mention_query.ts";

/** The option id of a person in the list (the composer's `aria-activedescendant`). */
export const mentionOptionId = (user: User) => `mention-${user.id}`;

/**
 * The people an `@name` being typed may mean, as a listbox under the composer (which keeps
 * the focus: arrows move the choice, Enter or Tab takes it; a click takes it too).
 */
export function MentionPicker(props: { query: MentionQuery; onPick: (user: User) => void }) {
  return (
    <ul
      id="mention-options"
      role="listbox"
      aria-label="People to mention"
      class="mb-2 max-w-xs overflow-hidden rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 py-1 shadow-lg"
    >
      {props.query.items.map((u, i) => (
        <li
          key={u.id}
          id={mentionOptionId(u)}
          role="option"
          aria-selected={i === props.query.index}
          onMouseDown={(e) => {
            // Before the composer's blur closes the list.
            e.preventDefault();
            props.onPick(u);
          }}
          class={`flex cursor-pointer items-baseline gap-2 px-3 py-1.5 text-sm ${
            i === props.query.index
              ? "bg-indigo-50 dark:bg-indigo-950 text-indigo-900 dark:text-indigo-100"
              : "text-slate-700 dark:text-slate-300"
          }`}
        >
          <span class="font-medium">{u.displayName}</span>
          <span class="text-xs text-slate-500 dark:text-slate-400">@{u.username}</span>
        </li>
      ))}
    </ul>
  );
}
