import { Hono } from "hono";
import { type ComponentChildren, Fragment } from "preact";
import { Avatar, conversationName, fullTime, shortTime } from "../components/people.tsx";
import { SearchForm } from "../components/SearchForm.tsx";
import {
  limitedSearchPage,
  type SearchPage as Found,
  searchQuerySchema,
  type SearchResult,
} from "../lib/search/mod.ts";
import type { User } from "../lib/accounts/mod.ts";
import { MAX_QUERY_CHARS } from "../lib/shared/limits.ts";
import { RateLimitError, ValidationError } from "../lib/errors.ts";
import type { AppCtx, Env } from "./_http.ts";
import { shell, signedIn } from "./chat.tsx";

/** Results on one page of /search (the API's largest page). */
const PAGE = 50;

const MARK = "rounded bg-amber-100 px-0.5 text-slate-900 dark:bg-amber-300";

/** `text` with the `[start, end)` ranges of `marks` as `<mark>` (overlaps merged, clamped). */
export function withMarks(text: string, marks: [number, number][]): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let at = 0;
  for (const [s, e] of [...marks].sort((a, b) => a[0] - b[0] || a[1] - b[1])) {
    const start = Math.max(at, Math.min(s, text.length));
    const end = Math.min(e, text.length);
    if (end <= start) continue;
    if (start > at) out.push(text.slice(at, start));
    out.push(<mark class={MARK}>{text.slice(start, end)}</mark>);
    at = end;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** Where a result is: a channel's name with its "#", else the conversation's name. */
function placeOf(conversation: SearchResult["conversation"], me: User): string {
  const name = conversationName(conversation, me.id);
  return conversation.kind === "channel" ? `#${name}` : name;
}

function Result(props: { result: SearchResult; me: User }) {
  const { message, conversation, snippet, marks } = props.result;
  return (
    <li>
      <a
        href={message.parentSeq
          // A reply is read in its thread (the conversation's history shows top-level ones).
          ? `/conversations/${conversation.id}?thread=${message.parentSeq}#m${message.seq}`
          : `/conversations/${conversation.id}?around=${message.seq}#m${message.seq}`}
        data-testid="search-result"
        class="flex gap-3 rounded-xl px-3 py-3 hover:bg-slate-50 dark:hover:bg-slate-800 focus:bg-slate-50 dark:focus:bg-slate-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        <Avatar user={message.author} />
        <span class="min-w-0 flex-1">
          <span class="flex flex-wrap items-baseline gap-x-2 text-sm">
            <span class="font-semibold text-slate-900 dark:text-slate-100">
              {message.author.displayName}
            </span>
            <span class="min-w-0 break-words text-slate-600 dark:text-slate-400">
              in {placeOf(conversation, props.me)}
            </span>
            <time
              class="text-xs text-slate-500 dark:text-slate-400"
              dateTime={message.createdAt}
              title={fullTime(message.createdAt)}
            >
              {shortTime(message.createdAt)}
            </time>
            {message.parentSeq
              ? (
                <span class="text-xs text-slate-500 dark:text-slate-400">
                  reply in a thread
                </span>
              )
              : null}
          </span>
          <span class="mt-0.5 block break-words text-sm text-slate-700 dark:text-slate-300">
            {withMarks(snippet, marks)}
          </span>
        </span>
      </a>
    </li>
  );
}

const TIPS: [string, string][] = [
  [
    "budget",
    "Words, and the beginnings of words (two letters or more), in any case, with or without accents. Every word must be there.",
  ],
  ['"exact phrase"', "These words, in this order."],
  ['-word, -"phrase"', "Leaves out messages with it."],
  ["from:ann, from:me", "Messages by someone (their username)."],
  [
    'in:#general, in:"Release plans", in:@ann',
    "In a channel, a conversation by its title, or your direct messages with someone.",
  ],
  [
    "before:2026-12-05, after:2026-12-01",
    "Before or after that day (the day itself left out; days in UTC).",
  ],
  ["has:file, has:link", "With an attachment, or with a link."],
];

/** What the query language understands, briefly, in a disclosure (open on an empty page). */
function SearchTips(props: { open: boolean }) {
  return (
    <details class="text-sm" open={props.open} data-testid="search-tips">
      <summary class="cursor-pointer select-none text-slate-600 dark:text-slate-400 hover:text-slate-900 dark:hover:text-slate-100">
        Search tips
      </summary>
      <dl class="mt-2 grid gap-x-4 gap-y-1.5 sm:grid-cols-[max-content_1fr]">
        {TIPS.map(([example, says]) => (
          <Fragment key={example}>
            <dt>
              <code class="rounded bg-slate-100 dark:bg-slate-800 px-1 py-0.5 text-xs text-slate-800 dark:text-slate-200">
                {example}
              </code>
            </dt>
            <dd class="mb-1 text-slate-600 dark:text-slate-400 sm:mb-0">{says}</dd>
          </Fragment>
        ))}
      </dl>
      <p class="mt-2 text-slate-600 dark:text-slate-400">
        Combine them: <code class="text-xs">deploy from:ann in:#ops after:2026-11-30</code>. Several
        {" "}
        <code class="text-xs">from:</code> or <code class="text-xs">in:</code> mean any of them.
      </p>
    </details>
  );
}

/** A link to another page of the same search. */
function pageHref(query: string, cursor?: string | null, tz?: number): string {
  const params = new URLSearchParams({ q: query });
  if (cursor) params.set("cursor", cursor);
  if (tz !== undefined) params.set("tz", String(tz));
  return `/search?${params}`;
}

const NOTE = "px-2 py-6 text-sm text-slate-600 dark:text-slate-400";
const LINK =
  "rounded-lg border border-slate-300 dark:border-slate-600 px-4 py-2 text-sm font-medium text-indigo-700 dark:text-indigo-300 hover:bg-slate-50 dark:hover:bg-slate-800";

/** The search page: a box, tips, and a page of the matching messages, newest first. */
export function SearchPage(
  props: {
    me: User;
    query: string;
    found: Found | null;
    /** A refused query or cursor, or the searcher's limits: said instead of results. */
    notice?: string;
    /** Whether this is a later page (reached by "Older results"). */
    older?: boolean;
    tz?: number;
  },
) {
  const { query, found } = props;
  const results = found?.results ?? null;
  const count = results?.length ?? 0;
  const messages = `${count}${props.older ? " older" : ""} message${count === 1 ? "" : "s"}`;
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
          boxClass="min-w-0 flex-1"
          inputClass="w-full rounded-lg border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-800 px-3 py-2 text-sm text-slate-900 dark:text-slate-100 placeholder:text-slate-500 dark:placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200 dark:focus:ring-indigo-800"
        >
          {props.tz !== undefined && <input type="hidden" name="tz" value={String(props.tz)} />}
          <button
            type="submit"
            class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500"
          >
            Search
          </button>
        </SearchForm>
      </header>
      <div class="flex-1 overflow-y-auto px-3 py-3">
        <div class="px-2">
          <SearchTips open={!query && !props.notice} />
        </div>
        {props.notice
          ? (
            <p class={NOTE} role="alert" data-testid="search-notice">
              {props.notice}
            </p>
          )
          : results === null
          ? (
            <p class={NOTE}>
              Words and the beginnings of words, in any case and with or without accents.
            </p>
          )
          : results.length === 0
          ? (
            <p class={NOTE}>
              {props.older
                ? `No older messages match “${query}”.`
                : `No messages match “${query}”.`}
            </p>
          )
          : (
            <>
              <h1 class="px-2 pb-2 text-sm font-medium text-slate-600 dark:text-slate-400">
                {messages} for “{query}”
                {found?.nextCursor ? ", newest first" : ""}
              </h1>
              <ol class="space-y-1" aria-label="Results">
                {results.map((r) => <Result key={r.message.id} result={r} me={props.me} />)}
              </ol>
            </>
          )}
        {found?.partial && (
          <p
            class="mx-2 my-3 rounded-lg bg-amber-50 dark:bg-amber-950 px-3 py-2 text-sm text-amber-900 dark:text-amber-200"
            role="status"
            data-testid="search-partial"
          >
            This search had too much to look through, so some matching messages may be missing.
            Narrow it with <code>from:</code>, <code>in:</code> or a date.
          </p>
        )}
        {(found?.nextCursor || props.older) && (
          <nav class="flex flex-wrap gap-2 px-2 py-4" aria-label="More results">
            {found?.nextCursor && (
              <a href={pageHref(query, found.nextCursor, props.tz)} rel="next" class={LINK}>
                Older results
              </a>
            )}
            {props.older && (
              <a href={pageHref(query, null, props.tz)} class={LINK}>Newest results</a>
            )}
          </nav>
        )}
      </div>
    </section>
  );
}

/** What the page says for a query or cursor the search refused (its field's sentence). */
function refusal(err: ValidationError): string {
  return err.fields?.q ??
    (err.fields?.cursor
      ? "That link to older results no longer works. Search again from the newest."
      : err.message);
}

async function searchPage(c: AppCtx, me: User) {
  const raw = (c.req.query("q") ?? "").slice(0, MAX_QUERY_CHARS);
  const parsed = searchQuerySchema.safeParse({
    q: raw,
    limit: PAGE,
    cursor: c.req.query("cursor") || undefined,
    tz: c.req.query("tz") || undefined,
  });
  let status = 200;
  let notice: string | undefined;
  let retryAfter = 0;
  let found: Found | null = null;
  if (parsed.success) {
    found = await limitedSearchPage(c.get("ctx").kv, me.id, parsed.data.q, {
      limit: PAGE,
      cursor: parsed.data.cursor,
      tz: parsed.data.tz,
      scale: c.get("ctx").config.rateLimitScale,
    }).catch((err) => {
      // Past the searcher's limits (lib/search/gate.ts): the page says so, answered 429.
      if (err instanceof RateLimitError) {
        [status, retryAfter] = [429, err.retryAfterSeconds];
        notice = "You have searched a lot just now. Try again in a minute.";
      } else if (err instanceof ValidationError) {
        [status, notice] = [400, refusal(err)];
      } else throw err;
      return null;
    });
  } else if (raw.trim()) {
    // A query the schema refuses (a bad cursor or tz; an empty one is the empty page).
    status = 400;
    const issue = parsed.error.issues[0];
    notice = issue.path[0] === "cursor"
      ? "That link to older results no longer works. Search again from the newest."
      : issue.path[0] === "tz"
      ? "tz is a time zone's offset from UTC in minutes, from -840 to 840."
      : issue.message;
  }
  const res = await shell(c, {
    me,
    title: raw.trim() ? `Search: ${raw.trim()}` : "Search",
    children: (
      <SearchPage
        me={me}
        query={raw.trim()}
        found={found}
        notice={notice}
        older={Boolean(parsed.success && parsed.data.cursor)}
        tz={parsed.success ? parsed.data.tz : undefined}
      />
    ),
  });
  if (status === 200) return res;
  const headers = new Headers(res.headers);
  if (retryAfter) headers.set("Retry-After", String(retryAfter));
  return new Response(res.body, { status, headers });
}

export const searchPageRoutes = new Hono<Env>().get("/search", signedIn(searchPage));
