/**
 * Slash commands (mounted at /api/conversations): `POST /:id/commands {text}` runs a
 * composer's `/command` for a participant (lib/integrations runCommand) and answers what it
 * did; outsiders get the 404 of a missing conversation. Without JavaScript the composer's
 * form post reaches commandFromForm (called by POST /:id/messages), which runs it and
 * redirects back.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { User } from "../../lib/accounts/mod.ts";
import { getConversationRecordForUser } from "../../lib/conversations/mod.ts";
import { runCommand } from "../../lib/integrations/mod.ts";
import { clearSentDraft, clientIdSchema } from "../../lib/messages/mod.ts";
import { readComposerText } from "../../lib/shared/commands.ts";
import { MAX_MESSAGE_CHARS } from "../../lib/shared/limits.ts";
import { type AppCtx, type Env, readBody, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { limitCreation } from "./_limits.ts";

const commandSchema = z.object({
  /** The composer's text: `/name` and what follows. */
  text: z.string().trim().min(1, "Type a command, e.g. /help.").max(MAX_MESSAGE_CHARS).meta({
    description: "The command as typed in the composer, e.g. `/topic Launch on Friday`.",
  }),
  /** From a thread's composer: `/me` and `/shrug` reply in that thread. */
  parentSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().meta({
    description: "A thread's parent: `/me` and `/shrug` reply in that thread.",
  }),
  clientId: clientIdSchema.optional().meta({
    description: "For `/me` and `/shrug`: the message's clientId (a retry is stored once).",
  }),
});

const resultSchema = z.object({
  command: z.string().meta({ description: "The command's name, e.g. `topic`." }),
  result: z.union([
    z.object({ kind: z.literal("sent"), message: z.looseObject({}) }).meta({
      description: "`/me`, `/shrug`: the message sent (the Message shape).",
    }),
    z.object({
      kind: z.literal("done"),
      text: z.string(),
      notifications: z.object({ level: z.string(), muted: z.boolean() }).optional(),
    }).meta({
      description: "`/topic`, `/invite`, `/mute`: what changed, in words " +
        "(`/mute`: your notification setting now).",
    }),
    z.object({ kind: z.literal("left") }).meta({ description: "`/leave`: you left." }),
    z.object({
      kind: z.literal("help"),
      commands: z.array(z.object({ name: z.string(), args: z.string(), description: z.string() })),
    }).meta({ description: "`/help`: the commands, for you alone (stored nowhere)." }),
  ]),
});

/** Counts a change of people or settings like the membership routes do. */
const limiter = (c: AppCtx, user: User) => () => limitCreation(c, user.id, "leave");

export const commandRoutes = new Hono<Env>()
  .post(
    "/:id/commands",
    doc({
      tag: "Commands",
      summary: "Runs a slash command in the conversation.",
      description: "`/me <text>`, `/shrug [text]`, `/topic <text>`, `/invite @user…`, " +
        "`/leave`, `/mute` (toggles), `/help`. Each follows the rules of the route that does " +
        "the same (topic: PATCH /api/conversations/:id; invite: POST …/members; leave; " +
        "notifications) and answers its refusals with their codes.",
      body: commandSchema,
      responses: {
        200: { description: "What the command did.", schema: resultSchema },
        400: "`unknown_command` (no such command, or the text is not one), or " +
          "`invalid_input` (what the command needs is missing, or an unknown person).",
        401: "Not signed in.",
        403: "Not allowed (e.g. /topic in a channel you did not create; /invite of someone " +
          "who blocks you).",
        404: "No such conversation for you.",
        409: "`direct_conversation`, `project_conversation`, `leave_project` or `archived`.",
        429: "Too many changes or messages: wait (Retry-After).",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const { kv, hub } = c.get("ctx");
      // The participant check first: an outsider learns nothing from a malformed body.
      const conversation = await getConversationRecordForUser(kv, c.req.param("id"), user.id);
      const input = await readBody(c, commandSchema);
      const done = await runCommand({ kv, hub }, {
        user,
        conversation,
        ...input,
        limit: limiter(c, user),
      });
      return c.json(done);
    },
  );

/**
 * A composer's form post (no JavaScript) whose text is a slash command: runs it and answers
 * with a 303 (back to the conversation; `/leave` to the start page; `/help` to the commands
 * page), or null when the text is not a command (it is sent as a message then). `//text`
 * sends `/text`. From a thread's composer (`parentSeq`), `/me`, `/shrug` and `//text` reply
 * in the thread and the answer goes back to it. A refusal is thrown: the app's error handler
 * sends the form back with `?error=<code>`.
 */
export async function commandFromForm(
  c: AppCtx,
  user: User,
  conversationId: string,
  text: string,
  parentSeq?: number,
): Promise<Response | null> {
  const read = readComposerText(text);
  if (read.kind === "message" && read.content === text) return null;
  const { kv, hub } = c.get("ctx");
  const conversation = await getConversationRecordForUser(kv, conversationId, user.id);
  const page = `/conversations/${conversation.id}${parentSeq ? `?thread=${parentSeq}` : ""}`;
  let to: string;
  if (read.kind === "message") {
    // `//etc`: the message `/etc`.
    const { message } = await hub.send(user, { conversationId, content: read.content, parentSeq });
    to = `${page}#m${message.seq}`;
  } else {
    const { result } = await runCommand({ kv, hub }, {
      user,
      conversation,
      text,
      parentSeq,
      limit: limiter(c, user),
    });
    to = result.kind === "sent"
      ? `${page}#m${result.message.seq}`
      : result.kind === "left"
      ? "/"
      : result.kind === "help"
      ? `/commands?conversation=${encodeURIComponent(conversation.id)}`
      : page;
  }
  // Sent or done: the draft the form started from goes, on every device (as a message's).
  if (read.kind === "message" || to !== "/") {
    const where = { userId: user.id, conversationId, parentSeq: parentSeq ?? null };
    if (await clearSentDraft(kv, where)) {
      hub.draftChanged(user.id, conversationId, where.parentSeq, "");
    }
  }
  return c.redirect(to, 303);
}
