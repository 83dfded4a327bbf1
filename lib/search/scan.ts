/**
 * Reading the postings of a query's terms in one conversation, within a stretch of seqs
 * (query.ts says how the stretch is found). Each term is first probed (its newest PROBE
 * postings): a term whose postings end there is rare, and the intersection of the rare ones
 * gives few candidates, the rest being checked on the messages (confirm, in query.ts). When
 * every term is common, one term of a single token (a whole word, a person, `has:`, or a
 * word's beginning that begins only one word here) is read newest first and its messages
 * checked as they come, stopping at a page's worth: the reads follow the page, not the
 * history. Otherwise (several common beginnings of words) every term is read, up to MAX_SCAN.
 */
import { POSTING_SPAN, readPosting } from "./index.ts";
import { getManyChunked, messageKey, searchKey, searchWordPrefix } from "../storage/mod.ts";
import type { MessageRecord } from "../messages/mod.ts";
import { type Compiled, recordMatches } from "./match.ts";

/** Per conversation and query term, at most this many postings are read. */
const MAX_SCAN = 5000;
/** A term's postings read first, to tell rare terms from common ones. */
const PROBE = 64;
/** Candidates few enough to check the remaining terms on the messages rather than postings. */
const NARROW = 64;
/** A word's beginning that begins at most this many words is read word by word. */
const MAX_COMPLETIONS = 4;
/** Messages checked at once while reading a common term. */
const CHECK_BATCH = 32;

/**
 * The reads a query has left, shared by its conversations' scans; a conversation's own
 * (with `parent`, the query's) is its fair share of what is left, so that one busy
 * conversation cannot use the whole query's and leave the others unsearched. `short`: some
 * read was refused (the answer is partial).
 */
export class ReadBudget {
  left: number;
  short = false;
  constructor(reads: number, readonly parent: ReadBudget | null = null) {
    this.left = reads;
  }
  /** Takes up to `n` reads (of the parent's too); how many were granted. */
  take(n: number): number {
    const granted = Math.max(0, Math.min(n, this.left, this.parent?.left ?? Infinity));
    this.left -= granted;
    if (this.parent) this.parent.left -= granted;
    if (granted < n) this.cut();
    return granted;
  }
  cut(): void {
    this.short = true;
    if (this.parent) this.parent.cut();
  }
  get spent(): boolean {
    return this.left <= 0 || (this.parent?.spent ?? false);
  }
}

/** A term looked up in the postings: a word's beginning, or any of some whole tokens. */
export type Term = { prefix: string } | { tokens: string[] };

/** A hit: with `record` when checked already. */
export type Found = { seq: number; at: number; record?: MessageRecord };

type Scan = {
  iterators: AsyncIterator<Deno.KvEntry<unknown>>[];
  seen: Map<number, number>;
  done: boolean;
  read: number;
  /** The key (firstSeq) of the last posting read, when one token is read. */
  lastKey: number;
  single: boolean;
};

/** The words `prefix` begins in this conversation, if at most MAX_COMPLETIONS (skip scan). */
async function completions(
  kv: Deno.Kv,
  id: string,
  prefix: string,
  budget: ReadBudget,
): Promise<string[] | null> {
  const tokens: string[] = [];
  const end = searchWordPrefix(id, prefix + "\u{10FFFF}");
  let start = searchWordPrefix(id, prefix);
  while (tokens.length <= MAX_COMPLETIONS) {
    if (!budget.take(2)) return null;
    let next: string | null = null;
    for await (const e of kv.list({ start, end }, { limit: 1 })) next = String(e.key[2]);
    if (next === null) return tokens;
    tokens.push(next);
    // Past every key of this word (no word holds "\0").
    start = searchWordPrefix(id, next + "\0");
  }
  return null;
}

function open(kv: Deno.Kv, id: string, term: Term, lo: number, hi: number): Scan {
  const selectors: Deno.KvListSelector[] = "prefix" in term
    ? [{
      start: searchWordPrefix(id, term.prefix),
      end: searchWordPrefix(id, term.prefix + "\u{10FFFF}"),
    }]
    : term.tokens.map((t) => ({
      start: searchKey(id, t, Math.max(0, lo - POSTING_SPAN + 1)),
      end: searchKey(id, t, hi + 1),
    }));
  return {
    iterators: selectors.map((s) =>
      kv.list(s, { reverse: true, limit: MAX_SCAN, batchSize: PROBE })[Symbol.asyncIterator]()
    ),
    seen: new Map(),
    done: false,
    read: 0,
    lastKey: Infinity,
    single: !("prefix" in term) && term.tokens.length === 1,
  };
}

/** Reads up to `n` more postings of the scan (seqs in lo..hi kept); false: out of reads. */
async function advance(
  scan: Scan,
  n: number,
  lo: number,
  hi: number,
  budget: ReadBudget,
): Promise<boolean> {
  let count = 0;
  while (count < n && scan.iterators.length) {
    if (!budget.take(1)) return false;
    const next = await scan.iterators[0].next();
    if (next.done) {
      scan.iterators.shift();
      continue;
    }
    count++;
    scan.read++;
    const { seqs, at } = readPosting(next.value.key, next.value.value);
    scan.lastKey = next.value.key[3] as number;
    seqs.forEach((seq, i) => {
      if (seq >= lo && seq <= hi) scan.seen.set(seq, at[i]);
    });
  }
  if (scan.iterators.length === 0) scan.done = true;
  else if (scan.read >= MAX_SCAN * scan.iterators.length) {
    scan.done = true;
    budget.cut();
  }
  return true;
}

/**
 * The messages in seqs lo..hi holding every term, newest first as far as `want` needs
 * (unchecked candidates, or checked hits with their records).
 */
export async function lookUp(
  kv: Deno.Kv,
  id: string,
  rawTerms: Term[],
  lo: number,
  hi: number,
  want: number,
  query: Compiled,
  budget: ReadBudget,
): Promise<Found[]> {
  // Beginnings of few words become those words (read in seq order, and within lo..hi).
  const terms = await Promise.all(rawTerms.map(async (t): Promise<Term> => {
    if (!("prefix" in t)) return t;
    const tokens = await completions(kv, id, t.prefix, budget);
    return tokens ? { tokens } : t;
  }));
  if (terms.some((t) => "tokens" in t && t.tokens.length === 0)) return [];
  const scans = terms.map((t) => open(kv, id, t, lo, hi));
  for (const scan of scans) {
    if (!(await advance(scan, PROBE, lo, hi, budget))) return [];
    if (scan.done && scan.seen.size === 0) return [];
  }
  const complete = scans.filter((s) => s.done).sort((a, b) => a.seen.size - b.seen.size);
  if (complete.length) {
    let matches = [...complete[0].seen].filter(([seq]) => complete.every((s) => s.seen.has(seq)));
    for (const scan of scans.filter((s) => !s.done)) {
      if (matches.length <= NARROW) break;
      while (!scan.done) if (!(await advance(scan, 500, lo, hi, budget))) break;
      matches = matches.filter(([seq]) => scan.seen.has(seq));
    }
    return matches.map(([seq, at]) => ({ seq, at }));
  }
  // The sparsest (its newest PROBE postings reach furthest back): fewest messages to check.
  const driver = scans.filter((s) => s.single).sort((a, b) => a.lastKey - b.lastKey)[0];
  if (driver) return await follow(kv, id, driver, lo, hi, want, query, budget);
  // Several common beginnings of words: every term read (up to MAX_SCAN each).
  let matches: Map<number, number> | null = null;
  for (const scan of scans) {
    while (!scan.done) if (!(await advance(scan, 500, lo, hi, budget))) break;
    matches = new Map([...scan.seen].filter(([seq]) => !matches || matches.has(seq)));
    if (matches.size === 0) return [];
  }
  return [...matches!].map(([seq, at]) => ({ seq, at }));
}

/**
 * Reads one token's postings newest first and checks their messages as they come, until
 * `want` match and no posting left unread can hold a newer seq than the `want`th.
 */
async function follow(
  kv: Deno.Kv,
  id: string,
  scan: Scan,
  lo: number,
  hi: number,
  want: number,
  query: Compiled,
  budget: ReadBudget,
): Promise<Found[]> {
  const checked = new Set<number>();
  const hits: Found[] = [];
  while (true) {
    // Once a page's worth is found, only newer candidates than its oldest can change it.
    const floor = hits.length >= want ? hits[want - 1].seq : 0;
    const pending = [...scan.seen].filter(([seq]) => seq > floor && !checked.has(seq))
      .sort((a, b) => b[0] - a[0]);
    for (let i = 0; i < pending.length; i += CHECK_BATCH) {
      const batch = pending.slice(i, i + CHECK_BATCH);
      const granted = budget.take(batch.length);
      if (granted < batch.length) return hits;
      const records = await getManyChunked<MessageRecord>(
        kv,
        batch.map(([seq]) => messageKey(id, seq)),
      );
      batch.forEach(([seq, at], j) => {
        checked.add(seq);
        const record = records[j].value;
        if (record && recordMatches(record, query)) hits.push({ seq, at, record });
      });
      // Newest first: the rest of the batch's candidates are older than every hit so far.
      if (hits.length >= want) break;
    }
    hits.sort((a, b) => b.seq - a.seq);
    if (hits.length > want) hits.length = want;
    // Unread postings are keyed below lastKey: their seqs are below lastKey + POSTING_SPAN - 1.
    const enough = hits.length >= want && scan.lastKey + POSTING_SPAN - 1 <= hits[want - 1].seq;
    if (scan.done || enough) return hits;
    if (!(await advance(scan, CHECK_BATCH, lo, hi, budget))) return hits;
  }
}
