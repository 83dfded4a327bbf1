import { Hono } from "hono";
import type { ComponentChildren } from "preact";
import { Avatar, conversationName, fullTime, shortTime } from "../components/people.tsx";
import { SearchForm } from "../components/SearchForm.tsx";
import {
  foldToken,
  limitedSearch,
  searchQuerySchema,
  type SearchResult,
  tokenize,
} from "../lib/search/mod.ts";
import type { User } from "../lib/accounts/mod.ts";
import { MAX_QUERY_CHARS } from "../lib/shared/limits.ts";
import { RateLimitError } from "../lib/errors.ts";
import { plainText } from "../lib/shared/plain_text.ts";
import type { AppCtx, Env } from "./_http.ts";
import { shell, signedIn } from "./chat.tsx";

const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });

/** The text with every word that a query word begins marked (`<mark>`), as Preact text. */
export function highlight(text: string, query: string): ComponentChildren[] {
  const wanted = tokenize(query, 8);
  const out: ComponentChildren[] = [];
  for (const part of segmenter.segment(text)) {
    const folded = part.isWordLike ? foldToken(part.segment) : "";
    const hit = folded && wanted.some((w) => folded.startsWith(w));
    out.push(
      hit
        ? (
          <mark class="rounded bg-amber-100 px-0.5 text-slate-900">
            {part.segment}
          </mark>
        )
        : part.segment,
    );
  }
  return out;
}

/** What the message says as a reader sees it (no `**`, no list marks), on one line, cut. */
function snippet(message: SearchResult["message"]): string {
  const flat = plainText(message.content, message.formatted);
  return flat.length > 280 ? `${flat.slice(0, 279)}…` : flat;
}

function Result(props: { result: SearchResult; query: string; me: User }) {
  const { message, conversation } = props.result;
  const where = conversationName(conversation, props.me.id);
  return (
    <li>
      <a
        href={message.parentSeq
          // A reply is read in its thread (the conversation's history shows top-level ones).
          ? `/conversations/${conversation.id}?thread=${message.parentSeq}#m${message.seq}`
          : `/conversations/${conversation.id}?around=${message.seq}#m${message.seq}`}
        class="flex gap-3 rounded-xl px-3 py-3 hover:bg-slate-50 dark:hover:bg-slate-800 focus:bg-slate-50 dark:focus:bg-slate-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        <Avatar user={message.author} />
        <span class="min-w-0 flex-1">
          <span class="flex flex-wrap items-baseline gap-x-2 text-sm">
            <span class="font-semibold text-slate-900 dark:text-slate-100">
              {message.author.displayName}
            </span>
            <span class="text-slate-600 dark:text-slate-400">in {where}</span>
            <time
              class="text-xs text-slate-500 dark:text-slate-400"
              dateTime={message.createdAt}
              title={fullTime(message.createdAt)}
            >
              {shortTime(message.createdAt)}
            </time>
          </span>
          <span class="mt-0.5 block break-words text-sm text-slate-700 dark:text-slate-300">
            {highlight(snippet(message), props.query)}
          </span>
        </span>
      </a>
    </li>
  );
}

/** The search page: a box, and the matching messages of your conversations, newest first. */
export function SearchPage(
  props: { me: User; query: string; results: SearchResult[] | null; notice?: string },
) {
  const { query, results } = props;
  return (
    <section
      class="flex h-full min-h-0 min-w-0 flex-1 flex-col bg-white dark:bg-slate-900"
      aria-label="Search"
    >
      <header class="border-b border-slate-200 dark:border-slate-700 px-5 py-3">
        <SearchForm
          id="search-page-q"
          value={query}
          placeholder="Search your conversations"
          class="flex gap-2"
          inputClass="min-w-0 flex-1 rounded-lg border border-slate-300 dark:border-slate-600 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
        >
          <button
            type="submit"
            class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500"
          >
            Search
          </button>
        </SearchForm>
      </header>
      <div class="flex-1 overflow-y-auto px-3 py-3">
        {results === null
          ? (
            <p
              class="px-2 py-6 text-sm text-slate-600 dark:text-slate-400"
              role={props.notice ? "alert" : undefined}
            >
              {props.notice ??
                "Words and the beginnings of words, in any case and with or without accents."}
            </p>
          )
          : results.length === 0
          ? (
            <p class="px-2 py-6 text-sm text-slate-600 dark:text-slate-400">
              No messages match “{query}”.
            </p>
          )
          : (
            <>
              <h1 class="px-2 pb-2 text-sm font-medium text-slate-600 dark:text-slate-400">
                {results.length === 1 ? "1 message" : `${results.length} messages`} for “{query}”
              </h1>
              <ol class="space-y-1" aria-label="Results">
                {results.map((r) => (
                  <Result key={r.message.id} result={r} query={query} me={props.me} />
                ))}
              </ol>
            </>
          )}
      </div>
    </section>
  );
}

async function searchPage(c: AppCtx, me: User) {
  const raw = (c.req.query("q") ?? "").slice(0, MAX_QUERY_CHARS);
  const parsed = searchQuerySchema.safeParse({ q: raw, limit: 50 });
  // Past the searcher's limits (lib/search/gate.ts): the page says so, answered 429.
  let limited: RateLimitError | null = null;
  const results = parsed.success
    ? await limitedSearch(c.get("ctx").kv, me.id, parsed.data.q, {
      limit: 50,
      scale: c.get("ctx").config.rateLimitScale,
    }).catch((err) => {
      if (!(err instanceof RateLimitError)) throw err;
      limited = err;
      return null;
    })
    : null;
  const res = await shell(c, {
    me,
    title: raw.trim() ? `Search: ${raw.trim()}` : "Search",
    children: (
      <SearchPage
        me={me}
        query={raw.trim()}
        results={results}
        notice={limited ? "You have searched a lot just now. Try again in a minute." : undefined}
      />
    ),
  });
  if (!limited) return res;
  const headers = new Headers(res.headers);
  headers.set("Retry-After", String((limited as RateLimitError).retryAfterSeconds));
  return new Response(res.body, { status: 429, headers });
}

export const searchPageRoutes = new Hono<Env>().get("/search", signedIn(searchPage));
