/**
 * The composer's slash commands, apart from drawing them: the list shown while a command is
 * being named (what is typed, and which one is chosen), and running one on the server.
 */
import { newClientId } from "../../lib/shared/client_id.ts";
import {
  type CommandInfo,
  type CommandResult,
  suggestCommands,
} from "../../lib/shared/commands.ts";

/** The commands offered for the draft, and the chosen one's index; null: no list. */
export type CommandChoice = { items: CommandInfo[]; index: number };

/**
 * The list for `draft` (`/`, `/sh`…), keeping the chosen command when it is still offered;
 * null when the draft names no command being typed or none matches.
 */
export function commandChoice(draft: string, before: CommandChoice | null): CommandChoice | null {
  const items = suggestCommands(draft);
  if (!items?.length) return null;
  const chosen = before?.items[before.index]?.name;
  const index = Math.max(0, items.findIndex((c) => c.name === chosen));
  return { items, index };
}

/** The choice moved by an arrow key (wrapping around). */
export function moveChoice(choice: CommandChoice, step: 1 | -1): CommandChoice {
  const n = choice.items.length;
  return { ...choice, index: (choice.index + step + n) % n };
}

/**
 * Whether Enter should send the draft rather than complete it: the chosen command is typed out
 * in full and takes nothing after it (`/help`, `/leave`).
 */
export function sendsAsTyped(draft: string, choice: CommandChoice): boolean {
  const chosen = choice.items[choice.index];
  return chosen.args === "" && draft.toLowerCase() === `/${chosen.name}`;
}

/** The option id of a command in the list (the composer's `aria-activedescendant`). */
export const commandOptionId = (listId: string, info: CommandInfo) => `${listId}-${info.name}`;

/**
 * Runs `text` in the conversation (a thread's `/me` and `/shrug` reply there): what it did,
 * or an Error with the server's words (an unknown command, a refusal).
 */
export async function postCommand(
  conversationId: string,
  text: string,
  parentSeq?: number,
): Promise<CommandResult> {
  let res: Response;
  try {
    res = await fetch(`/api/conversations/${conversationId}/commands`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text, parentSeq, clientId: newClientId() }),
    });
  } catch {
    throw new Error("The command could not be sent: check your connection and try again.");
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const message = body?.error?.message;
    throw new Error(typeof message === "string" ? message : "The command did not run. Try again.");
  }
  return body.result as CommandResult;
}
