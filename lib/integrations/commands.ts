/**
 * Slash commands: what `/me`, `/shrug`, `/topic`, `/invite`, `/leave`, `/mute` and `/help`
 * do, run for a participant of the conversation. Each does what the matching route does
 * (the same lib functions, the same refusals and system messages), so a command is only
 * another way to ask. The list and the parsing are lib/shared/commands.ts (the composer
 * suggests from the same list).
 */
import type { User } from "../accounts/mod.ts";
import { getUsersByUsernames } from "../accounts/mod.ts";
import {
  addMembers,
  type ConversationRecord,
  leaveConversation,
  updateConversation,
} from "../conversations/mod.ts";
import { ValidationError } from "../errors.ts";
import type { SystemRecord } from "../messages/mod.ts";
import { getNotifyPrefs, setNotifyPref } from "../notify/mod.ts";
import { describeError, log } from "../ops/mod.ts";
import { requireProjectMembers } from "../projects/mod.ts";
import type { Hub } from "../realtime/mod.ts";
import { type CommandResult, COMMANDS, readComposerText, shownName } from "../shared/commands.ts";
import { MAX_MESSAGE_CHARS, MESSAGE_TOO_LONG } from "../shared/limits.ts";

export { type CommandInfo, type CommandResult, COMMANDS } from "../shared/commands.ts";

/** A command to run: `user` takes part in `conversation` (the caller checked). */
export type CommandRequest = {
  user: User;
  conversation: ConversationRecord;
  /** The composer's text, `/name args`. */
  text: string;
  /** Sent from a thread: `/me` and `/shrug` reply in it. */
  parentSeq?: number;
  /** The sent message's clientId (a retried `/me` is stored once). */
  clientId?: string;
  /** Counts a change of the conversation's people or settings (the routes' "leave" limit). */
  limit?: () => Promise<void>;
};

/** The shrug, escaped so Markdown keeps its backslash and underscores: ¯\_(ツ)_/¯. */
export const SHRUG_MARKDOWN = "¯\\\\\\_(ツ)\\_/¯";

/**
 * Runs `request.text` as a command. ValidationError "unknown_command" when the text is not a
 * known command (or not a command at all); otherwise each command's own refusals, as its
 * route answers them (e.g. ConflictError "direct_conversation" for /topic in a direct
 * conversation, ValidationError naming an unknown person for /invite).
 */
export async function runCommand(
  ctx: { kv: Deno.Kv; hub: Hub },
  request: CommandRequest,
): Promise<{ command: string; result: CommandResult }> {
  const read = readComposerText(request.text);
  if (read.kind === "message") {
    throw new ValidationError(
      "That is not a command: a command starts with one /. Type /help to see the commands.",
      { text: "Start with / and a command's name." },
      "unknown_command",
    );
  }
  const run = RUNNERS[read.name];
  if (!run) {
    const says = read.name
      ? `There is no /${shownName(read.name)} command. Type /help to see the commands.`
      : "Type a command's name after the /. Type /help to see the commands.";
    throw new ValidationError(says, { text: says }, "unknown_command");
  }
  return { command: read.name, result: await run(ctx, request, read.args) };
}

type Runner = (
  ctx: { kv: Deno.Kv; hub: Hub },
  request: CommandRequest,
  args: string,
) => Promise<CommandResult>;

const RUNNERS: Record<string, Runner> = {
  me: async (ctx, request, args) => {
    if (!args) throw usage("/me waves", "Write what you are doing after /me");
    // One paragraph in italics: backslashes and underscores escaped, so the text cannot end
    // the emphasis early (`_` Markdown needs its pair on one paragraph).
    const text = args.replace(/\s+/g, " ").replace(/[\\_]/g, "\\$&");
    return await sendAs(ctx, request, `_${text}_`);
  },
  shrug: async (ctx, request, args) =>
    await sendAs(ctx, request, args ? `${args} ${SHRUG_MARKDOWN}` : SHRUG_MARKDOWN),
  topic: async ({ kv, hub }, request, args) => {
    if (!args) throw usage("/topic Launch on Friday", "Write the new topic after /topic");
    await request.limit?.();
    const { user, conversation } = request;
    const { record, events } = await updateConversation(kv, conversation.id, user, {
      topic: args,
    });
    await announce(hub, user, record.id, events);
    return {
      kind: "done",
      text: events.length ? `Topic set: ${record.topic}` : "The topic is that already.",
    };
  },
  invite: async ({ kv, hub }, request, args) => {
    const names = [
      ...new Set(
        args.split(/[\s,]+/).map((n) => n.replace(/^@/, "").toLowerCase()).filter(Boolean),
      ),
    ];
    if (names.length === 0) throw usage("/invite @ann @ben", "Name who to invite after /invite");
    if (names.length > 255) throw usage("/invite @ann @ben", "Invite at most 255 people at once");
    await request.limit?.();
    const { user, conversation } = request;
    const found = await getUsersByUsernames(kv, names);
    const missing = names.filter((n) => !found.some((u) => u.username === n));
    if (missing.length) {
      const says = `Nobody is called ${missing.map((n) => `@${shownName(n)}`).join(", ")}.`;
      throw new ValidationError(says, { text: says });
    }
    // A group inside a project takes only the project's members (as the members route).
    if (conversation.kind === "group" && conversation.projectId) {
      await requireProjectMembers(kv, conversation.projectId, found);
    }
    const { record, added } = await addMembers(kv, conversation.id, user, found);
    if (added.length) await announce(hub, user, record.id, [{ event: "added", userIds: added }]);
    const addedNames = found.filter((u) => added.includes(u.id)).map((u) => u.displayName);
    return {
      kind: "done",
      text: addedNames.length
        ? `Added ${addedNames.join(", ")}.`
        : "They are in this conversation already.",
    };
  },
  leave: async ({ kv, hub }, request) => {
    await request.limit?.();
    const { user, conversation } = request;
    const { record, deleted } = await leaveConversation(kv, conversation.id, user.id);
    hub.evict(record.id, user.id);
    if (!deleted) await announce(hub, user, record.id, [{ event: "left" }]);
    return { kind: "left" };
  },
  mute: async ({ kv }, request) => {
    const { user, conversation } = request;
    const [pref] = await getNotifyPrefs(kv, [user.id], conversation);
    const notifications = { ...pref, muted: !pref.muted };
    await setNotifyPref(kv, user.id, conversation.id, notifications);
    return {
      kind: "done",
      text: notifications.muted
        ? "Muted: this conversation will not notify you. Type /mute again to unmute."
        : "Unmuted: this conversation notifies you again.",
      notifications,
    };
  },
  help: () => Promise.resolve({ kind: "help", commands: [...COMMANDS] }),
};

/** A command used without what it needs: how to write it. */
function usage(example: string, says: string): ValidationError {
  const message = `${says}, e.g. ${example}.`;
  return new ValidationError(message, { text: message });
}

/** Sends `content` as the user's message (in the thread when asked), through the hub. */
async function sendAs(
  { hub }: { hub: Hub },
  request: CommandRequest,
  content: string,
): Promise<CommandResult> {
  if (content.length > MAX_MESSAGE_CHARS) {
    throw new ValidationError(MESSAGE_TOO_LONG, { text: MESSAGE_TOO_LONG });
  }
  const { message } = await hub.send(request.user, {
    conversationId: request.conversation.id,
    content,
    clientId: request.clientId,
    parentSeq: request.parentSeq,
  });
  return { kind: "sent", message };
}

/**
 * Posts the system messages of a change already committed: a failure to post one is
 * logged, never the command's failure (as routes/api/membership.ts's announce).
 */
async function announce(
  hub: Hub,
  actor: User,
  conversationId: string,
  events: SystemRecord[],
): Promise<void> {
  for (const system of events) {
    try {
      await hub.sendSystem(actor, conversationId, system);
    } catch (err) {
      log("warn", "system message not posted", {
        conversationId,
        event: system.event,
        ...describeError(err),
      });
    }
  }
}
