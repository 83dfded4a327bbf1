/**
 * The search box's list of suggestions: a chunk of its own, loaded as the box first asks for
 * suggestions (SearchBox.tsx). Classic JSX (`h`): the JSX runtime's module would otherwise be
 * split out of the chunk that holds `h`, into one more file on every page.
 */
/** @jsxRuntime classic */
/** @jsx h */
/** @jsxFrag Fragment */
import { Fragment, h } from "preact";

/** What GET /api/search/suggestions answers, one of (routes/api/search_suggest.ts). */
export type Suggestion = {
  kind: "operator" | "person" | "conversation";
  insert: string;
  label: string;
  detail?: string;
};

const KIND_LABEL: Record<Suggestion["kind"], string> = {
  operator: "Filter",
  person: "Person",
  conversation: "Conversation",
};

/**
 * The search box's suggestions, a listbox under its field (which keeps the focus and points
 * at the active option with `aria-activedescendant`); a press takes one. A polite live region
 * says how many there are.
 */
export function SuggestionList(props: {
  id: string;
  items: Suggestion[];
  shown: boolean;
  active: number;
  onPick: (item: Suggestion) => void;
}) {
  const { items, shown } = props;
  return (
    <>
      <ul
        id={props.id}
        role="listbox"
        aria-label="Search suggestions"
        hidden={!shown}
        class="absolute left-0 top-full z-50 mt-1 max-h-80 w-full min-w-[14rem] overflow-y-auto rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 py-1 text-left shadow-lg"
      >
        {shown && items.map((item, i) => (
          <li
            key={item.insert}
            id={`${props.id}-${i}`}
            role="option"
            aria-selected={i === props.active}
            data-insert={item.insert}
            onMouseDown={(e) => {
              // Before the field's blur closes the list.
              e.preventDefault();
              props.onPick(item);
            }}
            class={`flex cursor-pointer items-baseline gap-2 px-3 py-1.5 text-sm ${
              i === props.active
                ? "bg-indigo-50 dark:bg-indigo-950 text-indigo-900 dark:text-indigo-100"
                : "text-slate-700 dark:text-slate-300 hover:bg-slate-50 dark:hover:bg-slate-800"
            }`}
          >
            <span class="sr-only">{KIND_LABEL[item.kind]}:</span>
            <span class="min-w-0 truncate font-medium">{item.label}</span>
            {item.detail && (
              <span class="min-w-0 truncate text-xs text-slate-500 dark:text-slate-400">
                {item.detail}
              </span>
            )}
          </li>
        ))}
      </ul>
      <span class="sr-only" aria-live="polite">
        {shown ? `${items.length} suggestion${items.length === 1 ? "" : "s"}` : ""}
      </span>
    </>
  );
}
