import type { AppError } from "../lib/errors.ts";
import type { AppCtx } from "./_http.ts";
import { page } from "./_page.tsx";

/**
 * A failed OAuth sign-in or link: the reason in a person's words (never the provider's raw
 * error or ours), the status that fits (400, 403 or 409) and the way back.
 */
export function oauthErrorPage(c: AppCtx, err: AppError, linking: boolean): Response {
  const status = err.status === 403 || err.status === 409 ? err.status : 400;
  const back = linking
    ? { href: "/account", label: "Back to your account" }
    : { href: "/login", label: "Back to sign in" };
  return page(c, {
    title: linking ? "Linking failed" : "Sign-in failed",
    status,
    children: (
      <main class="flex min-h-full items-center justify-center px-4 py-12">
        <div
          class="w-full max-w-sm rounded-2xl bg-white dark:bg-slate-900 p-6 text-center shadow-sm ring-1 ring-slate-200 dark:ring-slate-700"
          data-oauth-error={err.code}
        >
          <h1 class="text-xl font-bold">{linking ? "Linking failed" : "Sign-in failed"}</h1>
          <p role="alert" class="mt-2 text-sm text-slate-600 dark:text-slate-400">{err.message}</p>
          <a
            class="mt-4 inline-block font-semibold text-indigo-600 dark:text-indigo-400"
            href={back.href}
          >
            {back.label}
          </a>
        </div>
      </main>
    ),
  });
}
