/**
 * The account page's "Access tokens" section: the tokens (name, made, last used, expiry) with
 * Revoke, a form to make one, and the new secret shown once after that form. Plain forms to
 * /api/tokens: it all works without JavaScript (the Copy button comes with it).
 */
import { Fragment } from "preact";
import CopyLink from "../islands/CopyLink.tsx";
import { DEFAULT_TOKEN_DAYS, type TokenInfo } from "../lib/accounts/mod.ts";
import { island } from "../lib/web/mod.ts";

const CopyLinkIsland = island("CopyLink", CopyLink);

export const sectionClass =
  "mt-6 rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700";
export const buttonClass =
  "rounded-lg px-3 py-1.5 text-sm font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";
export const fieldClass =
  "mt-1 block w-full rounded-lg border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-950 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
export const quietButton =
  `${buttonClass} text-red-700 dark:text-red-300 ring-1 ring-red-300 dark:ring-red-800 hover:bg-red-50 dark:hover:bg-red-950`;
export const muted = "text-xs text-slate-600 dark:text-slate-400";

/** What a creation form just made: its name and the secret, shown this once. */
export type CreatedSecret = { kind: "token" | "bot"; name: string; secret: string };

const EXPIRY_CHOICES = [7, 30, 90, 180, 365];

/** "2026-12-05 01:32 UTC" */
export function when(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/** The secret just made, with a Copy button: the one time it is shown. */
export function NewSecret(props: { created: CreatedSecret }) {
  const { created } = props;
  return (
    <div
      role="status"
      class="mt-4 rounded-lg bg-amber-50 dark:bg-amber-950 p-4 ring-1 ring-amber-300 dark:ring-amber-800"
      data-new-secret
    >
      <p class="text-sm font-semibold text-amber-900 dark:text-amber-200">
        {created.kind === "token" ? "Your new token" : "Your bot's token"} for{" "}
        <bdi>{created.name}</bdi>
      </p>
      <p class="mt-1 text-xs text-amber-900 dark:text-amber-200">
        Copy it now: it is not shown again. Keep it like a password.
      </p>
      <div class="mt-2">
        <CopyLinkIsland url={created.secret} label="The new token" />
      </div>
    </div>
  );
}

function TokenRow(props: { token: TokenInfo }) {
  const { token } = props;
  return (
    <li class="flex flex-wrap items-center gap-3 py-3" data-token-id={token.id}>
      <div class="min-w-0 flex-1 basis-48">
        <p class="truncate text-sm font-medium">
          <bdi>{token.name}</bdi>
        </p>
        <p class={muted}>
          {[
            `made ${when(token.createdAt)}`,
            token.lastUsedAt ? `last used ${when(token.lastUsedAt)}` : "never used",
            token.expiresAt ? `expires ${when(token.expiresAt)}` : "no expiry",
          ].map((fact, i) => (
            // Each fact on one line: a narrow screen breaks between them, not inside a date.
            <Fragment key={fact}>
              {i > 0 && " · "}
              <span class="whitespace-nowrap">{fact}</span>
            </Fragment>
          ))}
        </p>
      </div>
      <form method="post" action={`/api/tokens/${encodeURIComponent(token.id)}/revoke`}>
        <button type="submit" aria-label={`Revoke ${token.name}`} class={quietButton}>
          Revoke
        </button>
      </form>
    </li>
  );
}

/** The "Access tokens" section. */
export function AccessTokens(props: { tokens: TokenInfo[]; created?: CreatedSecret }) {
  return (
    <section class={sectionClass} aria-labelledby="tokens">
      <h2 id="tokens" class="text-lg font-semibold">Access tokens</h2>
      <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
        Scripts and programs act as you with a token: they send{" "}
        <code class="whitespace-nowrap rounded bg-slate-100 dark:bg-slate-800 px-1 text-xs">
          Authorization: Bearer &lt;token&gt;
        </code>{" "}
        to the{" "}
        <a class="text-indigo-600 dark:text-indigo-400 underline" href="/api/docs">API</a>. Revoke
        one you no longer use.
      </p>
      {props.created?.kind === "token" && <NewSecret created={props.created} />}
      {props.tokens.length === 0
        ? <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">You have no tokens.</p>
        : (
          <ul class="mt-2 divide-y divide-slate-100 dark:divide-slate-800" aria-label="Tokens">
            {props.tokens.map((t) => <TokenRow key={t.id} token={t} />)}
          </ul>
        )}
      <form method="post" action="/api/tokens" class="mt-4 flex flex-wrap items-end gap-3">
        <label class="min-w-0 flex-1 basis-48 text-sm font-medium">
          Name
          <input
            class={fieldClass}
            type="text"
            name="name"
            maxLength={64}
            required
            placeholder="e.g. Deploy script"
            autocomplete="off"
          />
        </label>
        <label class="text-sm font-medium">
          Expires after
          <select class={fieldClass} name="expiresInDays">
            {EXPIRY_CHOICES.map((days) => (
              <option key={days} value={days} selected={days === DEFAULT_TOKEN_DAYS}>
                {days} days
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class={`${buttonClass} bg-indigo-600 text-white hover:bg-indigo-500`}>
          Create token
        </button>
      </form>
    </section>
  );
}
