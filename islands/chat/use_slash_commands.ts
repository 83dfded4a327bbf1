import { batch, type Signal, useSignal } from "@preact/signals";
import type { JSX } from "preact";
import type { CommandInfo } from "../../lib/shared/commands.ts";
import { announceNotify, NOTIFY_PREF_EVENT } from "../../lib/shared/notify_prefs.ts";
import {
  type CommandChoice,
  commandChoice,
  moveChoice,
  postCommand,
  sendsAsTyped,
} from "./slash_commands.ts";

/**
 * A composer's slash commands: the list offered as a command is named (`commands`), the
 * keys that move through it, and running one on the server; `/help`'s list (`help`) and what
 * the last command did (`notice`) are shown in place by the composer.
 */
export function useSlashCommands(options: {
  /** The composer's textarea id. */
  id: string;
  conversationId: string;
  /** A thread's composer: `/me` and `/shrug` reply there. */
  parentSeq?: number;
  draft: Signal<string>;
  setError: (message: string | null) => void;
  /** The draft went with a command (the draft sync hears it). */
  sent: () => void;
}) {
  const commands = useSignal<CommandChoice | null>(null);
  const help = useSignal<CommandInfo[] | null>(null);
  const notice = useSignal<string | null>(null);
  const running = useSignal(false);
  const { id, draft } = options;

  /** Runs a command on the server; a refusal shows under the composer, the text kept. */
  async function run(text: string) {
    if (running.peek()) return;
    running.value = true;
    batch(() => {
      options.setError(null);
      notice.value = null;
      help.value = null;
    });
    try {
      const result = await postCommand(options.conversationId, text, options.parentSeq);
      batch(() => {
        draft.value = "";
        commands.value = null;
        options.sent();
        if (result.kind === "help") help.value = result.commands;
        if (result.kind === "done") notice.value = result.text;
      });
      if (result.kind === "done" && result.notifications) {
        // The header's bell and the sidebar follow (as when the menu changes it).
        announceNotify(NOTIFY_PREF_EVENT, {
          conversationId: options.conversationId,
          notifications: result.notifications,
        });
      }
      if (result.kind === "left") location.assign("/");
    } catch (err) {
      options.setError((err as Error).message);
    } finally {
      running.value = false;
    }
  }

  /** Puts `/name ` in place of what was typed, caret at the end. */
  function pick(info: CommandInfo) {
    const el = document.getElementById(id) as HTMLTextAreaElement | null;
    const text = `/${info.name} `;
    batch(() => {
      draft.value = text;
      commands.value = null;
    });
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(text.length, text.length);
    });
  }

  /** Arrows, Enter, Tab and Esc while the list of commands shows; whether it took the key. */
  function onKey(event: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>): boolean {
    const choice = commands.peek();
    if (!choice) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      commands.value = moveChoice(choice, event.key === "ArrowDown" ? 1 : -1);
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.isComposing) {
      // `/help` typed out: Enter runs it (Tab still completes).
      if (event.key === "Enter" && sendsAsTyped(draft.peek(), choice)) {
        commands.value = null;
        return false;
      }
      pick(choice.items[choice.index]);
    } else if (event.key === "Escape") {
      commands.value = null;
    } else return false;
    event.preventDefault();
    return true;
  }

  /** The draft changed: the list follows it, and the last command's notice goes. */
  function typed(value: string) {
    batch(() => {
      commands.value = commandChoice(value, commands.peek());
      if (notice.peek()) notice.value = null;
    });
  }

  /** Sent as a message: what the last command showed goes. */
  function clear() {
    batch(() => {
      help.value = null;
      notice.value = null;
    });
  }

  return {
    commands,
    help,
    notice,
    listId: `${id}-commands`,
    run,
    pick,
    onKey,
    typed,
    clear,
  };
}
