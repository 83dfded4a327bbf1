/**
 * Notification settings as both sides see them (issue 18): the levels, the shape of a
 * person's setting in one conversation, and the default until they choose. The server's
 * store and schema are lib/notify/prefs.ts; the sidebar and the header draw these.
 */
export const NOTIFY_LEVELS = ["all", "mentions", "nothing"] as const;
export type NotifyLevel = (typeof NOTIFY_LEVELS)[number];
export type NotifyPref = { level: NotifyLevel; muted: boolean };

/** What a person gets in a conversation of this kind until they choose. */
export function defaultPref(kind: string): NotifyPref {
  return { level: kind === "direct" ? "all" : "mentions", muted: false };
}

/** Whether a new message from someone else would notify (push, email, the in-tab one). */
export function wantsNotice(
  pref: NotifyPref,
  mentioned: boolean,
  dndUntil: number | null,
  now: number,
): boolean {
  if (pref.muted || pref.level === "nothing") return false;
  if (dndUntil !== null && dndUntil > now) return false;
  return pref.level === "all" || mentioned;
}

/** The window event a page's controls send when a setting changed, for the sidebar to follow. */
export const NOTIFY_PREF_EVENT = "hearth:notify-pref";
/** The same for do-not-disturb: `detail` is `{until: ISO | null}`. */
export const DND_EVENT = "hearth:dnd";
export type PrefChange = { conversationId: string; notifications: NotifyPref };
export type DndChange = { until: string | null };

const CHANNEL = "hearth:notify";

/**
 * Tells this page's parts (a window event) and this browser's other tabs (a
 * BroadcastChannel) that a setting changed: `type` is NOTIFY_PREF_EVENT or DND_EVENT.
 */
export function announceNotify(type: string, detail: unknown): void {
  globalThis.dispatchEvent(new CustomEvent(type, { detail }));
  try {
    const channel = new BroadcastChannel(CHANNEL);
    channel.postMessage({ type, detail });
    channel.close();
  } catch { /* no BroadcastChannel: this tab alone */ }
}

/** Hears `type` from this page and this browser's other tabs; returns the way to stop. */
export function onNotify<T>(type: string, hear: (detail: T) => void): () => void {
  const local = (e: Event) => hear((e as CustomEvent<T>).detail);
  globalThis.addEventListener(type, local);
  let channel: BroadcastChannel | null = null;
  try {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (e: MessageEvent) => {
      if (e.data?.type === type) hear(e.data.detail as T);
    };
  } catch { /* no BroadcastChannel: this tab alone */ }
  return () => {
    globalThis.removeEventListener(type, local);
    channel?.close();
  };
}
