/**
 * Email pages (issue 18): `/email/confirm/:token` (a confirmation link), `/forgot` (ask for a
 * reset link, without JavaScript too), `/reset/:token` (choose a new password),
 * `/email/unsubscribe/:token` (a page with a button; a POST, the button's or a mail client's
 * one-click RFC 8058 one, turns the emails off). And the account page's Email section.
 */
import { Hono } from "hono";
import type { ComponentChildren } from "preact";
import { Logo } from "../components/Logo.tsx";
import { EmailSettings } from "../components/EmailSettings.tsx";
import {
  checkResetToken,
  confirmEmail,
  getAccountByUsername,
  getEmailState,
  unsubscribeByToken,
  type User,
} from "../lib/accounts/mod.ts";
import { AppError } from "../lib/errors.ts";
import type { AppCtx, Env } from "./_http.ts";
import { page } from "./_page.tsx";

const link = "font-semibold text-indigo-600 dark:text-indigo-400 hover:text-indigo-500";
const muted = "text-sm text-slate-600 dark:text-slate-400";
const button =
  "w-full rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2";
const input =
  "mt-1 block w-full rounded-lg border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-950 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";

type Status = 200 | 400 | 404 | 409 | 429;

/** A small card page in the sign-in pages' look. */
function card(
  c: AppCtx,
  options: { title: string; status?: Status; testid: string; children: ComponentChildren },
) {
  return page(c, {
    title: options.title,
    status: options.status,
    children: (
      <main class="flex min-h-full items-center justify-center px-4 py-12">
        <div class="w-full max-w-sm">
          <div class="mb-6 flex justify-center">
            <Logo size="lg" />
          </div>
          <div
            class="rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700"
            data-testid={options.testid}
          >
            <h1 class="text-xl font-bold tracking-tight">{options.title}</h1>
            {options.children}
          </div>
        </div>
      </main>
    ),
  });
}

const off = (c: AppCtx) =>
  card(c, {
    title: "Email is not set up",
    status: 404,
    testid: "email-off",
    children: (
      <p class={`mt-2 ${muted}`}>
        This server sends no email. Ask an administrator of this site for help.{" "}
        <a class={link} href="/login">Sign in</a>
      </p>
    ),
  });

/** The account page's Email section (null when the server sends no email). */
export async function emailSettingsSection(c: AppCtx, me: User) {
  const { kv, config } = c.get("ctx");
  if (!config.email) return null;
  const [state, account] = await Promise.all([
    getEmailState(kv, me.id),
    getAccountByUsername(kv, me.username),
  ]);
  return (
    <EmailSettings
      state={state}
      hasPassword={account?.hasPassword ?? false}
      notice={c.req.query("email")}
      error={c.req.query("email_error")}
      delayMinutes={Math.round(config.email.delayMs / 60_000)}
    />
  );
}

async function confirmPage(c: AppCtx) {
  try {
    const { address } = await confirmEmail(c.get("ctx").kv, c.req.param("token") ?? "");
    return card(c, {
      title: "Address confirmed",
      testid: "email-confirmed",
      children: (
        <p class={`mt-2 ${muted}`}>
          <span class="font-medium break-all">{address}</span> is your confirmed address now.{" "}
          <a class={link} href="/account#email">Your account</a>
        </p>
      ),
    });
  } catch (err) {
    if (!(err instanceof AppError) || (err.status !== 404 && err.status !== 409)) throw err;
    return card(c, {
      title: "This link does not work",
      status: err.status,
      testid: "email-confirm-failed",
      children: (
        <p role="alert" class={`mt-2 ${muted}`}>
          {err.status === 409
            ? "That address is already used by another account."
            : "It was used already, it expired, or the address was changed since."}{" "}
          <a class={link} href="/account#email">Your account</a>
        </p>
      ),
    });
  }
}

const FORGOT_PROBLEMS: Record<string, string> = {
  invalid_input: "Enter your username or email address.",
  rate_limited: "Too many tries for that name. Please wait a while and try again.",
};

function forgotPage(c: AppCtx) {
  if (!c.get("ctx").config.email) return off(c);
  if (c.req.query("sent")) {
    return card(c, {
      title: "Check your email",
      testid: "forgot-sent",
      children: (
        <p role="status" class={`mt-2 ${muted}`}>
          If an account has that name or a confirmed address, a link to choose a new password is on
          its way to that address. It works once, for an hour.{" "}
          <a class={link} href="/login">Sign in</a>
        </p>
      ),
    });
  }
  const problem = c.req.query("problem");
  const error = problem ? FORGOT_PROBLEMS[problem] ?? FORGOT_PROBLEMS.invalid_input : null;
  return card(c, {
    title: "Forgot your password?",
    status: error ? 400 : 200,
    testid: "forgot",
    children: (
      <form method="post" action="/api/auth/password-reset" class="mt-4 space-y-4" novalidate>
        <p class={muted}>
          We will email a link to choose a new one to the confirmed address of your account.
        </p>
        <label class="block text-sm font-medium">
          Username or email address
          <input
            class={input}
            name="login"
            autocomplete="username"
            maxLength={254}
            required
            aria-invalid={error ? "true" : undefined}
            aria-describedby={error ? "login-error" : undefined}
          />
        </label>
        {error && (
          <p id="login-error" role="alert" class="text-sm text-red-700 dark:text-red-400">
            {error}
          </p>
        )}
        <button type="submit" class={button}>Email me a link</button>
        <p class={`text-center ${muted}`}>
          <a class={link} href="/login">Back to sign in</a>
        </p>
      </form>
    ),
  });
}

/** The new-password form of a reset link (again with `error` after a refused password). */
export async function renderResetPage(
  c: AppCtx,
  token: string,
  options: { error?: string; status?: Status } = {},
) {
  if (!c.get("ctx").config.email) return off(c);
  if (!(await checkResetToken(c.get("ctx").kv, token))) {
    return card(c, {
      title: "This link does not work",
      status: 404,
      testid: "reset-invalid",
      children: (
        <p role="alert" class={`mt-2 ${muted}`}>
          It was used already, it expired (links work for an hour), or the password was changed
          since. <a class={link} href="/forgot">Ask for a new link</a>
        </p>
      ),
    });
  }
  return card(c, {
    title: "Choose a new password",
    status: options.status,
    testid: "reset",
    children: (
      <form method="post" action="/api/auth/password-reset/complete" class="mt-4 space-y-4">
        <input type="hidden" name="token" value={token} />
        <p class={muted}>You will be signed out everywhere; then sign in with the new one.</p>
        <label class="block text-sm font-medium">
          New password
          <input
            class={input}
            type="password"
            name="password"
            autocomplete="new-password"
            minLength={8}
            maxLength={256}
            required
            aria-invalid={options.error ? "true" : undefined}
            aria-describedby={options.error ? "password-error" : undefined}
          />
        </label>
        {options.error && (
          <p id="password-error" role="alert" class="text-sm text-red-700 dark:text-red-400">
            {options.error}
          </p>
        )}
        <button type="submit" class={button}>Set new password</button>
      </form>
    ),
  });
}

function resetDonePage(c: AppCtx) {
  return card(c, {
    title: "Password changed",
    testid: "reset-done",
    children: (
      <p role="status" class={`mt-2 ${muted}`}>
        Every session of your account was signed out. <a class={link} href="/login">Sign in</a>{" "}
        with your new password.
      </p>
    ),
  });
}

const unsubscribeInvalid = (c: AppCtx) =>
  card(c, {
    title: "This link does not work",
    status: 404,
    testid: "unsubscribe-invalid",
    children: (
      <p role="alert" class={`mt-2 ${muted}`}>
        The address it was sent to was changed or removed since. You can turn email notifications
        off on <a class={link} href="/account#email">your account page</a>.
      </p>
    ),
  });

async function unsubscribePage(c: AppCtx) {
  const token = c.req.param("token") ?? "";
  if (!(await unsubscribeByToken(c.get("ctx").kv, token, { apply: false }))) {
    return unsubscribeInvalid(c);
  }
  return card(c, {
    title: "Stop email notifications?",
    testid: "unsubscribe",
    children: (
      <form method="post" class="mt-4 space-y-4">
        <p class={muted}>
          You will get no more emails about mentions and direct messages you missed. (Password reset
          emails still come when you ask for one.)
        </p>
        <button type="submit" class={button}>Unsubscribe</button>
      </form>
    ),
  });
}

/** The button's POST, or a mail client's one-click unsubscribe (RFC 8058): no session needed. */
async function unsubscribe(c: AppCtx) {
  const token = c.req.param("token") ?? "";
  if (!(await unsubscribeByToken(c.get("ctx").kv, token))) return unsubscribeInvalid(c);
  return card(c, {
    title: "Unsubscribed",
    testid: "unsubscribed",
    children: (
      <p role="status" class={`mt-2 ${muted}`}>
        You will get no more email notifications. Turn them on again on{" "}
        <a class={link} href="/account#email">your account page</a>.
      </p>
    ),
  });
}

export const emailPageRoutes = new Hono<Env>()
  .get("/email/confirm/:token", confirmPage)
  .get("/forgot", forgotPage)
  .get("/reset/done", resetDonePage)
  .get("/reset/:token", (c) => renderResetPage(c, c.req.param("token")))
  .get("/email/unsubscribe/:token", unsubscribePage)
  .post("/email/unsubscribe/:token", unsubscribe);
