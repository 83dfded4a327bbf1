import { Hono } from "hono";
import type { ComponentChildren } from "preact";
import { LinkedAccounts } from "../components/LinkedAccounts.tsx";
import { listBlocked } from "../lib/conversations/mod.ts";
import {
  type BotInfo,
  getUsersByIds,
  listBots,
  listIdentities,
  listProviders,
  listSessions,
  listTokens,
  sessionIdOf,
  type SessionInfo,
  type TokenInfo,
  type User,
} from "../lib/accounts/mod.ts";
import { AccessTokens, type CreatedSecret } from "../components/AccessTokens.tsx";
import { BotsSection } from "../components/BotsSection.tsx";
import { type AppCtx, type Env, readSessionCookie } from "./_http.ts";
import { page } from "./_page.tsx";
import { signedIn } from "./chat.tsx";
import { emailSettingsSection } from "./email_pages.tsx";
import { PushSettings } from "../components/PushSettings.tsx";

const DONE: Record<string, string> = {
  password_changed: "Your password is changed. Every other session was signed out.",
  session_ended: "That session is signed out.",
  unblocked: "Unblocked. They can start conversations with you again.",
  token_revoked: "That token is revoked: it no longer signs anything in.",
  bot_deleted: "That bot is deleted: it can no longer sign in or post. Its messages stay.",
};

const button =
  "rounded-lg px-3 py-1.5 text-sm font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";
const input =
  "mt-1 block w-full rounded-lg border border-slate-300 dark:border-slate-600 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";

/** "Firefox on Linux"-style words from a User-Agent, enough to tell devices apart. */
export function describeAgent(userAgent: string): string {
  if (!userAgent) return "Unknown device";
  const browser = /Edg\//.test(userAgent)
    ? "Edge"
    : /Firefox\//.test(userAgent)
    ? "Firefox"
    : /Chrome\/|Chromium\//.test(userAgent)
    ? "Chrome"
    : /Safari\//.test(userAgent)
    ? "Safari"
    : /^Deno\//.test(userAgent)
    ? "Deno"
    : "A browser";
  const os = /Android/.test(userAgent)
    ? "Android"
    : /iPhone|iPad/.test(userAgent)
    ? "iOS"
    : /Windows/.test(userAgent)
    ? "Windows"
    : /Mac OS X/.test(userAgent)
    ? "macOS"
    : /Linux/.test(userAgent)
    ? "Linux"
    : "";
  return os ? `${browser} on ${os}` : browser;
}

function when(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function SessionRow(props: { session: SessionInfo; current: boolean }) {
  const { session, current } = props;
  return (
    <li class="flex items-center gap-3 py-3">
      <div class="min-w-0 flex-1">
        <p class="text-sm font-medium">
          {describeAgent(session.userAgent)}
          {current && (
            <span class="ml-2 rounded-full bg-emerald-100 dark:bg-emerald-900 px-2 py-0.5 text-xs font-semibold text-emerald-800 dark:text-emerald-300">
              This device
            </span>
          )}
        </p>
        <p class="text-xs text-slate-600 dark:text-slate-400">
          {session.address || "unknown address"} · signed in {when(session.createdAt)} · last active
          {" "}
          {when(session.lastSeenAt)}
        </p>
      </div>
      {!current && (
        <form method="post" action={`/api/auth/sessions/${encodeURIComponent(session.id)}/revoke`}>
          <button
            type="submit"
            class={`${button} text-slate-700 dark:text-slate-300 ring-1 ring-slate-300 dark:ring-slate-600 hover:bg-slate-50 dark:hover:bg-slate-800`}
          >
            Sign out
          </button>
        </form>
      )}
    </li>
  );
}

/** The people you block, each with an Unblock button (a plain form: works without JavaScript). */
function BlockedPeople(props: { blocked: User[] }) {
  return (
    <section
      class="mt-6 rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700"
      aria-labelledby="blocked"
    >
      <h2 id="blocked" class="text-lg font-semibold">Blocked people</h2>
      <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
        They cannot start a conversation with you or add you to one or to a project.
      </p>
      {props.blocked.length === 0
        ? <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">You block nobody.</p>
        : (
          <ul
            class="mt-2 divide-y divide-slate-100 dark:divide-slate-800"
            aria-label="Blocked people"
          >
            {props.blocked.map((u) => (
              <li key={u.id} class="flex items-center gap-3 py-3">
                <p class="min-w-0 flex-1 truncate text-sm">
                  <span class="font-medium">{u.displayName}</span>{" "}
                  <span class="text-slate-600 dark:text-slate-400">@{u.username}</span>
                </p>
                <form
                  method="post"
                  action={`/api/conversations/blocked/${encodeURIComponent(u.id)}/remove`}
                >
                  <button
                    type="submit"
                    aria-label={`Unblock ${u.displayName}`}
                    class={`${button} text-slate-700 dark:text-slate-300 ring-1 ring-slate-300 dark:ring-slate-600 hover:bg-slate-50 dark:hover:bg-slate-800`}
                  >
                    Unblock
                  </button>
                </form>
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}

/** The account page: password change, signed-in sessions and the people you block. */
export function AccountPage(
  props: {
    me: User;
    sessions: SessionInfo[];
    currentId?: string;
    done?: string;
    linkedAccounts?: ComponentChildren;
    blocked?: User[];
    email?: ComponentChildren;
    tokens?: TokenInfo[];
    bots?: BotInfo[];
    /** A token or bot the form just made: its secret is shown this once. */
    created?: CreatedSecret;
  },
) {
  const { me, sessions, currentId } = props;
  return (
    <main class="mx-auto max-w-2xl px-4 py-8">
      <p class="mb-4">
        <a
          href="/"
          class="text-sm font-medium text-indigo-600 dark:text-indigo-400 hover:text-indigo-500"
        >
          ← Back to chat
        </a>
      </p>
      <h1 class="text-2xl font-bold tracking-tight">Your account</h1>
      <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
        Signed in as <span class="font-medium">{me.displayName}</span> (@{me.username})
      </p>
      {props.done && DONE[props.done] && (
        <p
          role="status"
          class="mt-4 rounded-lg bg-emerald-50 dark:bg-emerald-950 px-4 py-2 text-sm text-emerald-800 dark:text-emerald-300 ring-1 ring-emerald-200"
        >
          {DONE[props.done]}
        </p>
      )}

      <section
        class="mt-8 rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700"
        aria-labelledby="pw"
      >
        <h2 id="pw" class="text-lg font-semibold">Change password</h2>
        <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
          Every other session is signed out when you change it.
        </p>
        <form method="post" action="/api/auth/password" class="mt-4 space-y-3">
          <label class="block text-sm font-medium">
            Current password
            <input
              class={input}
              type="password"
              name="currentPassword"
              autocomplete="current-password"
              required
            />
          </label>
          <label class="block text-sm font-medium">
            New password
            <input
              class={input}
              type="password"
              name="newPassword"
              autocomplete="new-password"
              minLength={8}
              maxLength={256}
              required
            />
          </label>
          <button type="submit" class={`${button} bg-indigo-600 text-white hover:bg-indigo-500`}>
            Change password
          </button>
        </form>
      </section>

      {props.email}
      <PushSettings />

      {props.linkedAccounts && (
        <div class="mt-6 rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700">
          {props.linkedAccounts}
        </div>
      )}

      <section
        class="mt-6 rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700"
        aria-labelledby="sessions"
      >
        <div class="flex items-center justify-between gap-3">
          <h2 id="sessions" class="text-lg font-semibold">Where you're signed in</h2>
          <form method="post" action="/api/auth/sessions/revoke-all">
            <button type="submit" class={`${button} bg-red-600 text-white hover:bg-red-500`}>
              Sign out everywhere
            </button>
          </form>
        </div>
        <ul class="mt-2 divide-y divide-slate-100 dark:divide-slate-800" aria-label="Sessions">
          {sessions.map((s) => <SessionRow key={s.id} session={s} current={s.id === currentId} />)}
        </ul>
      </section>

      <AccessTokens tokens={props.tokens ?? []} created={props.created} />
      <BotsSection bots={props.bots ?? []} created={props.created} />

      <BlockedPeople blocked={props.blocked ?? []} />
    </main>
  );
}

/**
 * The account page for `me`; `created`: the answer to a token's or a bot's creation form,
 * which shows its secret this once (pages are never cached: see page()).
 */
export async function renderAccountPage(
  c: AppCtx,
  me: User,
  options: { created?: CreatedSecret } = {},
) {
  const token = readSessionCookie(c);
  const { kv, config } = c.get("ctx");
  const providers = listProviders(config);
  const [sessions, currentId, identities, blocked, tokens, bots] = await Promise.all([
    listSessions(kv, me.id),
    token ? sessionIdOf(token) : undefined,
    providers.length > 0 ? listIdentities(kv, me.id) : [],
    listBlocked(kv, me.id).then((ids) => getUsersByIds(kv, ids)),
    listTokens(kv, me.id),
    listBots(kv, me.id),
  ]);
  return page(c, {
    title: "Your account",
    children: (
      <AccountPage
        me={me}
        sessions={sessions}
        currentId={currentId}
        done={options.created ? undefined : c.req.query("done")}
        blocked={blocked}
        tokens={tokens}
        bots={bots}
        created={options.created}
        email={await emailSettingsSection(c, me)}
        linkedAccounts={providers.length > 0 &&
          <LinkedAccounts providers={providers} identities={identities} />}
      />
    ),
  });
}

export const accountPageRoutes = new Hono<Env>().get(
  "/account",
  signedIn((c, me) => renderAccountPage(c, me)),
);
