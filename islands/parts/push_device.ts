/// <reference lib="dom" />
/**
 * Web Push on this device (issue 18), for the account page's toggle and the sidebar's offer:
 * whether this browser takes pushes for the signed-in person, and turning that on and off.
 * On: notification permission, the service worker (/sw.js), a push subscription made with
 * the site's VAPID key (GET /api/push/key), given to the server (POST /api/push/subscriptions).
 * Off: the server forgets it (DELETE) and the browser drops it.
 */

/**
 * unsupported: no service worker or push here (or an insecure page); denied: notifications
 * are blocked in the browser's settings; off / on: whether this device gets your pushes.
 */
export type DeviceState = "unsupported" | "denied" | "off" | "on";

/** Whether this browser can take pushes at all. */
export function pushSupported(): boolean {
  return typeof navigator !== "undefined" && "serviceWorker" in navigator &&
    typeof PushManager !== "undefined" && typeof Notification !== "undefined" &&
    globalThis.isSecureContext !== false;
}

/** The server's error message, or `fallback`. */
async function failure(res: Response, fallback: string): Promise<Error> {
  const body = await res.json().catch(() => null);
  return new Error(body?.error?.message ?? fallback);
}

/** This browser's push subscription for the site, if it has one. */
async function currentSubscription(): Promise<PushSubscription | null> {
  const reg = await navigator.serviceWorker.getRegistration("/");
  return (await reg?.pushManager.getSubscription()) ?? null;
}

/**
 * Where this device stands. "on" only when the server holds this browser's subscription for
 * the signed-in person (someone else may have turned it on in this browser before).
 */
export async function deviceState(): Promise<DeviceState> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const sub = await currentSubscription();
  if (!sub || Notification.permission !== "granted") return "off";
  const res = await fetch("/api/push/subscriptions");
  if (!res.ok) throw await failure(res, "Could not read your devices. Reload to try again.");
  const { subscriptions } = await res.json() as { subscriptions: { endpoint: string }[] };
  return subscriptions.some((s) => s.endpoint === sub.endpoint) ? "on" : "off";
}

/** base64url → bytes (the VAPID key as the server gives it). */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(
    Math.ceil(text.length / 4) * 4,
    "=",
  );
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function sameBytes(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const x = new Uint8Array(a);
  return x.every((v, i) => v === b[i]);
}

/**
 * Turns pushes on for this device: asks for notification permission if it was never given
 * (so call it from a click), subscribes with the site's key and tells the server. Returns
 * the state it ended in ("denied" or "off" when permission was refused or not given).
 */
export async function subscribeDevice(): Promise<DeviceState> {
  if (!pushSupported()) return "unsupported";
  const permission = Notification.permission === "default"
    ? await Notification.requestPermission()
    : Notification.permission;
  if (permission === "denied") return "denied";
  if (permission !== "granted") return "off";
  await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  const reg = await navigator.serviceWorker.ready;
  const keyRes = await fetch("/api/push/key");
  if (!keyRes.ok) throw await failure(keyRes, "Could not reach the server. Try again.");
  const key = fromBase64Url((await keyRes.json()).publicKey);
  let sub = await reg.pushManager.getSubscription();
  // Made with another key (the site's keys were replaced): the push service would refuse
  // the server's pushes.
  if (sub && !sameBytes(sub.options.applicationServerKey, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const res = await fetch("/api/push/subscriptions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(sub.toJSON()),
  });
  if (!res.ok) throw await failure(res, "The server did not take this device. Try again.");
  return "on";
}

/** Turns pushes off for this device: the server forgets it, then the browser drops it. */
export async function unsubscribeDevice(): Promise<DeviceState> {
  const sub = pushSupported() ? await currentSubscription() : null;
  if (sub) {
    const res = await fetch("/api/push/subscriptions", {
      method: "DELETE",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ endpoint: sub.endpoint }),
    });
    if (!res.ok) throw await failure(res, "Could not turn it off. Try again.");
    await sub.unsubscribe();
  }
  return Notification.permission === "denied" ? "denied" : "off";
}
