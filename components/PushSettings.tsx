import PushToggle from "../islands/PushToggle.tsx";
import { island } from "../lib/web/mod.ts";

const PushToggleIsland = island("PushToggle", PushToggle);

/**
 * The account page's "Notifications on this device" (issue 18): Web Push for this browser,
 * on or off (islands/PushToggle.tsx). Which messages notify you is each conversation's
 * setting and do-not-disturb; this says only whether this device hears of them when no tab
 * of the site is open.
 */
export function PushSettings() {
  return (
    <section
      class="mt-6 rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700"
      aria-labelledby="push"
    >
      <h2 id="push" class="text-lg font-semibold">Notifications on this device</h2>
      <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
        Mentions and messages that would notify you (each conversation's setting and do-not-disturb
        decide) reach this device even when the site is closed. Turn it on in each browser where you
        want them.
      </p>
      <PushToggleIsland />
      <noscript>
        <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">
          Turning this on needs JavaScript.
        </p>
      </noscript>
    </section>
  );
}
