import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import type { ComponentChildren } from "preact";
import { InvitePanel } from "../components/InvitePanel.tsx";
import { Logo } from "../components/Logo.tsx";
import { OAuthButtons } from "../components/OAuthButtons.tsx";
import AuthForm from "../islands/AuthForm.tsx";
import type { AppError } from "../lib/errors.ts";
import { island } from "../lib/web/mod.ts";
import {
  awaitingFirstAccount,
  findInviteByCode,
  getSiteSettings,
  type Invite,
  listInvites,
  listProviders,
  type User,
} from "../lib/accounts/mod.ts";
import { type AppCtx, type Env, secureCookies } from "./_http.ts";
import { page, siteName } from "./_page.tsx";
import { safeNext } from "./_request.ts";
import { inviteBase, mayInvite } from "./api/invites.ts";
import { signedIn } from "./chat.tsx";

const AuthFormIsland = island("AuthForm", AuthForm);

/** The invite a /join page showed, kept for a sign-up through OAuth started from it. */
export const JOIN_COOKIE = "join_invite";
const JOIN_COOKIE_SECONDS = 60 * 60;

type Options = {
  status?: number;
  error?: AppError;
  values?: { username: string; displayName: string; inviteCode?: string };
  next?: string;
  /** Registering through a /join link: the invite (its code goes with the form, hidden). */
  invite?: Invite;
};

const link = "font-semibold text-indigo-600 dark:text-indigo-400 hover:text-indigo-500";
const muted = "text-sm text-slate-600 dark:text-slate-400";

/** Who may register here now, and the invite field the form needs for it. */
async function registerState(c: AppCtx, options: Options) {
  const { kv, config } = c.get("ctx");
  const [first, settings] = await Promise.all([
    awaitingFirstAccount(kv),
    c.get("site") ?? getSiteSettings(kv, config),
  ]);
  const code = options.invite?.code ?? options.values?.inviteCode ?? "";
  const mode = settings.registration;
  const closed = !first && mode === "closed";
  const invite = first || closed
    ? null
    : options.invite
    ? { code, visible: false }
    : mode === "invite"
    ? { code, visible: true }
    : code
    ? { code, visible: false }
    : null;
  return { first, closed, invite };
}

/** The sign-in or registration page, with an error beside its fields when there is one. */
export async function renderAuthPage(
  c: AppCtx,
  mode: "login" | "register",
  options: Options = {},
) {
  const register = mode === "register";
  const next = safeNext(options.next);
  const fields = options.error?.fields ?? {};
  const message = options.error && !options.error.fields ? options.error.message : null;
  const status = (options.status ?? 200) as 200 | 400 | 401 | 403 | 409 | 429 | 503;
  const error = options.error;
  if (error?.status === 429 || error?.status === 503) {
    c.header("Retry-After", "retryAfterSeconds" in error ? String(error.retryAfterSeconds) : "60");
  }
  const state = register ? await registerState(c, options) : null;
  const name = siteName(c);
  const intro = options.invite
    ? `${options.invite.createdBy.displayName} invited you to ${name}.`
    : state?.first
    ? `You are the first one here: your account will administer ${name}.`
    : state?.invite?.visible
    ? `Joining ${name} takes an invite: open your invite link, or paste its code below.`
    : "Your team's conversations, in one warm place.";
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
              {register ? "Create your account" : `Sign in to ${name}`}
            </h1>
            <p class={`mt-1 ${muted}`} data-testid="auth-intro">{intro}</p>
          </div>
          <div class="rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700">
            {state?.closed
              ? (
                <p role="alert" class="text-sm" data-registration="closed">
                  {message ??
                    "This site is not taking new accounts. Ask an administrator to create one for you."}
                </p>
              )
              : (
                <>
                  <AuthFormIsland
                    mode={mode}
                    next={next === "/" ? "" : next}
                    values={options.values ?? { username: "", displayName: "" }}
                    message={message}
                    fields={fields}
                    invite={state?.invite ?? null}
                  />
                  {(!register || !state?.invite?.visible) && (
                    <OAuthButtons providers={listProviders(c.get("ctx").config)} next={next} />
                  )}
                </>
              )}
          </div>
          {!register && c.get("ctx").config.email && (
            <p class={`mt-4 text-center ${muted}`}>
              <a class={link} href="/forgot">Forgot your password?</a>
            </p>
          )}
          <p class={`mt-6 text-center ${muted}`}>
            {register ? "Already have an account? " : "New here? "}
            <a class={link} href={register ? "/login" : "/register"}>
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

/** A /join link that cannot be used: why, in a person's words, and the way on. */
function joinRefused(c: AppCtx, status: 403 | 404, code: string, text: string) {
  return page(c, {
    title: "Invite not valid",
    status,
    children: (
      <main class="flex min-h-full items-center justify-center px-4 py-12">
        <div
          class="w-full max-w-sm rounded-2xl bg-white dark:bg-slate-900 p-6 text-center shadow-sm ring-1 ring-slate-200 dark:ring-slate-700"
          data-join-error={code}
        >
          <h1 class="text-xl font-bold">This invite cannot be used</h1>
          <p role="alert" class={`mt-2 ${muted}`}>{text}</p>
          <a class={`mt-4 inline-block ${link}`} href="/login">Sign in</a>
        </div>
      </main>
    ),
  });
}

/** /join/:code: the register page with the invite in it (or why the link cannot be used). */
async function joinPage(c: AppCtx) {
  if (c.get("user")) return c.redirect("/", 303);
  const { kv, config } = c.get("ctx");
  const code = c.req.param("code") ?? "";
  const [found, settings] = await Promise.all([
    findInviteByCode(kv, code, inviteBase(c)),
    getSiteSettings(kv, config),
  ]);
  if (!found) {
    return joinRefused(
      c,
      404,
      "invite_invalid",
      "This invite link is not valid: it was revoked, or mistyped. Ask for a new one.",
    );
  }
  if (!found.usable) {
    return joinRefused(
      c,
      403,
      "invite_invalid",
      "This invite link has been used up or has expired. Ask for a new one.",
    );
  }
  if (settings.registration === "closed") {
    return joinRefused(
      c,
      403,
      "registration_closed",
      "This site is not taking new accounts right now. Ask an administrator.",
    );
  }
  // A sign-up through GitHub or OIDC from here takes the invite with it (routes/oauth.ts).
  const secure = secureCookies(c);
  setCookie(c, secure ? `__Host-${JOIN_COOKIE}` : JOIN_COOKIE, found.invite.code, {
    httpOnly: true,
    sameSite: "Lax",
    secure,
    path: "/",
    maxAge: JOIN_COOKIE_SECONDS,
  });
  return renderAuthPage(c, "register", { invite: found.invite, next: c.req.query("next") });
}

const DONE: Record<string, string> = {
  invite_created: "Invite link created. Copy it and send it to the people you want here.",
  invite_revoked: "Invite revoked: its link no longer works.",
};

function InvitesPage(props: { me: User; children: ComponentChildren; done?: string }) {
  return (
    <main class="mx-auto max-w-2xl px-4 py-8">
      <p class="mb-4">
        <a href="/" class="text-sm font-medium text-indigo-600 dark:text-indigo-400">
          ← Back to chat
        </a>
      </p>
      <h1 class="mb-6 text-2xl font-bold tracking-tight">Invite people</h1>
      {props.done && DONE[props.done] && (
        <p
          role="status"
          class="mb-4 rounded-lg bg-emerald-50 dark:bg-emerald-950 px-4 py-2 text-sm text-emerald-800 dark:text-emerald-300 ring-1 ring-emerald-200"
        >
          {DONE[props.done]}
        </p>
      )}
      {props.children}
    </main>
  );
}

/** /invites: your invite links (an admin's: everyone's), and a form for a new one. */
const invitesPage = signedIn(async (c, me) => {
  const [invites, canCreate] = await Promise.all([
    listInvites(c.get("ctx").kv, {
      createdBy: me.isAdmin ? undefined : me.id,
      base: inviteBase(c),
    }),
    mayInvite(c, me),
  ]);
  return page(c, {
    title: "Invite people",
    children: (
      <InvitesPage me={me} done={c.req.query("done")}>
        {!canCreate && (
          <p class={`mb-4 ${muted}`} data-testid="invites-admins-only">
            Only administrators can invite people to {siteName(c)}.
          </p>
        )}
        <InvitePanel
          invites={invites}
          canCreate={canCreate}
          next="/invites"
          showCreator={me.isAdmin}
          heading="Invite links"
        />
      </InvitesPage>
    ),
  });
});

export const authPageRoutes = new Hono<Env>()
  .get("/login", authPage("login"))
  .get("/register", authPage("register"))
  .get("/join/:code", joinPage)
  .get("/invites", invitesPage);
