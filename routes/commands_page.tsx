/**
 * `/commands`: the slash commands, what each does and how to write it. Where a composer's
 * `/help` goes without JavaScript (`?conversation=<id>` links back there); with JavaScript
 * `/help` shows the same list under the composer instead.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { User } from "../lib/accounts/mod.ts";
import { COMMANDS, commandUsage } from "../lib/shared/commands.ts";
import type { AppCtx, Env } from "./_http.ts";
import { shell, signedIn } from "./chat.tsx";

const backSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** The commands as a definition list: `/usage` then what it does. */
export function CommandList() {
  return (
    <dl class="divide-y divide-slate-200 dark:divide-slate-700" data-testid="command-list">
      {COMMANDS.map((info) => (
        <div key={info.name} class="flex flex-col gap-1 px-3 py-3 sm:flex-row sm:gap-4">
          <dt class="shrink-0 font-mono text-sm font-semibold text-slate-900 dark:text-slate-100 sm:w-48">
            {commandUsage(info)}
          </dt>
          <dd class="text-sm text-slate-700 dark:text-slate-300">{info.description}</dd>
        </div>
      ))}
    </dl>
  );
}

async function commandsPage(c: AppCtx, me: User) {
  const back = backSchema.safeParse(c.req.query("conversation"));
  const href = back.success ? `/conversations/${back.data}` : null;
  return await shell(c, {
    me,
    title: "Slash commands",
    currentId: back.success ? back.data : null,
    children: (
      <section
        class="flex h-full min-h-0 min-w-0 flex-1 flex-col bg-white dark:bg-slate-900"
        aria-label="Slash commands"
      >
        <header class="flex items-center gap-3 border-b border-slate-200 px-5 py-3 dark:border-slate-700">
          {href && (
            <a
              href={href}
              class="text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100"
              aria-label="Back to the conversation"
            >
              ←
            </a>
          )}
          <h1 class="min-w-0 truncate text-base font-semibold leading-6">Slash commands</h1>
        </header>
        <div class="flex-1 overflow-y-auto px-3 py-3">
          <p class="px-3 pb-2 text-sm text-slate-600 dark:text-slate-400">
            Type these in a conversation's message box. To send a message that starts with /, begin
            it with // instead.
          </p>
          <CommandList />
          {href && (
            <p class="px-3 py-4 text-sm">
              <a
                href={href}
                class="rounded font-semibold text-indigo-700 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300"
              >
                Back to the conversation
              </a>
            </p>
          )}
        </div>
      </section>
    ),
  });
}

export const commandsPageRoutes = new Hono<Env>().get("/commands", signedIn(commandsPage));
