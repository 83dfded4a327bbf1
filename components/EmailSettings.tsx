/**
 * The account page's "Email" section: your address and whether it is confirmed, a form to
 * give or change it, remove it, and turn missed-message emails on or off. Plain forms: it
 * works without JavaScript (each posts, then comes back to /account#email with a notice).
 */
import type { EmailState } from "../lib/accounts/mod.ts";

export const EMAIL_NOTICES: Record<string, string> = {
  sent: "We sent a confirmation link to that address. Open it within a day to confirm it.",
  confirmed: "Your email address is confirmed.",
  removed: "Your email address is removed.",
  on: "Email notifications are on.",
  off: "Email notifications are off.",
};

export const EMAIL_ERRORS: Record<string, string> = {
  invalid_input: "Enter an email address, such as ann@example.com.",
  email_taken: "That address is already used by another account. Use another one.",
  rate_limited: "Too many tries. Please wait a while and try again.",
  not_found: "Give an email address first.",
  wrong_password: "That is not your current password. Your address was not changed.",
};

const button =
  "rounded-lg px-3 py-1.5 text-sm font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";
const secondary =
  `${button} text-slate-700 dark:text-slate-300 ring-1 ring-slate-300 dark:ring-slate-600 hover:bg-slate-50 dark:hover:bg-slate-800`;
const input =
  "block w-full rounded-lg border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-950 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
const muted = "text-sm text-slate-600 dark:text-slate-400";

/** How soon a missed message is emailed, in words. */
function within(minutes: number): string {
  if (minutes <= 0) return "when you are away";
  return minutes === 1 ? "within a minute" : `within ${minutes} minutes`;
}

export function EmailSettings(
  props: {
    state: EmailState;
    notice?: string;
    error?: string;
    delayMinutes: number;
    /** The account has a password: giving an address takes it (an address can reset it). */
    hasPassword: boolean;
  },
) {
  const { state } = props;
  const notice = props.notice ? EMAIL_NOTICES[props.notice] : undefined;
  const error = props.error ? (EMAIL_ERRORS[props.error] ?? EMAIL_ERRORS.invalid_input) : null;
  return (
    <section
      id="email"
      class="mt-6 rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700"
      aria-labelledby="email-heading"
      data-testid="email-settings"
    >
      <h2 id="email-heading" class="text-lg font-semibold">Email</h2>
      <p class={`mt-1 ${muted}`}>
        For resetting your password, and for mentions and direct messages you have not read{" "}
        {within(props.delayMinutes)} (one email for all of them).
      </p>
      {notice && (
        <p
          role="status"
          class="mt-3 rounded-lg bg-emerald-50 dark:bg-emerald-950 px-3 py-2 text-sm text-emerald-800 dark:text-emerald-300 ring-1 ring-emerald-200 dark:ring-emerald-800"
        >
          {notice}
        </p>
      )}
      {state.address && (
        <div class="mt-4 flex flex-wrap items-center gap-2">
          <p class="min-w-0 flex-1 text-sm">
            <span class="font-medium break-all" data-testid="email-address">{state.address}</span>
            {" "}
            {state.confirmed
              ? (
                <span class="ml-1 rounded-full bg-emerald-100 dark:bg-emerald-900 px-2 py-0.5 text-xs font-semibold text-emerald-800 dark:text-emerald-300">
                  Confirmed
                </span>
              )
              : (
                <span class="ml-1 rounded-full bg-amber-100 dark:bg-amber-900 px-2 py-0.5 text-xs font-semibold text-amber-900 dark:text-amber-200">
                  Waiting for confirmation
                </span>
              )}
          </p>
          <form method="post" action="/api/me/email/remove">
            <button type="submit" class={secondary}>Remove</button>
          </form>
        </div>
      )}
      <form method="post" action="/api/me/email" class="mt-4" novalidate>
        <label class="block text-sm font-medium" for="email-input">
          {state.address ? "Change your address" : "Your email address"}
        </label>
        <input
          id="email-input"
          class={`${input} mt-1`}
          type="email"
          name="email"
          autocomplete="email"
          maxLength={254}
          required
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? "email-error" : undefined}
        />
        {props.hasPassword && (
          <label class="mt-3 block text-sm font-medium">
            Your current password
            <input
              class={`${input} mt-1`}
              type="password"
              name="currentPassword"
              autocomplete="current-password"
              maxLength={256}
              required
            />
          </label>
        )}
        {error && (
          <p id="email-error" role="alert" class="mt-1 text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        <button
          type="submit"
          class={`${button} mt-3 bg-indigo-600 text-white hover:bg-indigo-500`}
        >
          Send confirmation link
        </button>
      </form>
      {state.address && (
        <form
          method="post"
          action="/api/me/email/notifications"
          class="mt-4 flex flex-wrap items-center gap-3"
        >
          <input type="hidden" name="enabled" value={state.notifications ? "false" : "true"} />
          <p class="min-w-0 flex-1 text-sm">
            Email notifications are{" "}
            <strong data-testid="email-notifications">
              {state.notifications ? "on" : "off"}
            </strong>
            {!state.confirmed && state.notifications && " (once the address is confirmed)"}.
          </p>
          <button type="submit" class={secondary}>
            {state.notifications ? "Turn off" : "Turn on"}
          </button>
        </form>
      )}
    </section>
  );
}
