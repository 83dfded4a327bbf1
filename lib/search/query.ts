import { z } from "zod";
import { readPosting, tokenize } from "./index.ts";
import {
  conversationKey,
  getManyChunked,
  headKey,
  membershipsPrefix,
  messageKey,
  searchCursorKey,
  searchWordPrefix,
} from "../storage/mod.ts";
import type { ConversationHead, ConversationRecord } from "../conversations/mod.ts";
import { type Message, type MessageRecord, withAuthors } from "../messages/mod.ts";
import { getUsersByIds } from "../accounts/mod.ts";
import type { User } from "../shared/user.ts";
import { MAX_QUERY_CHARS } from "../shared/limits.ts";

/** Per conversation and query word, at most this many postings are read. */
const MAX_SCAN = 5000;
/** Query words shorter than this (in code points) match whole words only, not prefixes. */
const MIN_PREFIX = 2;
/** Per conversation, at most this many messages not yet indexed are matched in memory. */
const MAX_TAIL = 10_000;
/**
 * What one query reads at most, in KV entries (postings, messages not yet indexed, and one
 * per range read): five parallel eight-word searches over 20,000 conversations once took
 * 11.5 s and every other person's p95 to 8.9 s (issue 15, item 11). Conversations are
 * searched newest first; past the budget the rest are not searched (the answer is partial).
 */
export const MAX_QUERY_READS = 5_000;
/** Conversations searched at once within one query (their reads are in flight together). */
const CONVERSATIONS_AT_ONCE = 8;

/** The part of a query's reads its list of conversations may use at most (1/4). */
const LISTED_SHARE = 4;

/** Reads each conversation may take at least, however many there are (see ReadBudget). */
const MIN_CONVERSATION_READS = 100;

/**
 * The reads a query has left, shared by its conversations' scans; a conversation's own
 * (with `parent`, the query's) is its fair share of what is left, so that one busy
 * conversation cannot use the whole query's and leave the others unsearched.
 */
class ReadBudget {
  left: number;
  constructor(reads: number, readonly parent: ReadBudget | null = null) {
    this.left = reads;
  }
  /** Takes up to `n` reads (of the parent's too); how many were granted. */
  take(n: number): number {
    const granted = Math.max(0, Math.min(n, this.left, this.parent?.left ?? Infinity));
    this.left -= granted;
    if (this.parent) this.parent.left -= granted;
    return granted;
  }
  get spent(): boolean {
    return this.left <= 0 || (this.parent?.spent ?? false);
  }
}

export const searchQuerySchema = z.object({
  q: z.string().trim().min(1, "Type something to search for.").max(MAX_QUERY_CHARS),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

/** What a search result says about where the message lives (to open it in context). */
export type SearchConversation = Pick<ConversationRecord, "id" | "kind" | "title" | "projectId"> & {
  participants: User[];
};
export type SearchResult = { message: Message; conversation: SearchConversation };

/**
 * Messages of the conversations `userId` takes part in now that contain every word of
 * `query`, each as a word or a word's beginning (2 characters or more), newest first.
 * A removed participant no longer searches that conversation (its membership row is gone).
 */
export async function searchMessages(
  kv: Deno.Kv,
  userId: string,
  query: string,
  options: { limit?: number; maxReads?: number } = {},
): Promise<SearchResult[]> {
  const limit = options.limit ?? 20;
  const words = tokenize(query, 8);
  if (words.length === 0) return [];
  const budget = new ReadBudget(options.maxReads ?? MAX_QUERY_READS);
  const conversationIds: string[] = [];
  // The membership rows of lib/conversations (`membershipKey`), newest conversation first
  // (ids are ULIDs): each costs a read of the budget too. At most a quarter of it: listing
  // a budget's worth (someone pulled into thousands) left nothing to search them with.
  for await (
    const e of kv.list({ prefix: membershipsPrefix(userId) }, {
      reverse: true,
      limit: Math.max(1, Math.floor(budget.left / LISTED_SHARE)),
      batchSize: 500,
    })
  ) conversationIds.push(String(e.key[2]));
  budget.take(conversationIds.length);
  const found: Hit[] = [];
  for (let i = 0; i < conversationIds.length && !budget.spent; i += CONVERSATIONS_AT_ONCE) {
    const ids = conversationIds.slice(i, i + CONVERSATIONS_AT_ONCE);
    // The cursors before the postings: a message the indexer adds in between is then found
    // twice (once each way, counted once), never missed.
    const marks = await getManyChunked<unknown>(
      kv,
      ids.flatMap((id) => [searchCursorKey(id), headKey(id)]),
    );
    budget.take(marks.length);
    const share = Math.max(
      MIN_CONVERSATION_READS,
      Math.floor(budget.left / (conversationIds.length - i)),
    );
    found.push(
      ...(await Promise.all(ids.map(async (id, j) => {
        const own = new ReadBudget(share, budget);
        // No cursor: nothing indexed yet (indexer.ts).
        const cursor = (marks[2 * j].value as number | null) ?? 0;
        const last = (marks[2 * j + 1].value as ConversationHead | null)?.seq ?? 0;
        const [indexed, tail] = await Promise.all([
          searchConversation(kv, id, words, limit, own),
          last > cursor ? searchTail(kv, id, cursor, last, words, own) : [],
        ]);
        const bySeq = new Map([...indexed, ...tail].map((hit) => [hit.seq, hit]));
        return [...bySeq.values()];
      }))).flat(),
    );
  }
  found.sort((a, b) => b.at - a.at || b.seq - a.seq);
  found.length = Math.min(found.length, limit);
  if (found.length === 0) return [];

  const records = await getManyChunked<MessageRecord>(
    kv,
    found.map((f) => messageKey(f.conversationId, f.seq)),
  );
  const present = records.flatMap((e) => e.value && !e.value.deletedAt ? [e.value] : []);
  const messages = await withAuthors(kv, present);
  const ids = [...new Set(messages.map((m) => m.conversationId))];
  const convs = (await getManyChunked<ConversationRecord>(kv, ids.map(conversationKey)))
    .flatMap((e) => e.value ? [e.value] : []);
  const users = new Map(
    (await getUsersByIds(kv, [...new Set(convs.flatMap((c) => c.participantIds))]))
      .map((u) => [u.id, u]),
  );
  const byId = new Map(convs.map((c) => [c.id, {
    id: c.id,
    kind: c.kind,
    title: c.title,
    projectId: c.projectId,
    participants: c.participantIds.flatMap((id) => users.get(id) ?? []),
  }]));
  return messages.flatMap((message) => {
    const conversation = byId.get(message.conversationId);
    return conversation ? [{ message, conversation }] : [];
  });
}

type Hit = { conversationId: string; seq: number; at: number };

/** Whether a query word also matches the words it begins (else whole words only). */
const matchesPrefixes = (word: string) => [...word].length >= MIN_PREFIX;

/** Whether a message's words hold every query word (as a word, or a word's beginning). */
function matchesAll(tokens: string[], words: string[]): boolean {
  return words.every((word) =>
    matchesPrefixes(word) ? tokens.some((t) => t.startsWith(word)) : tokens.includes(word)
  );
}

/**
 * The conversation's messages after its search cursor (stored, not yet indexed: see
 * indexer.ts) that hold every word, matched in memory, newest first.
 */
async function searchTail(
  kv: Deno.Kv,
  conversationId: string,
  cursor: number,
  last: number,
  words: string[],
  budget: ReadBudget,
): Promise<Hit[]> {
  const hits: Hit[] = [];
  if (!budget.take(1)) return hits;
  const records = kv.list<MessageRecord>({
    start: messageKey(conversationId, Math.max(cursor, last - MAX_TAIL) + 1),
    end: messageKey(conversationId, last + 1),
  }, { reverse: true, batchSize: Math.min(500, budget.left + 1) });
  for await (const { value: r } of records) {
    // Each record read costs one of the query's reads; none left: no more.
    if (!budget.take(1)) break;
    // System messages are not searched by their words (the indexer skips them too).
    if (r.deletedAt || r.kind === "system" || !matchesAll(tokenize(r.content), words)) continue;
    hits.push({ conversationId, seq: r.seq, at: Date.parse(r.createdAt) });
  }
  return hits;
}

/** One conversation's newest `limit` messages holding every word (intersection of scans). */
async function searchConversation(
  kv: Deno.Kv,
  conversationId: string,
  words: string[],
  limit: number,
  budget: ReadBudget,
): Promise<Hit[]> {
  let matches: Map<number, number> | null = null;
  // Longest words first: they match fewest entries, and an empty set ends the search.
  for (const word of [...words].sort((a, b) => b.length - a.length)) {
    const seen = new Map<number, number>();
    // A range read costs one of the query's reads, and each entry one.
    if (!budget.take(1)) return [];
    const selector: Deno.KvListSelector = matchesPrefixes(word)
      ? {
        start: searchWordPrefix(conversationId, word),
        end: searchWordPrefix(conversationId, word + "\u{10FFFF}"),
      }
      : { prefix: searchWordPrefix(conversationId, word) };
    for await (
      const e of kv.list(selector, {
        limit: MAX_SCAN,
        batchSize: Math.min(500, budget.left + 1),
        // A word's newest postings first, should it have more than MAX_SCAN.
        reverse: true,
      })
    ) {
      if (!budget.take(1)) break;
      const { seqs, at } = readPosting(e.key, e.value);
      seqs.forEach((seq, i) => {
        if (!matches || matches.has(seq)) seen.set(seq, at[i]);
      });
    }
    matches = seen;
    if (matches.size === 0) return [];
  }
  return [...matches!].sort((a, b) => b[0] - a[0]).slice(0, limit)
    .map(([seq, at]) => ({ conversationId, seq, at }));
}
