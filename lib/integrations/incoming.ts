/**
 * Incoming webhooks: a conversation's addresses that programs post messages to, in Slack's
 * shape (`{text, username?}`). Each webhook speaks through a bot account of its own (no
 * password, no token) that takes part in the conversation, so every rule of sending (the
 * participant check, archived channels, the per-user limit, live delivery) applies to it as
 * to anyone. The secret lives in the address, which the conversation's participants see (as
 * in Slack), so it is stored as it is, and compared in constant time.
 */
import { ulid } from "ulid";
import { z } from "zod";
import {
  createUserWithoutPassword,
  displayNameSchema,
  getActiveUserById,
  getUsersByIds,
  timingSafeEqual,
  updateAccountFlags,
  type User,
} from "../accounts/mod.ts";
import {
  addParticipants,
  type ConversationRecord,
  getConversationRecord,
  getConversationRecordForUser,
  removeParticipant,
} from "../conversations/mod.ts";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import { hitRateLimit } from "../ops/mod.ts";
import type { Hub } from "../realtime/mod.ts";
import { MAX_MESSAGE_CHARS } from "../shared/limits.ts";
import type { Message } from "../shared/message.ts";
import { cleanName } from "../shared/names.ts";
import { webhookIdKey, webhookKey, webhooksPrefix } from "../storage/mod.ts";

/** At most this many incoming webhooks per conversation. */
export const MAX_INCOMING_WEBHOOKS = 10;
/** Posts per webhook per minute (times RATE_LIMIT_SCALE). */
export const WEBHOOK_POSTS_PER_MINUTE = 60;

/** What KV keeps under webhookKey. */
type IncomingWebhookRecord = {
  id: string;
  conversationId: string;
  name: string;
  secret: string;
  botId: string;
  createdBy: string;
  createdAt: string;
};

/** What webhookIdKey keeps: where a webhook's record is, whichever kind it is. */
type WebhookIdEntry = { conversationId: string; kind: "incoming" | "outgoing" };

/** An incoming webhook as participants see it (the address carries its secret). */
export type IncomingWebhookInfo = {
  id: string;
  name: string;
  url: string;
  /** The bot account its messages come from. */
  botId: string;
  createdBy: User;
  createdAt: string;
};

/** `POST …/webhooks` and its form: the name its messages show (like a display name). */
export const incomingWebhookCreateSchema = z.object({
  name: displayNameSchema.meta({
    description: "The name its messages show (1–64 characters), e.g. “Deploys”.",
  }),
});

/** The name a post may show instead of the webhook's: cleaned like a display name, or none. */
const senderNameSchema = z.string().transform(cleanName).pipe(
  z.string().max(64, "Use at most 64 characters in `username`."),
);

/** A Slack-shaped message (any other fields, such as `channel` or `icon_emoji`, are ignored). */
export const slackMessageSchema = z.object({
  text: z.string({ error: "Send the message's text as a string in `text`." }).trim()
    .min(1, "`text` is empty: send the message's text in it.")
    .max(
      MAX_MESSAGE_CHARS,
      `Keep \`text\` under ${MAX_MESSAGE_CHARS.toLocaleString("en")} characters.`,
    ),
  username: senderNameSchema.optional(),
});

/**
 * What `POST /hooks/:id/:secret` reads: Slack's message as JSON, or a form with `payload`
 * (that JSON) or with `text` and `username` as fields.
 */
export const incomingHookBodySchema = z.object({
  text: z.string({ error: "Send the message's text as a string in `text`." }).optional().meta({
    description: "The message (Markdown), 1–4,000 characters. Required unless `payload` is sent.",
  }),
  username: z.string({ error: "Send `username` as a string." }).optional().meta({
    description: "A name to show instead of the webhook's (at most 64 characters).",
  }),
  payload: z.string().optional().meta({
    description: "Forms: the message as JSON (`{text, username?}`), as Slack accepts it.",
  }),
});

/** The message a hook's body asks for, or a ValidationError naming what is wrong. */
export function slackMessageOf(
  body: z.infer<typeof incomingHookBodySchema>,
): z.infer<typeof slackMessageSchema> {
  let raw: unknown = {
    text: body.text,
    ...(body.username !== undefined ? { username: body.username } : {}),
  };
  if (body.payload !== undefined) {
    try {
      raw = JSON.parse(body.payload);
    } catch {
      const says = '`payload` is not JSON: send `{"text": "…"}`.';
      throw new ValidationError(says, { payload: says });
    }
  }
  const parsed = slackMessageSchema.safeParse(raw);
  if (parsed.success) {
    // A username of nothing but invisible characters names nothing.
    const { text, username } = parsed.data;
    return username ? { text, username } : { text };
  }
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    fields[String(issue.path[0] ?? "text")] ??= issue.message;
  }
  throw new ValidationError(Object.values(fields)[0] ?? "The message is not valid.", fields);
}

/** The address a webhook is posted to. */
export function incomingWebhookUrl(base: string, id: string, secret: string): string {
  return `${base.replace(/\/+$/, "")}/hooks/${id}/${secret}`;
}

/** Channels and groups take webhooks; a direct or a project's conversation does not. */
function requireWebhookKind(record: ConversationRecord): void {
  if (record.kind === "direct") {
    throw new ConflictError(
      "A direct conversation takes no webhooks: add one to a group or a channel.",
      "direct_conversation",
    );
  }
  // A project's groups take only the project's members: a bot is none.
  if (record.kind === "project" || record.projectId) {
    throw new ConflictError(
      "A project's conversations take no webhooks: add one to a group or a channel.",
      "project_conversation",
    );
  }
}

function archivedError(): ConflictError {
  return new ConflictError("This channel is archived: it takes no webhooks.", "archived");
}

async function listRecords(kv: Deno.Kv, conversationId: string) {
  const records: IncomingWebhookRecord[] = [];
  for await (
    const e of kv.list<IncomingWebhookRecord>({ prefix: webhooksPrefix(conversationId) })
  ) {
    records.push(e.value);
  }
  return records;
}

async function viewsOf(
  kv: Deno.Kv,
  records: IncomingWebhookRecord[],
  base: string,
): Promise<IncomingWebhookInfo[]> {
  const creators = new Map(
    (await getUsersByIds(kv, [...new Set(records.map((r) => r.createdBy))])).map((u) => [u.id, u]),
  );
  return records.map((r) => ({
    id: r.id,
    name: r.name,
    url: incomingWebhookUrl(base, r.id, r.secret),
    botId: r.botId,
    createdBy: creators.get(r.createdBy) ??
      { id: r.createdBy, username: "deleted", displayName: "Deleted user" },
    createdAt: r.createdAt,
  }));
}

/**
 * The conversation's incoming webhooks, oldest first, with their addresses under `base`.
 * NotFoundError unless `userId` takes part.
 */
export async function listIncomingWebhooks(
  kv: Deno.Kv,
  conversationId: string,
  options: { userId: string; base: string },
): Promise<IncomingWebhookInfo[]> {
  await getConversationRecordForUser(kv, conversationId, options.userId);
  return await viewsOf(kv, await listRecords(kv, conversationId), options.base);
}

/**
 * `actor`, a participant of a group or channel, adds an incoming webhook: its record and its
 * bot account in one commit, then the bot as a participant. NotFoundError for outsiders;
 * ForbiddenError `not_for_bots` for a bot;
 * ConflictError `direct_conversation`, `project_conversation`, `archived`, or
 * `limit_reached` past MAX_INCOMING_WEBHOOKS. Returns the webhook and its bot.
 */
export async function createIncomingWebhook(
  kv: Deno.Kv,
  conversationId: string,
  actor: User,
  input: { name: string; base: string },
): Promise<{ webhook: IncomingWebhookInfo; bot: User }> {
  // A webhook is a bot account: bots make none (as they make no bots or tokens).
  if (actor.isBot) throw new ForbiddenError("A bot cannot create webhooks.", "not_for_bots");
  const record = await getConversationRecordForUser(kv, conversationId, actor.id);
  requireWebhookKind(record);
  if (record.archived) throw archivedError();
  // Counted before the commit: two creations at the same instant may both pass (one over).
  if ((await listRecords(kv, conversationId)).length >= MAX_INCOMING_WEBHOOKS) {
    throw new ConflictError(
      `A conversation has at most ${MAX_INCOMING_WEBHOOKS} incoming webhooks: delete one first.`,
      "limit_reached",
    );
  }
  const id = ulid();
  const hook: IncomingWebhookRecord = {
    id,
    conversationId,
    name: input.name,
    secret: newSecret(),
    botId: "",
    createdBy: actor.id,
    createdAt: new Date().toISOString(),
  };
  const bot = await createUserWithoutPassword(
    kv,
    { username: `hook-${id.toLowerCase()}`, displayName: input.name },
    {
      bot: { ownerId: actor.id, webhookId: id },
      withinCommit: (op, user) =>
        op.check({ key: webhookIdKey(id), versionstamp: null })
          .set(webhookKey(conversationId, id), { ...hook, botId: user.id })
          .set(webhookIdKey(id), { conversationId, kind: "incoming" } satisfies WebhookIdEntry),
    },
  );
  // A fresh ULID's username is never taken: only a lost race on the same id gets here.
  if (!bot) throw new ConflictError("The webhook could not be created: try again.");
  try {
    await addParticipants(kv, conversationId, [bot.id], (now) => {
      if (!now.participantIds.includes(actor.id)) {
        throw new NotFoundError("Conversation not found.");
      }
      if (now.archived) throw archivedError();
    });
  } catch (err) {
    // Not let in (left, archived, full meanwhile): nothing of the webhook stays usable.
    await dropWebhook(kv, conversationId, id, bot.id);
    throw err;
  }
  const [webhook] = await viewsOf(kv, [{ ...hook, botId: bot.id }], input.base);
  return { webhook, bot };
}

/**
 * Deletes an incoming webhook: its creator or a site admin, taking part (others
 * ForbiddenError; outsiders and unknown ids NotFoundError). Its bot leaves the conversation
 * and is disabled; its messages stay. Returns the bot's id.
 */
export async function deleteIncomingWebhook(
  kv: Deno.Kv,
  conversationId: string,
  hookId: string,
  actor: User,
): Promise<{ botId: string }> {
  await getConversationRecordForUser(kv, conversationId, actor.id);
  const hook = (await kv.get<IncomingWebhookRecord>(webhookKey(conversationId, hookId))).value;
  if (!hook) throw new NotFoundError("No such webhook in this conversation.");
  if (hook.createdBy !== actor.id && !actor.isAdmin) {
    throw new ForbiddenError("Only the webhook's creator or a site admin may delete it.");
  }
  await dropWebhook(kv, conversationId, hookId, hook.botId);
  return { botId: hook.botId };
}

/** The record and its id entry go, the bot leaves and is disabled (each step idempotent). */
async function dropWebhook(kv: Deno.Kv, conversationId: string, hookId: string, botId: string) {
  await kv.atomic().delete(webhookKey(conversationId, hookId)).delete(webhookIdKey(hookId))
    .commit();
  await removeParticipant(kv, conversationId, botId).catch((err) => {
    if (!(err instanceof NotFoundError)) throw err;
  });
  await updateAccountFlags(kv, botId, { disabled: true }).catch((err) => {
    if (!(err instanceof NotFoundError)) throw err;
  });
}

const NO_SUCH_HOOK = "No webhook at this address (it was deleted, or the address is wrong).";

/**
 * Posts `message` through webhook `hookId` if `secret` is its own (NotFoundError otherwise,
 * the same for an unknown id and a wrong secret): as the webhook's bot, with `username` as
 * the message's `senderName`, delivered live. RateLimitError past WEBHOOK_POSTS_PER_MINUTE;
 * ConflictError `archived` for an archived channel.
 */
export async function postToIncomingWebhook(
  ctx: { kv: Deno.Kv; hub: Hub; rateLimitScale: number },
  hook: { id: string; secret: string },
  message: z.infer<typeof slackMessageSchema>,
): Promise<Message> {
  const { kv, hub } = ctx;
  const where = (await kv.get<WebhookIdEntry>(webhookIdKey(hook.id))).value;
  const record = where?.kind === "incoming"
    ? (await kv.get<IncomingWebhookRecord>(webhookKey(where.conversationId, hook.id))).value
    : null;
  if (!record || !(await sameSecret(record.secret, hook.secret))) {
    throw new NotFoundError(NO_SUCH_HOOK);
  }
  // Counted once the secret is right: nobody without it can use up the webhook's posts.
  await hitRateLimit(kv, ["hook_post", record.id], {
    limit: WEBHOOK_POSTS_PER_MINUTE,
    windowMs: 60_000,
    scale: ctx.rateLimitScale,
  });
  // A webhook speaks for the person who made it: it stops when their account is disabled or
  // they no longer take part in the conversation (as their own posts would).
  const [bot, creator, conversation] = await Promise.all([
    getActiveUserById(kv, record.botId),
    getActiveUserById(kv, record.createdBy),
    getConversationRecord(kv, record.conversationId),
  ]);
  if (!bot) throw new NotFoundError(NO_SUCH_HOOK);
  if (!creator || !conversation?.participantIds.includes(creator.id)) {
    throw new NotFoundError(
      "The person who made this webhook no longer takes part in the conversation: add a new one.",
    );
  }
  try {
    const { message: sent } = await hub.send(bot, {
      conversationId: record.conversationId,
      content: message.text,
      ...(message.username ? { senderName: message.username } : {}),
    });
    return sent;
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new NotFoundError(
        "This webhook's bot no longer takes part in the conversation: add a new webhook.",
      );
    }
    throw err;
  }
}

/** 24 random bytes, base64url (32 characters). */
function newSecret(): string {
  return crypto.getRandomValues(new Uint8Array(24)).toBase64({ alphabet: "base64url" });
}

/** Compares the digests: as long whatever was sent, and no early exit. */
async function sameSecret(stored: string, given: string): Promise<boolean> {
  const digest = async (s: string) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return timingSafeEqual(await digest(stored), await digest(given));
}
