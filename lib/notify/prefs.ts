/**
 * Who wants to hear of what: each person's level per conversation (`all`, `mentions`,
 * `nothing`) and mute, and their do-not-disturb. Direct conversations default to `all`, every
 * other kind to `mentions`; a stored setting wins. Read by the notifier (dispatch.ts) and the
 * pages; written by routes/api/notifications.ts.
 */
import { z } from "zod";
import {
  deletePrefix,
  dndKey,
  getManyChunked,
  notifyPrefKey,
  notifyPrefsPrefix,
} from "../storage/mod.ts";
import type { ConversationKind } from "../conversations/mod.ts";
import { defaultPref, NOTIFY_LEVELS, type NotifyPref } from "../shared/notify_prefs.ts";

export {
  defaultPref,
  type NotifyLevel,
  type NotifyPref,
  wantsNotice,
} from "../shared/notify_prefs.ts";

export const notifyLevelSchema = z.enum(NOTIFY_LEVELS);

export const notifyPrefSchema: z.ZodType<NotifyPref> = z.object({
  level: notifyLevelSchema,
  muted: z.boolean(),
}).strict();

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

/** A conversation with the viewer's own setting there, as the list and the page carry it. */
export type WithNotifications<T> = T & { notifications: NotifyPref };

/**
 * One person's setting in each of `conversations` (one batched read; defaults filled in),
 * added to each as `notifications`: what the sidebar and the header show without asking.
 */
export async function withNotifications<T extends { id: string; kind: ConversationKind }>(
  kv: Deno.Kv,
  userId: string,
  conversations: T[],
): Promise<WithNotifications<T>[]> {
  const entries = await getManyChunked<NotifyPref>(
    kv,
    conversations.map((c) => notifyPrefKey(userId, c.id)),
  );
  return conversations.map((c, i) => ({
    ...c,
    notifications: entries[i].value ?? defaultPref(c.kind),
  }));
}

/**
 * What the sidebar shows of your notifications, in one batched read: your setting in each of
 * `conversations` (as withNotifications) and your do-not-disturb end (as getDndUntil). Every
 * signed-in page asks for both; read apart they were two more KV round trips per page.
 */
export async function readSidebarNotifications<
  T extends { id: string; kind: ConversationKind },
>(
  kv: Deno.Kv,
  userId: string,
  conversations: T[],
  now = Date.now(),
): Promise<{ conversations: WithNotifications<T>[]; dndUntil: number | null }> {
  const [dnd, ...prefs] = await getManyChunked<unknown>(kv, [
    dndKey(userId),
    ...conversations.map((c) => notifyPrefKey(userId, c.id)),
  ]);
  const until = (dnd.value as { until: number } | null)?.until;
  return {
    conversations: conversations.map((c, i) => ({
      ...c,
      notifications: (prefs[i].value as NotifyPref | null) ?? defaultPref(c.kind),
    })),
    dndUntil: until !== undefined && until > now ? until : null,
  };
}

/** The longest do-not-disturb one may ask for (a week, and a day's slack for time zones). */
export const MAX_DND_MS = 8 * 24 * 60 * 60 * 1000;

/** One person's do-not-disturb end (epoch ms), or null when off or over. */
export async function getDndUntil(kv: Deno.Kv, userId: string, now = Date.now()) {
  return (await getDnd(kv, [userId], now))[0];
}

/** The presets of the account menu: how long each lasts from `now` (ms), or "tomorrow". */
export const DND_PRESETS = ["30m", "1h", "tomorrow", "off"] as const;
export type DndPreset = (typeof DND_PRESETS)[number];

/**
 * When a preset ends (epoch ms; null: off). "tomorrow" is 9:00 the next day in the reader's
 * time: `tzOffset` is what their browser's `Date#getTimezoneOffset()` says (minutes behind
 * UTC; 0 when unknown, e.g. a form sent without JavaScript).
 */
export function dndPresetEnd(preset: DndPreset, now: number, tzOffset = 0): number | null {
  if (preset === "off") return null;
  if (preset === "30m") return now + 30 * 60_000;
  if (preset === "1h") return now + 60 * 60_000;
  const local = new Date(now - tzOffset * 60_000);
  const nine = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1, 9);
  return nine + tzOffset * 60_000;
}

/** Deletes a person's settings and do-not-disturb (their account is being deleted). */
export async function deleteAllNotifySettings(kv: Deno.Kv, userId: string): Promise<void> {
  await deletePrefix(kv, notifyPrefsPrefix(userId));
  await kv.delete(dndKey(userId));
}
