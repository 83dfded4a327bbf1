/**
 * Slash commands as both sides see them: the list the composer suggests and `/help` shows,
 * and how a composer's text is read (a command, or a message). The server runs them
 * (lib/integrations/commands.ts); the composer suggests them as you type `/`.
 */

import type { Message } from "./message.ts";
import type { NotifyPref } from "./notify_prefs.ts";

/** A command as the list shows it: `/name args` and what it does. */
export type CommandInfo = { name: string; args: string; description: string };

/** Every command, in the order the list shows them. */
export const COMMANDS: readonly CommandInfo[] = [
  { name: "me", args: "<text>", description: "Say what you are doing, in italics (/me waves)." },
  { name: "shrug", args: "[text]", description: "Send your text with ¯\\_(ツ)_/¯ after it." },
  { name: "topic", args: "<text>", description: "Set the conversation's topic." },
  { name: "invite", args: "@user …", description: "Add people: one or more @names." },
  { name: "leave", args: "", description: "Leave this conversation." },
  { name: "mute", args: "", description: "Mute this conversation's notifications, or unmute." },
  { name: "help", args: "", description: "List the commands (only you see it)." },
];

/** What a command did: sent a message, changed something, took you out, or the list. */
export type CommandResult =
  | { kind: "sent"; message: Message }
  | { kind: "done"; text: string; notifications?: NotifyPref }
  | { kind: "left" }
  | { kind: "help"; commands: CommandInfo[] };

/** How the command is written: `/topic <text>`. */
export function commandUsage(info: CommandInfo): string {
  return info.args ? `/${info.name} ${info.args}` : `/${info.name}`;
}

/** What a composer's text is: a command (name lowercased, the rest trimmed) or a message. */
export type ComposerText =
  | { kind: "command"; name: string; args: string }
  | { kind: "message"; content: string };

/**
 * Reads a composer's text: one starting with `/` is a command; `//` escapes it (`//etc` sends
 * `/etc` as a message); anything else is a message as written.
 */
export function readComposerText(text: string): ComposerText {
  const trimmed = text.trim();
  if (trimmed.startsWith("//")) return { kind: "message", content: trimmed.slice(1) };
  const match = /^\/(\S*)([\s\S]*)$/.exec(trimmed);
  if (!match) return { kind: "message", content: text };
  return { kind: "command", name: match[1].toLowerCase(), args: match[2].trim() };
}

/**
 * The commands to suggest for a draft that is a command being named (`/`, `/sh`: nothing
 * after the name yet), those whose name starts with what is typed; null for any other draft.
 */
export function suggestCommands(draft: string): CommandInfo[] | null {
  const match = /^\/([A-Za-z]*)$/.exec(draft);
  if (!match) return null;
  const typed = match[1].toLowerCase();
  return COMMANDS.filter((c) => c.name.startsWith(typed));
}

/** A command's name as an error repeats it: at most 32 characters of what was typed. */
export function shownName(name: string): string {
  const chars = [...name];
  return chars.length > 32 ? `${chars.slice(0, 32).join("")}…` : name;
}
