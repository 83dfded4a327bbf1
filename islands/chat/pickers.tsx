/**
 * The composer's pickers, drawn: the people an `@name` may mean, the commands a `/name` may
 * mean, and `/help`'s answer. A chunk of its own, loaded when one first shows
 * (use_pickers.ts): what they show and the keys that move through them are the composer's
 * (mention_query.ts, slash_commands.ts), in app.js, so typing never waits for it. What they
 * share with app.js they are handed (PickerParts): an import would move it into a chunk both
 * load. (Classic JSX, `h`, for the same reason: the JSX runtime's module is not in the
 * chunk that holds `h`, and this chunk would otherwise be the one to split them.)
 */
/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import type { User } from "../../lib/shared/user.ts";
import type { CommandInfo, commandUsage } from "../../lib/shared/commands.ts";
import type { mentionOptionId, MentionQuery } from "./mention_query.ts";
import type { CommandChoice, commandOptionId } from "./slash_commands.ts";

export type PickerParts = {
  commandUsage: typeof commandUsage;
  commandOptionId: typeof commandOptionId;
  mentionOptionId: typeof mentionOptionId;
};

/** The pickers made with app.js's parts (use_pickers.ts). */
export function makePickers(parts: PickerParts) {
  const { commandUsage, commandOptionId, mentionOptionId } = parts;

  /**
   * The people an `@name` being typed may mean, as a listbox under the composer (which keeps
   * the focus: arrows move the choice, Enter or Tab takes it; a click takes it too).
   */
  function MentionPicker(props: { query: MentionQuery; onPick: (user: User) => void }) {
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

  /**
   * The commands a `/name` being typed may mean, as a listbox above the composer (which keeps
   * the focus: arrows move the choice, Enter or Tab takes it, Esc closes; a click takes it).
   */
  function CommandPicker(
    props: { id: string; choice: CommandChoice; onPick: (info: CommandInfo) => void },
  ) {
    return (
      <ul
        id={props.id}
        role="listbox"
        aria-label="Commands"
        class="mb-2 max-w-md overflow-hidden rounded-lg border border-slate-200 bg-white py-1 shadow-lg dark:border-slate-700 dark:bg-slate-900"
      >
        {props.choice.items.map((info, i) => (
          <li
            key={info.name}
            id={commandOptionId(props.id, info)}
            role="option"
            aria-selected={i === props.choice.index}
            onMouseDown={(e) => {
              // Before the composer's blur closes the list.
              e.preventDefault();
              props.onPick(info);
            }}
            class={`flex cursor-pointer flex-wrap items-baseline gap-x-3 px-3 py-1.5 text-sm ${
              i === props.choice.index
                ? "bg-indigo-50 text-indigo-900 dark:bg-indigo-950 dark:text-indigo-100"
                : "text-slate-700 dark:text-slate-300"
            }`}
          >
            <span class="font-mono font-semibold">{commandUsage(info)}</span>
            <span class="text-xs text-slate-500 dark:text-slate-400">{info.description}</span>
          </li>
        ))}
      </ul>
    );
  }

  /** `/help`'s answer, shown in place above the composer: for you alone, until closed. */
  function CommandHelp(props: { commands: CommandInfo[]; onClose: () => void }) {
    return (
      <section
        aria-label="Slash commands"
        data-testid="command-help"
        // At most a third of the screen: the composer stays in view on a phone.
        class="mb-2 max-h-[33vh] overflow-y-auto rounded-lg border border-slate-200 bg-slate-50 px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-800"
      >
        <div class="flex items-center justify-between gap-2">
          <h2 class="font-semibold text-slate-900 dark:text-slate-100">Slash commands</h2>
          <button
            type="button"
            onClick={props.onClose}
            class="rounded px-2 py-0.5 text-xs font-medium text-slate-600 hover:bg-slate-200 dark:text-slate-300 dark:hover:bg-slate-700"
          >
            Close
          </button>
        </div>
        <dl class="mt-1 grid gap-x-4 gap-y-1 sm:grid-cols-[auto_1fr]">
          {props.commands.map((info) => (
            <div key={info.name} class="contents">
              <dt class="font-mono font-semibold text-slate-800 dark:text-slate-200">
                {commandUsage(info)}
              </dt>
              <dd class="mb-1 text-slate-600 dark:text-slate-400 sm:mb-0">{info.description}</dd>
            </div>
          ))}
        </dl>
        <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">
          Only you see this. Start a message with // to send it with a /.
        </p>
      </section>
    );
  }

  return { MentionPicker, CommandPicker, CommandHelp };
}

export type Pickers = ReturnType<typeof makePickers>;
