import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import {
  type DeviceState,
  deviceState,
  subscribeDevice,
  unsubscribeDevice,
} from "./parts/push_device.ts";

type Shown = DeviceState | "checking";

const STATUS: Record<Shown, string> = {
  checking: "",
  unsupported: "This browser cannot receive push notifications.",
  denied:
    "Notifications are blocked for this site in your browser's settings. Allow them there, then reload this page.",
  off: "This device is notified only while the site is open.",
  on: "This device is notified even when the site is closed.",
};

const button =
  "shrink-0 rounded-lg px-3 py-1.5 text-sm font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 disabled:opacity-60";

/**
 * "Notifications on this device": whether this browser gets your pushes, and the button that
 * turns them on (asking for notification permission) or off. Needs JavaScript (a push
 * subscription is made by the browser).
 */
export default function PushToggle() {
  const state = useSignal<Shown>("checking");
  const busy = useSignal(false);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    deviceState().then((s) => (state.value = s)).catch((e: Error) => {
      state.value = "off";
      error.value = e.message;
    });
  }, []);
  const change = async (on: boolean) => {
    busy.value = true;
    error.value = null;
    try {
      state.value = on ? await subscribeDevice() : await unsubscribeDevice();
      if (on && state.value === "off") {
        error.value = "Notifications were not allowed, so nothing changed.";
      }
    } catch (e) {
      error.value = e instanceof Error && e.message ? e.message : "That did not work. Try again.";
    } finally {
      busy.value = false;
    }
  };
  const s = state.value;
  return (
    <div class="mt-4" data-push-state={s}>
      <div class="flex flex-wrap items-center justify-between gap-3">
        <p class="min-w-0 flex-1 text-sm" role="status">
          {s === "on" && (
            <span class="mr-2 rounded-full bg-emerald-100 dark:bg-emerald-900 px-2 py-0.5 text-xs font-semibold text-emerald-800 dark:text-emerald-300">
              On
            </span>
          )}
          {s === "off" && (
            <span class="mr-2 rounded-full bg-slate-100 dark:bg-slate-800 px-2 py-0.5 text-xs font-semibold text-slate-700 dark:text-slate-300">
              Off
            </span>
          )}
          {STATUS[s]}
        </p>
        {s === "off" && (
          <button
            type="button"
            disabled={busy.value}
            onClick={() => change(true)}
            class={`${button} bg-indigo-600 text-white hover:bg-indigo-500`}
          >
            {busy.value ? "Turning on…" : "Turn on"}
          </button>
        )}
        {s === "on" && (
          <button
            type="button"
            disabled={busy.value}
            onClick={() => change(false)}
            class={`${button} text-slate-700 dark:text-slate-300 ring-1 ring-slate-300 dark:ring-slate-600 hover:bg-slate-50 dark:hover:bg-slate-800`}
          >
            {busy.value ? "Turning off…" : "Turn off"}
          </button>
        )}
      </div>
      {s === "unsupported" && (
        <p class="mt-2 text-xs text-slate-600 dark:text-slate-400">
          On an iPhone or iPad, add this site to your Home Screen and open it from there.
        </p>
      )}
      {error.value && (
        <p role="alert" class="mt-2 text-sm text-red-700 dark:text-red-400">{error.value}</p>
      )}
    </div>
  );
}
