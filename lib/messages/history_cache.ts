import { getManyChunked, headKey, LruCache, perStore } from "../storage/mod.ts";
import type { ConversationHead } from "../conversations/mod.ts";
import { listMessages, type MessagePage } from "./history.ts";
import { deletedUser, userOf, userRecordKey } from "../accounts/mod.ts";
import type { User } from "../shared/user.ts";

/**
 * Pages of history (listMessages) kept per process, for the conversation page and the REST
 * message page: reading 51 message records and shaping them was most of a REST request's
 * cost (bench/all.ts), and a busy conversation is read far more often than it is written.
 *
 * Exact, not time-bound: an entry is used only when the conversation's head still has the
 * version the page was read under. Every write to a message record moves its head in the
 * same commit (a new message takes a `seq`; an edit, delete, reaction or detached file bumps
 * `rev`: send.ts, changes.ts), and the head's last message id tells a deleted and
 * re-created conversation apart. Authors are not in the head, so they are read on every use
 * and compared (a renamed or deleted author makes the entry stale). So each use costs one
 * getMany (the head and the entry's authors) instead of a range read of 51 records.
 *
 * Kept per KV handle (perStore): a conversation's id and version name its pages in one
 * store only (an imported copy of a store has the same ids).
 *
 * The pages are shared between requests: frozen, so a caller that tried to change one would
 * fail loudly instead of changing what the next request sees.
 */
type Entry = {
  version: string;
  page: MessagePage;
  authors: User[];
  /** The page as JSON, made on first use (the REST answer). */
  json: string | null;
  /** Characters it holds, about (see sizeOf), and its JSON's once made. */
  size: number;
};

export type HistoryOptions = { before?: number; after?: number; around?: number; limit?: number };

/** Conversations × queries kept (one entry each: its latest version). ~50–100 KB each. */
const MAX_ENTRIES = 500;
/**
 * Characters all entries hold at most (~32 MB as UTF-16, besides the formatting trees): a
 * page of 100 messages of 4,000 characters, with its JSON, is ~1 M, so 500 of them (one
 * user paging through with `before`) would have been ~1 GB.
 */
export const HISTORY_CACHE_CHARS = 16 * 1024 * 1024;
/** One store's pages, least recently used first, bounded by count and by characters held. */
const pagesOf = perStore(() =>
  new LruCache<string, Entry>({
    maxEntries: MAX_ENTRIES,
    maxSize: HISTORY_CACHE_CHARS,
    sizeOf: (entry) => entry.size,
  })
);

/** A page's characters, about: its messages' text and a margin for their other fields. */
function sizeOf(page: MessagePage): number {
  return page.messages.reduce((n, m) => n + m.content.length + 300, 0);
}

/** Characters the store's cached pages hold now (see HISTORY_CACHE_CHARS). */
export function historyCacheChars(kv: Deno.Kv): number {
  return pagesOf(kv).size;
}

/** What the head says about a conversation's messages (see above). */
function versionOf(head: ConversationHead | null): string {
  return `${head?.seq ?? 0}:${head?.rev ?? 0}:${head?.lastMessage?.id ?? ""}`;
}

function keyOf(conversationId: string, o: HistoryOptions): string {
  return `${conversationId}|${o.before ?? ""}|${o.after ?? ""}|${o.around ?? ""}|${o.limit ?? ""}`;
}

/** The distinct authors of a page, as its messages carry them. */
function authorsOf(page: MessagePage): User[] {
  return [...new Map(page.messages.map((m) => [m.author.id, m.author])).values()];
}

/** Whether the authors, as read now, are as the page shows them (a missing one: deleted). */
function sameAuthors(authors: User[], now: Deno.KvEntryMaybe<unknown>[]): boolean {
  return authors.every((a, i) => {
    const u = userOf(now[i]) ?? deletedUser(a.id);
    return u.username === a.username && u.displayName === a.displayName;
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * listMessages through the cache. The caller has checked that the reader takes part.
 * `json()` gives the page as JSON text (made once per cached page).
 */
export async function readHistory(
  kv: Deno.Kv,
  conversationId: string,
  options: HistoryOptions,
): Promise<{ page: MessagePage; json: () => string }> {
  const entries = pagesOf(kv);
  const key = keyOf(conversationId, options);
  const cached = entries.get(key);
  const authors = cached?.authors ?? [];
  const [head, ...now] = await getManyChunked<unknown>(kv, [
    headKey(conversationId),
    ...authors.map((a) => userRecordKey(a.id)),
  ]);
  const version = versionOf(head.value as ConversationHead | null);
  let entry = cached;
  if (!entry || entry.version !== version || !sameAuthors(authors, now)) {
    // Read after the head: the page is at least as new as the version it is filed under.
    const page = deepFreeze(await listMessages(kv, conversationId, options));
    entry = { version, page, authors: authorsOf(page), json: null, size: sizeOf(page) };
  }
  // Another request may have filed this key meanwhile: its entry is what leaves.
  entries.set(key, entry);
  const hit = entry;
  return {
    page: hit.page,
    json: () => {
      if (hit.json === null) {
        hit.json = JSON.stringify(hit.page);
        hit.size += hit.json.length;
        // Counted only while it is in the cache (it may have been dropped since).
        if (entries.peek(key) === hit) entries.set(key, hit);
      }
      return hit.json;
    },
  };
}
