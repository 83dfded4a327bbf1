import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { Icon } from "../../components/Icon.tsx";

/** Where a "Not now" (or a prompt closed unanswered) is kept, so the offer stays gone. */
const DISMISSED = "hearth.notify-offer-dismissed";

function dismissedBefore(): boolean {
  try {
    return localStorage.getItem(DISMISSED) === "1";
  } catch {
    return false;
  }
}

function rememberDismissed(): void {
  try {
    localStorage.setItem(DISMISSED, "1");
  } catch { /* private mode: gone for this page only */ }
}

/**
 * Offers browser notifications for mentions until you answer (never asks by itself): gone
 * once you allow or block them, close the browser's prompt without answering, or say "Not
 * now" (remembered in this browser). Allowed, this device also takes pushes (as the account
 * page's "Notifications on this device" turns on), so mentions reach it with the site closed.
 */
export function NotificationOffer() {
  const shown = useSignal(false);
  useEffect(() => {
    shown.value = typeof Notification !== "undefined" && Notification.permission === "default" &&
      !dismissedBefore();
  }, []);
  if (!shown.value) return null;
  const ask = async () => {
    const answer = await Notification.requestPermission();
    // Closed without a choice: the browser would only ask again, so the offer goes too.
    if (answer === "default") rememberDismissed();
    shown.value = false;
    // Push is a bonus here: the in-tab notifications work whatever becomes of it (the
    // account page says where it stands and offers it again).
    // Its code loads only then: the pages that show the offer need not load it.
    if (answer === "granted") {
      import("./offer_push.ts").then((push) => push.turnOnPush())
        .catch((err) => console.warn("push not turned on", err));
    }
  };
  const notNow = () => {
    rememberDismissed();
    shown.value = false;
  };
  return (
    <div class="mx-2 mb-2 flex items-center gap-1 rounded-lg bg-slate-800 text-xs text-slate-200">
      <button
        type="button"
        onClick={ask}
        class="flex min-w-0 flex-1 items-center gap-2 rounded-lg px-3 py-2 text-left hover:bg-slate-700"
      >
        {/* An outline bell, not the emoji: not every system has an emoji font. */}
        <Icon
          class="h-4 w-4 shrink-0"
          d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0"
        />
        Notify me when someone mentions me
      </button>
      <button
        type="button"
        onClick={notNow}
        aria-label="Not now: hide this offer"
        title="Not now"
        class="shrink-0 rounded-lg px-2 py-2 text-slate-400 hover:bg-slate-700 hover:text-white"
      >
        <Icon class="h-4 w-4" d="M6 6l12 12M18 6L6 18" />
      </button>
    </div>
  );
}
