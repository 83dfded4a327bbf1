/**
 * The account page's "Bots" section: your bots with Delete, a form to make one, and the new
 * bot's token shown once after that form. Plain forms to /api/bots (no JavaScript needed).
 */
import type { BotInfo } from "../lib/accounts/mod.ts";
import {
  buttonClass,
  type CreatedSecret,
  fieldClass,
  muted,
  NewSecret,
  quietButton,
  sectionClass,
  when,
} from "./AccessTokens.tsx";
import { Avatar, BotBadge } from "./people.tsx";

function BotRow(props: { bot: BotInfo }) {
  const { bot } = props;
  return (
    <li class="flex items-center gap-3 py-3" data-bot-id={bot.id}>
      <Avatar user={bot} />
      <div class="min-w-0 flex-1">
        <p class="truncate text-sm font-medium">
          <bdi>{bot.displayName}</bdi> <BotBadge />
        </p>
        <p class={muted}>
          @{bot.username} · <span class="whitespace-nowrap">made {when(bot.createdAt)}</span>
        </p>
      </div>
      <form method="post" action={`/api/bots/${encodeURIComponent(bot.id)}/delete`}>
        <button type="submit" aria-label={`Delete ${bot.displayName}`} class={quietButton}>
          Delete
        </button>
      </form>
    </li>
  );
}

/** The "Bots" section. */
export function BotsSection(props: { bots: BotInfo[]; created?: CreatedSecret }) {
  return (
    <section class={sectionClass} aria-labelledby="bots">
      <h2 id="bots" class="text-lg font-semibold">Bots</h2>
      <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
        A bot is an account for a program: it posts as itself, marked Bot, in the conversations it
        is added to (add it like anyone), and signs in only with its token. Deleting it disables it;
        its messages stay.
      </p>
      {props.created?.kind === "bot" && <NewSecret created={props.created} />}
      {props.bots.length === 0
        ? <p class="mt-3 text-sm text-slate-600 dark:text-slate-400">You have no bots.</p>
        : (
          <ul class="mt-2 divide-y divide-slate-100 dark:divide-slate-800" aria-label="Bots">
            {props.bots.map((b) => <BotRow key={b.id} bot={b} />)}
          </ul>
        )}
      <form method="post" action="/api/bots" class="mt-4 flex flex-wrap items-end gap-3">
        <label class="min-w-0 flex-1 basis-40 text-sm font-medium">
          Username
          <input
            class={fieldClass}
            type="text"
            name="username"
            minLength={3}
            maxLength={32}
            pattern="[A-Za-z0-9_.\-]+"
            required
            placeholder="deploy-bot"
            autocomplete="off"
          />
        </label>
        <label class="min-w-0 flex-1 basis-40 text-sm font-medium">
          Display name
          <input
            class={fieldClass}
            type="text"
            name="displayName"
            maxLength={64}
            required
            placeholder="Deploy bot"
            autocomplete="off"
          />
        </label>
        <button type="submit" class={`${buttonClass} bg-indigo-600 text-white hover:bg-indigo-500`}>
          Create bot
        </button>
      </form>
    </section>
  );
}
