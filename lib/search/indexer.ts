/**
 * The search index, written behind the messages instead of in their commit.
 *
 * Why: a message's words are postings at scattered places in KV (`["search", conv, word,
 * firstSeq]`), and writing them in the message's own commit made that commit 3–7× slower
 * (docs/benchmarks.md, "Sixth pass"): every delivery waits for its commit, so the index
 * was on the latency path of every message. Now a message commit only stores the message,
 * and an indexer commits the postings of what is stored, in batches, right after.
 *
 * How it stays exact:
 * - `["search_cursor", conv]` → the seq up to which the conversation's messages are in
 *   the postings. The index commit advances it and checks it, so two indexers (two
 *   processes) never index a message twice: the loser reads again and finds it done.
 * - A conversation without a cursor has nothing indexed yet: its cursor is 0. (Stores from
 *   before this module, indexed in their message commits, have none: the one-off migration,
 *   lib/admin/migrate.ts, sets theirs to their last seq.)
 * - An edit or delete of a message not yet indexed leaves the postings alone and rewrites
 *   the cursor (textChanged, below, in the change's commit): an index commit that read the
 *   old text then fails its check and reads again. An edit of an indexed message moves its
 *   words in that commit.
 * - Search reads the cursor first, then the postings, then matches the messages after the
 *   cursor in memory (query.ts), so a message is found the moment it is stored.
 * - A crash between the two commits leaves the cursor behind: the next message in that
 *   conversation, from any process, indexes the rest, and search covers the gap meanwhile.
 */
import {
  commitWithRetry,
  headKey,
  messageKey,
  perStore,
  searchCursorKey,
  searchKey,
} from "../storage/mod.ts";
import { describeError, log } from "../ops/mod.ts";
import type { ConversationHead, MessageIndexer, MessageRecord } from "../messages/mod.ts";
import {
  filterTokensOf,
  IndexBatch,
  messageTokens,
  type Posting,
  POSTING_SPAN,
  readPosting,
  reindexMessage,
} from "./index.ts";

/** Per index commit: a posting's span of messages, and keys and bytes within KV's limits. */
const MAX_MESSAGES = POSTING_SPAN;
const MAX_KEYS = 900;
const MAX_BYTES = 400 * 1024;
/**
 * KV refuses a commit whose keys total over 80 KiB (measured on Deno 2.9.6): 900 words of 40
 * non-Latin letters are ~100 KiB of keys, and a commit that can never pass would hold the
 * cursor back for good. Room is left for the cursor's key (checked and set).
 */
const MAX_KEY_BYTES = 78 * 1024;
/**
 * Messages a writer may commit ahead of its indexer before it waits for it: bounds what
 * search matches in memory (the tail after the cursor) under a sustained flood.
 */
export const MAX_INDEX_LAG = 5000;

/**
 * Indexes one commit's worth of the conversation's messages after its cursor. Returns how
 * many it indexed and whether more remain.
 */
export async function indexStep(
  kv: Deno.Kv,
  conversationId: string,
  handed?: HandedRecords,
): Promise<{ indexed: number; more: boolean }> {
  return await commitWithRetry(async () => {
    const [cursor, head] = await kv.getMany<[number, ConversationHead]>([
      searchCursorKey(conversationId),
      headKey(conversationId),
    ]);
    // No cursor: nothing indexed yet (a deleted conversation has no head either).
    const from = cursor.value ?? 0;
    const last = head.value?.seq ?? 0;
    if (last <= from) {
      handed?.forget(conversationId);
      return { indexed: 0, more: false };
    }
    const batch = new IndexBatch();
    const words = new Set<string>();
    let upTo = from;
    let bytes = 0;
    let keyBytes = 0;
    // A posting's key in UTF-8 at most: a character of a word takes ≤ 3 bytes per UTF-16 unit.
    const keySize = (token: string) => token.length * 3 + conversationId.length + 32;
    const to = Math.min(last, from + MAX_MESSAGES);
    // The writer's own records when it handed them all and they are current, else read.
    const records = handed?.take(conversationId, head.versionstamp, from, to) ??
      readValues(kv.list<MessageRecord>({
        start: messageKey(conversationId, from + 1),
        end: messageKey(conversationId, to + 1),
      }, { batchSize: MAX_MESSAGES }));
    for await (const record of records) {
      // Its words and filter tokens (none for a system message ("Ann joined") or a deleted one).
      const tokens = messageTokens(record);
      const fresh = tokens.filter((t) => !words.has(t));
      const size = tokens.length * 20 + fresh.reduce((n, t) => n + t.length * 3 + 100, 0);
      const keys = fresh.reduce((n, t) => n + keySize(t), 0);
      if (
        upTo > from && (words.size + fresh.length > MAX_KEYS || bytes + size > MAX_BYTES ||
          keyBytes + keys > MAX_KEY_BYTES)
      ) {
        break;
      }
      for (const t of fresh) words.add(t);
      bytes += size;
      keyBytes += keys;
      batch.add(record, tokens);
      upTo = record.seq;
    }
    if (upTo === from) return { indexed: 0, more: false };
    const op = kv.atomic().check(cursor).set(searchCursorKey(conversationId), upTo);
    batch.write(op);
    if (!(await op.commit()).ok) return null;
    handed?.indexed(conversationId, upTo);
    return { indexed: upTo - from, more: upTo < last };
  });
}

async function* readValues<T>(entries: Deno.KvListIterator<T>): AsyncGenerator<T> {
  for await (const { value } of entries) yield value;
}

/**
 * The records a writer's commits stored, handed to its indexer so that indexing does not
 * read back what the writer just wrote. Used only while provably current: every write to a
 * message record also writes its conversation's head, and each hand-over names the head's
 * versionstamp its commit checked (`after`) and wrote. A conversation's records are kept
 * as one chain of this writer's commits, each made on the head the previous one wrote; a
 * commit made on another head (someone else's message, an edit, a reaction) starts the
 * chain again. When the head read by the index step is still the chain's last, no one has
 * written a message of the conversation since the chain's first commit: the records are as
 * stored. Otherwise the step reads them from the store, as it would without a hand-over.
 */
export class HandedRecords {
  #chains = new Map<string, { records: Map<number, MessageRecord>; versionstamp: string }>();

  /** A commit's records (see MessageIndexer.stored). */
  stored(commit: Parameters<NonNullable<MessageIndexer["stored"]>>[0]): void {
    for (const { conversationId, records, after, versionstamp } of commit) {
      let chain = this.#chains.get(conversationId);
      if (!chain || chain.versionstamp !== after) {
        this.#chains.set(conversationId, chain = { records: new Map(), versionstamp });
      }
      chain.versionstamp = versionstamp;
      // Bounded as the writer's lag is (a chain this long is not being indexed anyway).
      if (chain.records.size + records.length > MAX_INDEX_LAG) continue;
      for (const r of records) chain.records.set(r.seq, r);
    }
  }

  /** Seqs `from + 1`..`to`, if all handed and current (the head still at `headStamp`). */
  take(
    conversationId: string,
    headStamp: string | null,
    from: number,
    to: number,
  ): MessageRecord[] | null {
    const chain = this.#chains.get(conversationId);
    if (!chain) return null;
    if (chain.versionstamp !== headStamp) {
      this.#chains.delete(conversationId);
      return null;
    }
    const out: MessageRecord[] = [];
    for (let seq = from + 1; seq <= to; seq++) {
      const r = chain.records.get(seq);
      if (!r) return null;
      out.push(r);
    }
    return out;
  }

  /** The conversation is indexed up to `upTo`: those records are no longer needed. */
  indexed(conversationId: string, upTo: number): void {
    const chain = this.#chains.get(conversationId);
    if (!chain) return;
    for (const seq of chain.records.keys()) if (seq <= upTo) chain.records.delete(seq);
  }

  forget(conversationId?: string): void {
    if (conversationId === undefined) this.#chains.clear();
    else this.#chains.delete(conversationId);
  }
}

type Runs = { running: Promise<void> | null; queued: Promise<void> | null };
const runsOf = perStore(() => new Map<string, Runs>());

/**
 * Indexes everything stored in the conversation so far (callers that want it done now).
 * In one isolate one run per conversation goes at a time: a caller arriving during a run
 * waits for it and shares the next one (which sees its message), instead of racing it for
 * the cursor.
 */
export function indexPending(kv: Deno.Kv, conversationId: string): Promise<void> {
  const byId = runsOf(kv);
  let runs = byId.get(conversationId);
  if (!runs) byId.set(conversationId, runs = { running: null, queued: null });
  const start = (): Promise<void> => {
    const run = (async () => {
      while ((await indexStep(kv, conversationId)).more);
    })().finally(() => {
      if (runs.running !== run) return;
      runs.running = null;
      if (!runs.queued) byId.delete(conversationId);
    });
    return runs.running = run;
  };
  if (runs.queued) return runs.queued;
  if (!runs.running) return start();
  const queued = runs.running.catch(() => {}).then(() => {
    runs.queued = null;
    return start();
  });
  return runs.queued = queued;
}

/**
 * One writer's indexer: conversations it is told have new messages are indexed in the
 * background, one commit at a time, oldest request first. The writer counts what it hands
 * over (`lag`) and waits (`caughtUp`) when it runs too far ahead.
 */
export class SearchIndexer implements MessageIndexer {
  #kv: Deno.Kv;
  /** Unindexed messages per conversation, as far as this indexer knows. */
  #lag = new Map<string, number>();
  #running: Promise<void> | null = null;
  #closed = false;
  #waiters: (() => void)[] = [];
  #handed = new HandedRecords();

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** The records a commit stored: the index steps use them instead of reading them back. */
  stored(commit: Parameters<NonNullable<MessageIndexer["stored"]>>[0]): void {
    if (!this.#closed) this.#handed.stored(commit);
  }

  /** Messages this indexer has been told of and not yet indexed. */
  #total(): number {
    let n = 0;
    for (const lag of this.#lag.values()) n += lag;
    return n;
  }

  /** `count` new messages were stored in the conversation. */
  add(conversationId: string, count: number): void {
    if (this.#closed) return;
    this.#lag.set(conversationId, (this.#lag.get(conversationId) ?? 0) + count);
    this.#running ??= this.#run();
  }

  /** Resolves when the lag is at most `max` (or the indexer is closed). */
  async caughtUp(max = MAX_INDEX_LAG): Promise<void> {
    while (this.#running && this.#total() > max) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Resolves when everything handed over so far is indexed (or given up on). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops after the commit in flight; what is left is indexed by the next message's commit. */
  close(): void {
    this.#closed = true;
    this.#handed.forget();
  }

  async #run(): Promise<void> {
    try {
      while (this.#lag.size > 0 && !this.#closed) {
        const [id, lag] = this.#lag.entries().next().value!;
        this.#lag.delete(id);
        let left = 0;
        try {
          const step = await indexStep(this.#kv, id, this.#handed);
          left = step.more ? Math.max(lag - step.indexed, 1) : 0;
        } catch (err) {
          // The store closed, or kept failing: the cursor stays, a later message retries.
          if (!this.#closed) log("warn", "search indexing failed", describeError(err));
        }
        // Others' lag may have arrived for it meanwhile; it goes to the back of the line.
        const more = left + (this.#lag.get(id) ?? 0);
        this.#lag.delete(id);
        if (more > 0 && !this.#closed) this.#lag.set(id, more);
        for (const wake of this.#waiters.splice(0)) wake();
      }
    } finally {
      this.#running = null;
      for (const wake of this.#waiters.splice(0)) wake();
    }
  }
}

/**
 * A stored message's text changed from `before` to `after` (an edit, a delete): adds to the
 * change's commit `op` what keeps the index right (see the top of this module).
 */
export async function textChanged(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  before: MessageRecord,
  after: MessageRecord,
): Promise<void> {
  const { conversationId, seq } = after;
  const cursor = await kv.get<number>(searchCursorKey(conversationId));
  const indexedTo = cursor.value ?? 0;
  if (seq > indexedTo) {
    // Not in the index yet: the indexer will read the new text. Rewriting the cursor makes
    // an index commit that read the old text fail its check and read again.
    op.check(cursor).set(searchCursorKey(conversationId), indexedTo);
  } else {
    await reindexMessage(kv, op, after, messageTokens(before), messageTokens(after));
  }
}

/**
 * `deno task migrate`'s step for stores indexed before filter postings (filterToken) existed:
 * adds the filter tokens of the conversation's indexed messages (seqs up to its cursor; the
 * indexer writes them for the rest), one commit per POSTING_SPAN messages. Idempotent: a seq
 * that a posting of the token already holds (an edit since, an earlier run) is left alone; the
 * others go into the posting keyed at the batch's first seq. Each commit checks the cursor and
 * the head, which every change to indexed postings writes, so its reads are current.
 */
export async function addFilterPostings(
  kv: Deno.Kv,
  conversationId: string,
): Promise<{ added: number }> {
  let added = 0;
  let from = 1;
  while (true) {
    const step = await commitWithRetry(async () => {
      const [cursor, head] = await kv.getMany<[number, ConversationHead]>([
        searchCursorKey(conversationId),
        headKey(conversationId),
      ]);
      const last = cursor.value ?? 0;
      if (from > last) return { to: last, last, added: 0 };
      const to = Math.min(last, from + POSTING_SPAN - 1);
      const wanted = new Map<string, Posting>();
      const records = kv.list<MessageRecord>({
        start: messageKey(conversationId, from),
        end: messageKey(conversationId, to + 1),
      }, { batchSize: POSTING_SPAN });
      for await (const { value: record } of records) {
        for (const token of filterTokensOf(record)) {
          const p = wanted.get(token) ?? { seqs: [], at: [] };
          p.seqs.push(record.seq);
          p.at.push(Date.parse(record.createdAt));
          wanted.set(token, p);
        }
      }
      const op = kv.atomic().check(cursor, head);
      let added = 0;
      await Promise.all([...wanted].map(async ([token, want]) => {
        // Every posting that may hold a seq of [from, to]: keyed within POSTING_SPAN below.
        const held = new Set<number>();
        let here: Posting = { seqs: [], at: [] };
        for await (
          const e of kv.list({
            start: searchKey(conversationId, token, Math.max(0, from - POSTING_SPAN + 1)),
            end: searchKey(conversationId, token, to + 1),
          })
        ) {
          const p = readPosting(e.key, e.value);
          for (const seq of p.seqs) held.add(seq);
          if (e.key[3] === from) here = p;
        }
        const missing = want.seqs.flatMap((seq, i) => held.has(seq) ? [] : [i]);
        if (missing.length === 0) return;
        // The posting keyed `from` takes them in: its seqs, like these, lie in [from, to].
        const merged = [
          ...here.seqs.map((seq, i) => [seq, here.at[i]]),
          ...missing.map((i) => [want.seqs[i], want.at[i]]),
        ].sort((a, b) => a[0] - b[0]);
        op.set(searchKey(conversationId, token, from), {
          seqs: merged.map(([seq]) => seq),
          at: merged.map(([, at]) => at),
        });
        added += missing.length;
      }));
      if (added > 0 && !(await op.commit()).ok) return null;
      return { to, last, added };
    });
    added += step.added;
    // Messages indexed after `last` were indexed with their filter tokens.
    if (step.to >= step.last) break;
    from = step.to + 1;
  }
  return { added };
}
