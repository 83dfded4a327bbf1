/**
 * Outgoing webhooks (issue 19): a conversation's participants point its messages at an https
 * address of theirs. Each webhook has its own bot account (a participant) that the
 * receiver's answers post as, and a secret that signs every delivery. What is stored:
 * `outgoingHookKey(conv, id)` → the record (secret included: it signs), `webhookIdKey(id)` →
 * where it is, and, while the conversation has any, `outgoingCursorKey(conv)`: the seq up to
 * which its messages were queued (outgoing_delivery.ts reads it). Deliveries are logged for a
 * week under `deliveryLogKey`.
 */
import { z } from "zod";
import { ulid } from "ulid";
import { createUserWithoutPassword, updateAccountFlags } from "../accounts/mod.ts";
import {
  addParticipants,
  type ConversationRecord,
  getConversationRecordForUser,
  getHeadSeq,
  removeParticipant,
} from "../conversations/mod.ts";
import { AppError, ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import { AddressRefusedError, checkUrl } from "../outbound/mod.ts";
import { describeError, log } from "../ops/mod.ts";
import type { User } from "../shared/user.ts";
import {
  commitWithRetry,
  deliveryLogPrefix,
  isId,
  outgoingCursorKey,
  outgoingHookKey,
  outgoingHooksPrefix,
  webhookIdKey,
} from "../storage/mod.ts";

import type { DeliveryEntry, OutgoingHookRecord, OutgoingWebhookInfo } from "./outgoing_types.ts";

export type { DeliveryEntry, OutgoingHookRecord, OutgoingWebhookInfo } from "./outgoing_types.ts";
export {
  OUTGOING_QUEUE,
  outgoingHandler,
  type OutgoingJob,
  type OutgoingWebhooks,
  type OutgoingWebhooksOptions,
  queueOutgoing,
  signBody,
  startOutgoingWebhooks,
} from "./outgoing_delivery.ts";

/** Outgoing webhooks a conversation may have. */
export const MAX_OUTGOING_WEBHOOKS = 10;
/** Deliveries the log route shows (newest first); each stays a week. */
export const DELIVERY_LOG_LIMIT = 50;
export const DELIVERY_LOG_TTL_MS = 7 * 24 * 60 * 60_000;

const triggerWordSchema = z.string().trim().min(1).max(32).regex(
  /^\S+$/,
  "A trigger word is one word.",
);

/** Repeated or single form fields become a list; a form's text field is split on commas and spaces. */
const listOf = (value: unknown) =>
  typeof value === "string"
    ? value.split(/[\s,]+/).filter((w) => w !== "")
    : value === undefined || value === null
    ? undefined
    : value;

/** What creates an outgoing webhook (JSON, or the panel's form: `triggerWords` a text field). */
export const outgoingWebhookInputSchema = z.object({
  url: z.string().trim().min(1, "Give the address to send to.").max(2000),
  events: z.preprocess(
    (v) => (typeof v === "string" ? [v] : v),
    z.array(z.literal("message")).min(1).max(1),
  ).default(["message"]),
  triggerWords: z.preprocess(
    listOf,
    z.array(triggerWordSchema).max(10, "At most 10 trigger words.").optional(),
  ),
  name: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.string().trim().min(1).max(64).optional(),
  ),
});
export type OutgoingWebhookInput = z.infer<typeof outgoingWebhookInputSchema>;

export function toInfo(record: OutgoingHookRecord): OutgoingWebhookInfo {
  const { secret: _secret, conversationId: _conversationId, afterSeq: _afterSeq, ...info } = record;
  return info;
}

/**
 * A participant's conversation where webhooks may live: a channel or a group (direct → 409
 * `direct_conversation`, a project's own → 409 `project_conversation`); outsiders 404.
 */
async function hookableConversation(
  kv: Deno.Kv,
  conversationId: string,
  user: User,
): Promise<ConversationRecord> {
  const record = await getConversationRecordForUser(kv, conversationId, user.id);
  if (record.kind === "direct") {
    throw new ConflictError(
      "A direct conversation has no webhooks: use a group or a channel.",
      "direct_conversation",
    );
  }
  if (record.kind === "project") {
    throw new ConflictError(
      "A project's own conversation follows the project's members: use a channel or a group.",
      "project_conversation",
    );
  }
  return record;
}

/** The conversation's outgoing webhooks as stored, oldest first. */
export async function listOutgoingRecords(
  kv: Deno.Kv,
  conversationId: string,
): Promise<OutgoingHookRecord[]> {
  if (!isId(conversationId)) return [];
  const out: OutgoingHookRecord[] = [];
  for await (
    const e of kv.list<OutgoingHookRecord>({ prefix: outgoingHooksPrefix(conversationId) })
  ) {
    out.push(e.value);
  }
  return out;
}

/** What the conversation panel shows (the caller checked that its viewer takes part). */
export async function listOutgoingWebhooks(
  kv: Deno.Kv,
  conversationId: string,
): Promise<OutgoingWebhookInfo[]> {
  return (await listOutgoingRecords(kv, conversationId)).map(toInfo);
}

/** A participant's list (404 for outsiders). */
export async function listOutgoingWebhooksFor(
  kv: Deno.Kv,
  conversationId: string,
  user: User,
): Promise<OutgoingWebhookInfo[]> {
  await getConversationRecordForUser(kv, conversationId, user.id);
  return await listOutgoingWebhooks(kv, conversationId);
}

/**
 * Creates an outgoing webhook: the address checked (400 `address_refused`), at most
 * MAX_OUTGOING_WEBHOOKS (409 `limit_reached`), its bot made and added. Returns it with the
 * secret, which is never shown again.
 */
export async function createOutgoingWebhook(
  kv: Deno.Kv,
  user: User,
  conversationId: string,
  input: OutgoingWebhookInput,
  options: { allowPrivate: boolean },
): Promise<{ webhook: OutgoingWebhookInfo; secret: string }> {
  const conv = await hookableConversation(kv, conversationId, user);
  if (conv.archived) throw new ConflictError("This channel is archived.", "archived");
  let url: URL;
  try {
    url = await checkUrl(input.url, { allowPrivate: options.allowPrivate });
  } catch (err) {
    const reason = err instanceof AddressRefusedError ? err.reason : "its name does not resolve";
    throw new AppError(400, "address_refused", `That address cannot be used: ${reason}.`, {
      url: `Refused: ${reason}.`,
    });
  }
  const existing = await listOutgoingRecords(kv, conv.id);
  if (existing.length >= MAX_OUTGOING_WEBHOOKS) {
    throw new ConflictError(
      `A conversation has at most ${MAX_OUTGOING_WEBHOOKS} outgoing webhooks.`,
      "limit_reached",
    );
  }
  const id = ulid();
  const secret = randomSecret();
  const name = input.name ?? url.hostname;
  const base = {
    id,
    conversationId: conv.id,
    name,
    url: url.href,
    events: input.events,
    triggerWords: [...new Set((input.triggerWords ?? []).map((w) => w.toLowerCase()))],
    secret,
    createdBy: user.id,
    createdAt: new Date().toISOString(),
  };
  // The record, its id and the cursor (created with the first webhook, at the head's seq:
  // older messages are not sent) land with the bot's account in one commit. It checks the
  // cursor, which every new message moves: in a busy conversation it may take a few tries.
  let bot: User | null = null;
  for (let attempt = 0; attempt < 8 && !bot; attempt++) {
    const [cursor, head] = await Promise.all([
      kv.get<number>(outgoingCursorKey(conv.id)),
      getHeadSeq(kv, conv.id),
    ]);
    bot = await createUserWithoutPassword(
      kv,
      { username: `hook-${id}`.toLowerCase(), displayName: name },
      {
        bot: { ownerId: user.id, webhookId: id },
        withinCommit: (op, bot) => {
          const record: OutgoingHookRecord = { ...base, botId: bot.id, afterSeq: head };
          // Checked (and set again) so that a delete of the last webhook that drops the
          // cursor meanwhile makes this commit fail instead of leaving one without it.
          return op.check(cursor)
            .set(outgoingHookKey(conv.id, id), record)
            .set(webhookIdKey(id), { conversationId: conv.id, kind: "outgoing" })
            .set(outgoingCursorKey(conv.id), cursor.value ?? head);
        },
      },
    );
  }
  if (!bot) {
    throw new ConflictError("The webhook could not be made just now: try again.", "conflict");
  }
  await addParticipants(kv, conv.id, [bot.id]);
  const record: OutgoingHookRecord = { ...base, botId: bot.id };
  log("info", "outgoing webhook created", { conversationId: conv.id, hookId: id });
  return { webhook: toInfo(record), secret };
}

/**
 * Deletes an outgoing webhook (its creator or a site admin; others 403): its bot leaves the
 * conversation and is disabled (its messages stay); the cursor goes with the last one.
 * Deliveries still queued are dropped when they come due.
 */
export async function deleteOutgoingWebhook(
  kv: Deno.Kv,
  user: User,
  conversationId: string,
  hookId: string,
): Promise<void> {
  const record = await getOutgoingForUser(kv, user, conversationId, hookId);
  if (record.createdBy !== user.id && !user.isAdmin) {
    throw new ForbiddenError("Only its creator or a site admin may delete this webhook.");
  }
  await commitWithRetry(async () => {
    const [hook, cursor] = await kv.getMany<[OutgoingHookRecord, number]>([
      outgoingHookKey(conversationId, hookId),
      outgoingCursorKey(conversationId),
    ]);
    if (!hook.value) return true;
    const others = (await listOutgoingRecords(kv, conversationId)).filter((h) => h.id !== hookId);
    const op = kv.atomic().check(hook, cursor)
      .delete(outgoingHookKey(conversationId, hookId))
      .delete(webhookIdKey(hookId));
    if (others.length === 0) op.delete(outgoingCursorKey(conversationId));
    return (await op.commit()).ok ? true : null;
  });
  try {
    await removeParticipant(kv, conversationId, record.botId);
  } catch (err) {
    // The conversation went meanwhile: nothing to leave.
    if (!(err instanceof NotFoundError)) throw err;
  }
  try {
    await updateAccountFlags(kv, record.botId, { disabled: true });
  } catch (err) {
    log("warn", "outgoing webhook's bot not disabled", { hookId, ...describeError(err) });
  }
  log("info", "outgoing webhook deleted", { conversationId, hookId });
}

/** A webhook of a conversation the user takes part in (404 otherwise, the same for both). */
async function getOutgoingForUser(
  kv: Deno.Kv,
  user: User,
  conversationId: string,
  hookId: string,
): Promise<OutgoingHookRecord> {
  await getConversationRecordForUser(kv, conversationId, user.id);
  const entry = isId(hookId)
    ? await kv.get<OutgoingHookRecord>(outgoingHookKey(conversationId, hookId))
    : null;
  if (!entry?.value) throw new NotFoundError("Webhook not found.");
  return entry.value;
}

/**
 * The last DELIVERY_LOG_LIMIT delivery attempts of a webhook, newest first: for its creator
 * or a site admin (others 403; outsiders 404).
 */
export async function listDeliveries(
  kv: Deno.Kv,
  user: User,
  conversationId: string,
  hookId: string,
  limit = DELIVERY_LOG_LIMIT,
): Promise<{ webhook: OutgoingWebhookInfo; deliveries: DeliveryEntry[] }> {
  const record = await getOutgoingForUser(kv, user, conversationId, hookId);
  if (record.createdBy !== user.id && !user.isAdmin) {
    throw new ForbiddenError("Only its creator or a site admin may see its deliveries.");
  }
  return { webhook: toInfo(record), deliveries: await recentDeliveries(kv, hookId, limit) };
}

/** A webhook's last `limit` delivery attempts, newest first (no access check). */
export async function recentDeliveries(
  kv: Deno.Kv,
  hookId: string,
  limit = DELIVERY_LOG_LIMIT,
): Promise<DeliveryEntry[]> {
  const out: DeliveryEntry[] = [];
  const iter = kv.list<DeliveryEntry>({ prefix: deliveryLogPrefix(hookId) }, {
    reverse: true,
    limit,
  });
  for await (const e of iter) out.push(e.value);
  return out;
}

/** 32 random bytes, base64url. */
function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}
