import { type CommandInfo, commandUsage } from "../../lib/shared/commands.ts";
import { type CommandChoice, commandOptionId } from "./slash_commands.ts";

/**
 * The commands a `/name` being typed may mean, as a listbox above the composer (which keeps
 * the focus: arrows move the choice, Enter or Tab takes it, Esc closes; a click takes it).
 */
export function CommandPicker(
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
export function CommandHelp(props: { commands: CommandInfo[]; onClose: () => void }) {
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
