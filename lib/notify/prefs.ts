/**
 * Who wants to hear of what: each person's level per conversation (`all`, `mentions`,
 * `nothing`) and mute, and their do-not-disturb. Direct conversations default to `all`, every
 * other kind to `mentions`; a stored setting wins. Read by the notifier (dispatch.ts) and the
 * pages; written by routes/api/notifications.ts.
 */
import { z } from "zod";
import { dndKey, getManyChunked, notifyPrefKey } from "../storage/mod.ts";
import type { ConversationKind } from "../conversations/mod.ts";

export const notifyLevelSchema = z.enum(["all", "mentions", "nothing"]);
export type NotifyLevel = z.infer<typeof notifyLevelSchema>;

export const notifyPrefSchema = z.object({
  level: notifyLevelSchema,
  muted: z.boolean(),
}).strict();
export type NotifyPref = z.infer<typeof notifyPrefSchema>;

/** What a person gets in a conversation of this kind until they choose. */
export function defaultPref(kind: ConversationKind): NotifyPref {
  return { level: kind === "direct" ? "all" : "mentions", muted: false };
}

/** Each person's setting in one conversation, in the order of `userIds` (defaults filled in). */
export async function getNotifyPrefs(
  kv: Deno.Kv,
  userIds: string[],
  conversation: { id: string; kind: ConversationKind },
): Promise<NotifyPref[]> {
  const entries = await getManyChunked<NotifyPref>(
    kv,
    userIds.map((u) => notifyPrefKey(u, conversation.id)),
  );
  return entries.map((e) => e.value ?? defaultPref(conversation.kind));
}

/** Stores a person's setting (the default is stored too: a choice made stays made). */
export async function setNotifyPref(
  kv: Deno.Kv,
  userId: string,
  conversationId: string,
  pref: NotifyPref,
): Promise<void> {
  await kv.set(notifyPrefKey(userId, conversationId), pref);
}

/** Each person's do-not-disturb end (epoch ms), or null when off or over, in order. */
export async function getDnd(
  kv: Deno.Kv,
  userIds: string[],
  now = Date.now(),
): Promise<(number | null)[]> {
  const entries = await getManyChunked<{ until: number }>(kv, userIds.map(dndKey));
  return entries.map((e) => (e.value && e.value.until > now ? e.value.until : null));
}

/** Turns do-not-disturb on until `until` (epoch ms), or off with null. */
export async function setDnd(kv: Deno.Kv, userId: string, until: number | null): Promise<void> {
  if (until === null) await kv.delete(dndKey(userId));
  else await kv.set(dndKey(userId), { until }, { expireIn: Math.max(1, until - Date.now()) });
}
