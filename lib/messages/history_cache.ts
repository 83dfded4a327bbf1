import {
  getManyChunked,
  headKey,
  isId,
  LruCache,
  membershipKey,
  perStore,
  profilesRevKey,
  readMarkKey,
} from "../storage/mod.ts";
import type { ConversationHead } from "../conversations/mod.ts";
import { listMessages, type MessagePage } from "./history.ts";
import { bytesOf, stringBytes } from "./heap_size.ts";
import { deletedUser, userOf, userRecordKey } from "../accounts/mod.ts";
import type { User } from "../shared/user.ts";
import { NotFoundError } from "../errors.ts";

/**
 * Pages of history (listMessages) kept per process, for the conversation page and the REST
 * message page: reading 51 message records and shaping them was most of a REST request's
 * cost (bench/all.ts), and a busy conversation is read far more often than it is written.
 *
 * Exact, not time-bound: an entry is used only when the conversation's head still has the
 * version the page was read under. Every write to a message record moves its head in the
 * same commit (a new message takes a `seq`; an edit, delete, reaction or detached file bumps
 * `rev`: send.ts, changes.ts), and the head's last message id tells a deleted and
 * re-created conversation apart. Authors (and the people system messages name) are not in
 * the head: what others see of an account changes only in commits that also move one key,
 * `profilesRevKey` (accounts/users.ts: a deletion, the site-admin role), so its versionstamp
 * is kept with the entry; when it moved, the entry's authors are read and compared (a deleted
 * author, or one made admin, makes the entry stale). So each use costs two keys in one
 * getMany (the head and that key; three with the reader's membership, openHistory), which
 * a request can fold into the getMany of its session (routes/_http.ts), instead of a range
 * read of 51 records, or, before, a key per author.
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
  /** profilesRevKey's versionstamp when the authors were last known to be as shown. */
  profiles: string | null;
  /** The page as JSON, made on first use (the REST answer). */
  json: string | null;
  /** Bytes it holds in memory, estimated (see bytesOf), with its JSON's once made. */
  size: number;
};

export type HistoryOptions = { before?: number; after?: number; around?: number; limit?: number };

/** Conversations × queries kept (one entry each: its latest version). */
const MAX_ENTRIES = 500;
/**
 * Bytes all entries hold at most, as bytesOf estimates them (the message objects, their
 * reactions, attachments and formatting, and the JSON text). It was a count of message
 * text alone: pages heavy with reactions held ~4.6 bytes per counted character, and 500
 * requests grew a server by hundreds of MB (issue 15, item 12).
 */
export const HISTORY_CACHE_BYTES = 32 * 1024 * 1024;
/** One store's pages, least recently used first, bounded by count and by bytes held. */
const pagesOf = perStore(() =>
  new LruCache<string, Entry>({
    maxEntries: MAX_ENTRIES,
    maxSize: HISTORY_CACHE_BYTES,
    sizeOf: (entry) => entry.size,
  })
);

/** Bytes the store's cached pages hold now, estimated (see HISTORY_CACHE_BYTES). */
export function historyCacheBytes(kv: Deno.Kv): number {
  return pagesOf(kv).size;
}

/** What the head says about a conversation's messages (see above). */
function versionOf(head: ConversationHead | null): string {
  return `${head?.seq ?? 0}:${head?.rev ?? 0}:${head?.lastMessage?.id ?? ""}`;
}

function keyOf(conversationId: string, o: HistoryOptions): string {
  return `${conversationId}|${o.before ?? ""}|${o.after ?? ""}|${o.around ?? ""}|${o.limit ?? ""}`;
}

/**
 * The distinct authors of a page, as its messages carry them, and the people its system
 * messages name ("Ann added Ben": Ben renamed makes the page stale too).
 */
function authorsOf(page: MessagePage): User[] {
  const people = new Map<string, User>();
  for (const m of page.messages) {
    people.set(m.author.id, m.author);
    for (const u of m.system?.users ?? []) people.set(u.id, u);
    for (const u of m.thread?.participants ?? []) people.set(u.id, u);
    if (m.pinned) people.set(m.pinned.by.id, m.pinned.by);
  }
  return [...people.values()];
}

/** Whether the authors, as read now, are as the page shows them (a missing one: deleted). */
async function sameAuthors(kv: Deno.Kv, authors: User[]): Promise<boolean> {
  const now = await getManyChunked<unknown>(kv, authors.map((a) => userRecordKey(a.id)));
  return authors.every((a, i) => {
    const u = userOf(now[i]) ?? deletedUser(a.id);
    return u.username === a.username && u.displayName === a.displayName &&
      (u.isAdmin ?? false) === (a.isAdmin ?? false) && (u.isBot ?? false) === (a.isBot ?? false);
  });
}

/**
 * The keys openHistory reads first, in this order, for a caller that reads them in its own
 * getMany (the request's session read: one KV round trip for both): the reader's membership,
 * the head, the authors' revision; with `mark`, the reader's read mark last (the page, which
 * moves it: markRead's `known`). Null for an id that names no conversation.
 */
export function historyReadKeys(
  conversationId: string,
  userId: string,
  options: { mark?: boolean } = {},
): Deno.KvKey[] | null {
  if (!isId(conversationId)) return null;
  const keys = [membershipKey(userId, conversationId), headKey(conversationId), profilesRevKey()];
  if (options.mark) keys.push(readMarkKey(conversationId, userId));
  return keys;
}

/**
 * readHistory for a reader, who must take part: throws NotFoundError otherwise, as for a
 * missing conversation (checked before the caller validates the rest of its request, so an
 * outsider learns nothing more); then returns the reading. `read`: the entries of
 * historyReadKeys, when the caller read them already (in one snapshot, during this request);
 * else they are read here, in one getMany. A membership is written and deleted in the commits
 * that write and delete the conversation's record (conversations/), so it alone says the
 * conversation exists for the reader.
 */
export async function openHistory(
  kv: Deno.Kv,
  conversationId: string,
  userId: string,
  read?: Deno.KvEntryMaybe<unknown>[] | null,
): Promise<(options: HistoryOptions) => Promise<{ page: MessagePage; json: () => string }>> {
  const keys = historyReadKeys(conversationId, userId);
  if (!keys) throw new NotFoundError("Conversation not found.");
  const [member, head, profiles] = read ?? await kv.getMany<unknown[]>(keys);
  if (!member.value) throw new NotFoundError("Conversation not found.");
  return (options) => readHistory(kv, conversationId, options, { head, profiles });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The newest seq each conversation's head had when last read here (to name pages by). */
const lastSeqsOf = perStore(() => new LruCache<string, number>({ maxEntries: 10_000 }));

/**
 * The query `o` names, as one key: for a conversation whose last seq is `last`, every
 * `before` above it asks for the newest page, every `after` at or past it for the empty page
 * past the end, and every `around` above it for the page around the last message (what
 * listMessages answers for each is the same). The limit as listMessages applies it.
 */
export function canonicalOptions(o: HistoryOptions, last: number): HistoryOptions {
  const limit = Math.min(Math.max(o.limit ?? 50, 1), 100);
  if (o.around !== undefined) return { around: Math.min(o.around, last), limit };
  if (o.after !== undefined) return { after: Math.min(o.after, last), limit };
  if (o.before !== undefined && o.before <= last) return { before: o.before, limit };
  return { limit };
}

/**
 * listMessages through the cache: the history people read (top-level messages and replies
 * sent to the conversation too; see ListOptions.topLevel). The caller has checked that the
 * reader takes part.
 * `json()` gives the page as JSON text (made once per cached page).
 */
export async function readHistory(
  kv: Deno.Kv,
  conversationId: string,
  options: HistoryOptions,
  known?: { head: Deno.KvEntryMaybe<unknown>; profiles: Deno.KvEntryMaybe<unknown> },
): Promise<{ page: MessagePage; json: () => string }> {
  const entries = pagesOf(kv);
  const lastSeqs = lastSeqsOf(kv);
  // Named with the last seq seen here; checked against the head read with the entry below.
  let last = lastSeqs.get(conversationId) ?? Number.MAX_SAFE_INTEGER;
  for (let pass = 0; pass < 2; pass++) {
    const wanted = canonicalOptions(options, last);
    const key = keyOf(conversationId, wanted);
    const cached = entries.get(key);
    // Read in this request's first pass (the caller's getMany), or now.
    const [head, profiles] = pass === 0 && known
      ? [known.head, known.profiles]
      : await kv.getMany<unknown[]>([headKey(conversationId), profilesRevKey()]);
    const headValue = head.value as ConversationHead | null;
    const seq = headValue?.seq ?? 0;
    lastSeqs.set(conversationId, seq);
    if (keyOf(conversationId, canonicalOptions(options, seq)) !== key) {
      // Named under another last seq: once more under this head's.
      last = seq;
      continue;
    }
    const version = versionOf(headValue);
    let entry = cached;
    if (
      entry && entry.version === version && entry.profiles !== profiles.versionstamp &&
      await sameAuthors(kv, entry.authors)
    ) {
      // Read after the key: its authors are as shown up to this versionstamp at least.
      entry = { ...entry, profiles: profiles.versionstamp };
    }
    if (!entry || entry.version !== version || entry.profiles !== profiles.versionstamp) {
      // Read after the head: the page is at least as new as the version it is filed under.
      const page = deepFreeze(
        await listMessages(kv, conversationId, { ...wanted, topLevel: true }),
      );
      // A message sent since the head was read, past a `before` that named the newest page.
      if (options.before !== undefined && page.messages.some((m) => m.seq >= options.before!)) {
        break;
      }
      entry = {
        version,
        page,
        authors: authorsOf(page),
        profiles: profiles.versionstamp,
        json: null,
        size: bytesOf(page),
      };
    }
    // Another request may have filed this key meanwhile: its entry is what leaves.
    entries.set(key, entry);
    const hit = entry;
    return {
      page: hit.page,
      json: () => {
        if (hit.json === null) {
          hit.json = JSON.stringify(hit.page);
          hit.size += stringBytes(hit.json);
          // Counted only while it is in the cache (it may have been dropped since).
          if (entries.peek(key) === hit) entries.set(key, hit);
        }
        return hit.json;
      },
    };
  }
  // The conversation moved while this was read: the page as asked, not kept.
  const page = deepFreeze(await listMessages(kv, conversationId, { ...options, topLevel: true }));
  let json: string | null = null;
  return { page, json: () => json ??= JSON.stringify(page) };
}
