import { Hono } from "hono";
import { Logo } from "../components/Logo.tsx";
import { OAuthButtons } from "../components/OAuthButtons.tsx";
import AuthForm from "../islands/AuthForm.tsx";
import type { AppError } from "../lib/errors.ts";
import { island } from "../lib/web/mod.ts";
import { listProviders } from "../lib/accounts/mod.ts";
import type { AppCtx, Env } from "./_http.ts";
import { page } from "./_page.tsx";
import { safeNext } from "./_request.ts";

const AuthFormIsland = island("AuthForm", AuthForm);

type Options = {
  status?: number;
  error?: AppError;
  values?: { username: string; displayName: string };
  next?: string;
};

/** The sign-in or registration page, with an error beside its fields when there is one. */
export function renderAuthPage(c: AppCtx, mode: "login" | "register", options: Options = {}) {
  const register = mode === "register";
  const next = safeNext(options.next);
  const fields = options.error?.fields ?? {};
  const message = options.error && !options.error.fields ? options.error.message : null;
  const status = (options.status ?? 200) as 200 | 400 | 401 | 409 | 429 | 503;
  const error = options.error;
  if (error?.status === 429 || error?.status === 503) {
    c.header("Retry-After", "retryAfterSeconds" in error ? String(error.retryAfterSeconds) : "60");
  }
  return page(c, {
    title: register ? "Create account" : "Sign in",
    status,
    children: (
      <main class="min-h-full flex items-center justify-center px-4 py-12">
        <div class="w-full max-w-sm">
          <div class="mb-8 text-center">
            <div class="mb-3 flex justify-center">
              <Logo size="lg" />
            </div>
            <h1 class="text-2xl font-bold tracking-tight">
              {register ? "Create your account" : "Sign in to Hearth"}
            </h1>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
              Your team's conversations, in one warm place.
            </p>
          </div>
          <div class="rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700">
            <AuthFormIsland
              mode={mode}
              next={next === "/" ? "" : next}
              values={options.values ?? { username: "", displayName: "" }}
              message={message}
              fields={fields}
            />
            <OAuthButtons providers={listProviders(c.get("ctx").config)} next={next} />
          </div>
          <p class="mt-6 text-center text-sm text-slate-600 dark:text-slate-400">
            {register ? "Already have an account? " : "New here? "}
            <a
              class="font-semibold text-indigo-600 dark:text-indigo-400 hover:text-indigo-500"
              href={register ? "/login" : "/register"}
            >
              {register ? "Sign in" : "Create an account"}
            </a>
          </p>
        </div>
      </main>
    ),
  });
}

/** The page for `mode`, or home for someone already signed in. */
function authPage(mode: "login" | "register") {
  return (c: AppCtx) =>
    c.get("user") ? c.redirect("/", 303) : renderAuthPage(c, mode, { next: c.req.query("next") });
}

export const authPageRoutes = new Hono<Env>()
  .get("/login", authPage("login"))
  .get("/register", authPage("register"));
