/**
 * Search queries (issue 20): a query (parse.ts) over the conversations the searcher takes
 * part in now (scope.ts), newest first, a page at a time.
 *
 * Per conversation: the seqs inside the query's dates and below the page's cursor
 * (dates.ts's seqRange: O(log n) reads, skipped when the head's last message is already
 * older), then
 * - its messages not yet indexed (after the search cursor) matched in memory, newest first;
 * - the postings of its words and filters (`from:`, `has:`) within those seqs (scan.ts:
 *   rare terms intersected; common ones followed newest first with their messages checked,
 *   stopping at a page's worth, so a deep page costs what an early one does); or, with no
 *   word or filter to look up (`in:#x before:…`), its messages walked newest first, stopping
 *   at a page's worth.
 * Candidates from all conversations are then sorted (time, conversation, seq: newest first)
 * and confirmed on the messages themselves (phrases, exclusions) until a page is full.
 *
 * The cursor is the last result's (time, conversation, seq): the next page takes only what
 * sorts after it, so no result comes twice and none is skipped. What a query reads is
 * bounded (MAX_QUERY_READS); past it the answer says `partial`.
 */
import { z } from "zod";
import { filterToken } from "./index.ts";
import { lookUp, ReadBudget, type Term } from "./scan.ts";
import { seqRange } from "./dates.ts";
import { asksAnything, dateBounds, type ParsedQuery, parseQuery } from "./parse.ts";
import { type Compiled, inBounds, recordMatches } from "./match.ts";
import { listConversations, resolveFrom, resolveIn } from "./scope.ts";
import {
  decodeCursor,
  encodeCursor,
  type Hit,
  newerFirst,
  type Position,
  resultsOf,
  type SearchResult,
} from "./results.ts";

export type { SearchConversation, SearchResult } from "./results.ts";
import { getManyChunked, headKey, messageKey, searchCursorKey } from "../storage/mod.ts";
import type { ConversationHead } from "../conversations/mod.ts";
import type { MessageRecord } from "../messages/mod.ts";
import { MAX_QUERY_CHARS } from "../shared/limits.ts";

/** Per conversation, at most this many messages not yet indexed are matched in memory. */
const MAX_TAIL = 10_000;
/**
 * What one query reads at most, in KV entries (postings, messages, and one per range read):
 * five parallel eight-word searches over 20,000 conversations once took 11.5 s and every
 * other person's p95 to 8.9 s (issue 15, item 11). Conversations are searched newest first;
 * past the budget the rest are not searched (the answer is partial).
 */
export const MAX_QUERY_READS = 5_000;
/** Conversations searched at once within one query (their reads are in flight together). */
const CONVERSATIONS_AT_ONCE = 8;
/** The part of a query's reads its list of conversations may use at most (1/4). */
const LISTED_SHARE = 4;
/** Reads each conversation may take at least, however many there are (see ReadBudget). */
const MIN_CONVERSATION_READS = 100;

export const searchQuerySchema = z.object({
  q: z.string().trim().min(1, "Type something to search for.").max(MAX_QUERY_CHARS).meta({
    example: 'deploy from:ann in:#ops after:2026-11-30 -"dry run"',
  }),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().min(1).max(200).optional().meta({
    description: "The `nextCursor` of the page before (absent: the first page).",
  }),
  tz: z.coerce.number().int().min(-840).max(840).optional().meta({
    description: "Your offset from UTC in minutes, east positive (60 for UTC+1): the days of " +
      "`before:` and `after:` are yours. Absent: UTC.",
    example: 60,
  }),
});

/** One page: `nextCursor` (null: the end) asks for the next; `partial`: reads ran out. */
export type SearchPage = { results: SearchResult[]; nextCursor: string | null; partial: boolean };

/** The query's terms, likely fewest matches first (longer words, then filters). */
function termsOf(parsed: ParsedQuery, fromIds: Set<string> | null): Term[] {
  const words = [...parsed.words].sort((a, b) => b.length - a.length);
  const exact = [...new Set(parsed.phrases.flat())].filter((w) => !words.includes(w));
  return [
    ...words.map((w): Term => [...w].length >= 2 ? { prefix: w } : { tokens: [w] }),
    ...exact.map((w): Term => ({ tokens: [w] })),
    ...parsed.has.map((h): Term => ({
      tokens: [h === "file" ? filterToken.file : filterToken.link],
    })),
    ...(fromIds ? [{ tokens: [...fromIds].map(filterToken.from) }] : []),
  ];
}

/**
 * The page of messages `userId` may see that match `query`, after `cursor` (a page's
 * `nextCursor`). Throws ValidationError for a query it cannot take (parse.ts, scope.ts) or a
 * cursor it did not give.
 */
export async function searchPage(
  kv: Deno.Kv,
  userId: string,
  query: string,
  options: { limit?: number; cursor?: string; tz?: number; maxReads?: number } = {},
): Promise<SearchPage> {
  const limit = options.limit ?? 20;
  const parsed = parseQuery(query);
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  if (!asksAnything(parsed)) return { results: [], nextCursor: null, partial: false };
  const fromIds = await resolveFrom(kv, userId, parsed);
  const compiled: Compiled = { parsed, fromIds, bounds: dateBounds(parsed, options.tz) };
  const terms = termsOf(parsed, fromIds);
  const budget = new ReadBudget(options.maxReads ?? MAX_QUERY_READS);
  let ids = await listConversations(kv, userId, Math.floor(budget.left / LISTED_SHARE));
  budget.take(ids.length);
  if (parsed.in.length) {
    budget.take(ids.length);
    ids = await resolveIn(kv, userId, parsed.in, ids);
  }
  const found: Hit[] = [];
  const want = limit + 1;
  for (let i = 0; i < ids.length; i += CONVERSATIONS_AT_ONCE) {
    if (budget.spent) {
      budget.cut();
      break;
    }
    const batch = ids.slice(i, i + CONVERSATIONS_AT_ONCE);
    // The search cursors before the postings: a message the indexer adds in between is then
    // found twice (once each way, counted once), never missed.
    const marks = await getManyChunked<unknown>(
      kv,
      batch.flatMap((id) => [searchCursorKey(id), headKey(id)]),
    );
    budget.take(marks.length);
    const share = Math.max(MIN_CONVERSATION_READS, Math.floor(budget.left / (ids.length - i)));
    const hits = await Promise.all(batch.map((id, j) =>
      searchConversation(kv, {
        id,
        indexedTo: (marks[2 * j].value as number | null) ?? 0,
        last: (marks[2 * j + 1].value as ConversationHead | null)?.seq ?? 0,
        lastAt: lastTime(marks[2 * j + 1].value as ConversationHead | null),
        query: compiled,
        terms,
        after,
        want,
        budget: new ReadBudget(share, budget),
      })
    ));
    found.push(...hits.flat());
  }
  const confirmed = await confirm(kv, found.sort(newerFirst), compiled, want, budget);
  const page = confirmed.slice(0, limit);
  const more = confirmed.length > limit || (budget.short && page.length === limit);
  return {
    results: await resultsOf(kv, page, parsed),
    nextCursor: more && page.length ? encodeCursor(page.at(-1)!) : null,
    partial: budget.short,
  };
}

/** searchPage's results only (its first page). */
export async function searchMessages(
  kv: Deno.Kv,
  userId: string,
  query: string,
  options: { limit?: number; maxReads?: number } = {},
): Promise<SearchResult[]> {
  return (await searchPage(kv, userId, query, options)).results;
}

/** The time of the head's last message, when the head holds it (else NaN: unknown). */
function lastTime(head: ConversationHead | null): number {
  const last = head?.lastMessage;
  return last && last.seq === head.seq ? Date.parse(last.createdAt) : NaN;
}

type ConversationSearch = {
  id: string;
  /** The seq up to which its messages are in the postings. */
  indexedTo: number;
  last: number;
  /** The time of its last message (NaN: not known). */
  lastAt: number;
  query: Compiled;
  terms: Term[];
  after: Position | null;
  want: number;
  budget: ReadBudget;
};

/** One conversation's matches (or candidates, without `record`) after the page's cursor. */
async function searchConversation(kv: Deno.Kv, s: ConversationSearch): Promise<Hit[]> {
  const { id, after, budget, query } = s;
  let lo = 1;
  let hi = s.last;
  if (after?.conversationId === id) hi = Math.min(hi, after.seq - 1);
  // Dates, and the cursor's time elsewhere, as seqs (binary searches: ~2 log n reads).
  const bounds = { ...query.bounds };
  // Nothing after `after:`: nothing to search.
  if (bounds.after !== undefined && s.lastAt <= bounds.after) return [];
  if (bounds.before !== undefined && s.lastAt < bounds.before) delete bounds.before;
  if (after && after.conversationId !== id) {
    const edge = id < after.conversationId ? after.at + 1 : after.at;
    // A conversation whose last message is older than the cursor's already needs no bound.
    if (!(s.lastAt < edge)) bounds.before = Math.min(bounds.before ?? Infinity, edge);
  }
  if (hi >= lo && (bounds.after !== undefined || bounds.before !== undefined)) {
    if (!budget.take(1 + 2 * Math.ceil(Math.log2(s.last + 1)))) return [];
    const range = await seqRange(kv, id, bounds);
    if (!range) return [];
    lo = Math.max(lo, range.from);
    hi = Math.min(hi, range.to);
  }
  if (hi < lo) return [];
  const isAfter = (h: Position) => !after || newerFirst(after, h) < 0;
  const keep = (h: Hit) => inBounds(h.at, query.bounds) && isAfter(h);
  // Newest first: the tail (not yet indexed), then the postings below it.
  const tailFrom = s.terms.length === 0 ? lo : Math.max(lo, s.indexedTo + 1, hi - MAX_TAIL + 1);
  const walked = await walk(kv, id, tailFrom, hi, query, s.want, budget);
  const hits = walked.filter(keep);
  const indexedHi = Math.min(hi, tailFrom - 1);
  if (hits.length >= s.want || indexedHi < lo || s.terms.length === 0) return hits;
  const found = await lookUp(kv, id, s.terms, lo, indexedHi, s.want, query, budget);
  return [...hits, ...found.map((f) => ({ conversationId: id, ...f })).filter(keep)];
}

/** Messages `from`..`to` read newest first, matched in memory; stops at `want` matches. */
async function walk(
  kv: Deno.Kv,
  id: string,
  from: number,
  to: number,
  query: Compiled,
  want: number,
  budget: ReadBudget,
): Promise<Hit[]> {
  const hits: Hit[] = [];
  if (to < from || !budget.take(1)) return hits;
  const records = kv.list<MessageRecord>({
    start: messageKey(id, from),
    end: messageKey(id, to + 1),
  }, { reverse: true, batchSize: Math.max(1, Math.min(200, budget.left + 1)) });
  for await (const { value: r } of records) {
    if (!budget.take(1)) break;
    if (!recordMatches(r, query)) continue;
    hits.push({ conversationId: id, seq: r.seq, at: Date.parse(r.createdAt), record: r });
    if (hits.length >= want) break;
  }
  return hits;
}

/**
 * Of `hits` (newest first), the first `want` that match on the message itself: candidates
 * from the postings are read in batches and checked (phrases, exclusions, remaining terms;
 * a message deleted meanwhile is dropped).
 */
async function confirm(
  kv: Deno.Kv,
  hits: Hit[],
  query: Compiled,
  want: number,
  budget: ReadBudget,
): Promise<Hit[]> {
  const out: Hit[] = [];
  let i = 0;
  while (i < hits.length && out.length < want) {
    const batch: Hit[] = [];
    while (i < hits.length && batch.length < Math.max(8, want - out.length)) batch.push(hits[i++]);
    const unread = batch.filter((h) => !h.record);
    const granted = budget.take(unread.length);
    // Out of reads: the rest stay unconfirmed (the answer is partial).
    const skipped = new Set(unread.slice(granted));
    const reading = unread.slice(0, granted);
    const records = await getManyChunked<MessageRecord>(
      kv,
      reading.map((h) => messageKey(h.conversationId, h.seq)),
    );
    reading.forEach((h, j) => h.record = records[j].value ?? undefined);
    for (const h of batch) {
      if (skipped.has(h)) return out;
      if (!h.record) continue;
      if (recordMatches(h.record, query)) out.push(h);
      if (out.length >= want) break;
    }
  }
  return out;
}
