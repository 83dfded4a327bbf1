import { searchKey } from "../storage/mod.ts";
/**
 * The search index's words and keys (no imports: the message write path uses it; queries
 * are in search.ts). Full-text search over messages, kept in KV beside them as postings:
 * `["search", conversationId, token, firstSeq]` → `{seqs, at}`, the messages of one commit
 * that hold the word (ascending seqs, each with its createdAt in ms). A commit of many
 * messages writes one key per distinct word of the batch and conversation, not one per word
 * of every message (see docs/benchmarks.md, "Search postings"). Written by the indexer
 * (indexer.ts) in a commit right after the messages', up to a per-conversation
 * cursor (`searchCursorKey`); changed by edits and deletes in their own commits, checked
 * against the conversation's head. Prefixes are
 * answered by a range scan over the sorted tokens of a conversation, not by indexing every
 * prefix. Every posting keyed `firstSeq` holds only seqs in
 * `[firstSeq, firstSeq + POSTING_SPAN)`, which is what lets an edit find a seq's postings.
 */

/** The messages of one conversation holding one word: ascending seqs and their times. */
export type Posting = { seqs: number[]; at: number[] };

/** A posting's seqs lie within this many of its key's; a commit holds at most this many messages. */
export const POSTING_SPAN = 200;

/** A stored posting, read as one (a single-message entry of the first format was its time). */
export function readPosting(key: Deno.KvKey, value: unknown): Posting {
  if (typeof value === "number") return { seqs: [key[3] as number], at: [value] };
  const p = value as Posting;
  return { seqs: p.seqs, at: p.at };
}

/**
 * Filter tokens, kept in the same postings as words (`["search", conv, token, firstSeq]`):
 * `from:` the author, `has:file` (attachments) and `has:link` (an http(s) link in the text).
 * They start with "\u0001", which no word can (tokenize keeps only word-like segments), so
 * a prefix scan of words never meets them and no query word can name one.
 */
export const filterToken = {
  /** The messages written by this user (by id). */
  from: (userId: string): string => `\u0001from:${userId}`,
  /** The messages with at least one attachment. */
  file: "\u0001has:file",
  /** The messages whose text holds an http(s) link. */
  link: "\u0001has:link",
} as const;

/** An http(s) link: the scheme then a letter or digit of a host (markdown links included). */
const LINK = /\bhttps?:\/\/[\p{L}\p{N}\[]/iu;

/** Whether a message's text holds an http(s) link (what `has:link` finds). */
export function hasLink(text: string): boolean {
  return LINK.test(text);
}

/** The part of a stored message the index reads. */
export type IndexableMessage = {
  authorId: string;
  content: string;
  kind?: "system";
  deletedAt?: string | null;
  attachments?: unknown[];
};

/**
 * A message's filter tokens (see filterToken): none for a system message or a deleted one
 * (nothing to find it by), so a delete takes them out like its words.
 */
export function filterTokensOf(record: IndexableMessage): string[] {
  if (record.deletedAt || record.kind === "system") return [];
  const tokens = [filterToken.from(record.authorId)];
  if (record.attachments?.length) tokens.push(filterToken.file);
  if (hasLink(record.content)) tokens.push(filterToken.link);
  return tokens;
}

/**
 * Everything a stored message is indexed under: its words (tokenize) and its filter tokens.
 * The indexer, edits, deletes and the migration all use this, so they agree.
 */
export function messageTokens(record: IndexableMessage): string[] {
  if (record.deletedAt || record.kind === "system") return [];
  return [...tokenize(record.content), ...filterTokensOf(record)];
}

/**
 * Words indexed per message: keeps an edit (old words out, new in) within 1,000 mutations
 * (with the ≤ 3 filter tokens: 2 × 303 postings and the change's own keys).
 */
export const MAX_TOKENS_PER_MESSAGE = 300;
/** Longer words are cut: keys stay small, and a prefix of them still finds the message. */
const MAX_TOKEN_LENGTH = 40;

type IndexedMessage = { conversationId: string; seq: number; createdAt: string };

const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });

/** Case- and accent-insensitive form of a word: NFKD, combining marks removed, lower case. */
export function foldToken(word: string): string {
  return word.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/**
 * The distinct words of a text, folded (see foldToken), in order of first appearance.
 * Unicode word boundaries (`Intl.Segmenter`): "東京タワーに行きました" gives 東京タワー, に,
 * 行き, ま, した. Segmented before folding so stripping marks cannot change the boundaries.
 */
export function tokenize(text: string, max = MAX_TOKENS_PER_MESSAGE): string[] {
  return NOT_PLAIN.test(text) ? tokenizeSegmented(text, max) : tokenizePlain(text, max);
}

/** tokenize() by `Intl.Segmenter`: any text (~30–40 µs a chat message here). */
export function tokenizeSegmented(text: string, max = MAX_TOKENS_PER_MESSAGE): string[] {
  const tokens = new Set<string>();
  for (const part of segmenter.segment(text.normalize("NFC"))) {
    if (!part.isWordLike) continue;
    const folded = [...foldToken(part.segment)].slice(0, MAX_TOKEN_LENGTH).join("");
    if (folded) tokens.add(folded);
    if (tokens.size >= max) break;
  }
  return [...tokens];
}

/**
 * Text tokenizePlain segments exactly as `Intl.Segmenter` does: ASCII without "_" or "'"
 * (whose rules join more than letters and digits). Most chat messages are plain; the indexer
 * tokenizes every message, and the segmenter costs ~10× this path.
 */
// deno-lint-ignore no-control-regex -- ASCII is the range from NUL (less "'" 0x27 and "_" 0x5f).
const NOT_PLAIN = /[^\x00-\x26\x28-\x5e\x60-\x7f]/;

const isAlnum = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * tokenize() of plain text (see NOT_PLAIN): a word is a run of letters and digits, where
 * ".", "," or ";" between two digits keeps a number whole ("3.14", "1,000", "v2.0"); every
 * other ASCII character ends a word. That is what Unicode's word boundaries (UAX #29, as ICU
 * applies them) give for these characters: index_test.ts compares the two exhaustively over
 * short strings of every kind of ASCII character and on random text. ASCII folds by lower case
 * alone (NFKD changes none of it).
 */
function tokenizePlain(text: string, max: number): string[] {
  const tokens = new Set<string>();
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (isAlnum(c)) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    const midNumber = c === 46 || c === 44 || c === 59;
    if (midNumber && isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1))) continue;
    tokens.add(text.slice(start, Math.min(i, start + MAX_TOKEN_LENGTH)).toLowerCase());
    start = -1;
    if (tokens.size >= max) break;
  }
  return [...tokens];
}

/**
 * One commit's new index entries: per conversation and word, one posting of the batch's
 * messages. Messages are added in ascending seq per conversation (a commit's order).
 */
export class IndexBatch {
  /** Per conversation, per token (a map per conversation: no key string built per word). */
  #postings = new Map<string, Map<string, Posting>>();

  /** Adds a new message's words (from `tokenize(content)`). */
  add(record: IndexedMessage, tokens: string[]): void {
    const at = Date.parse(record.createdAt);
    let byToken = this.#postings.get(record.conversationId);
    if (!byToken) this.#postings.set(record.conversationId, byToken = new Map());
    for (const token of tokens) {
      const posting = byToken.get(token);
      if (posting) {
        posting.seqs.push(record.seq);
        posting.at.push(at);
      } else byToken.set(token, { seqs: [record.seq], at: [at] });
    }
  }

  /** Sets the postings on `op`: each key is a fresh seq, so nothing stored is overwritten. */
  write(op: Deno.AtomicOperation): void {
    for (const [conversationId, byToken] of this.#postings) {
      for (const [token, posting] of byToken) {
        op.set(searchKey(conversationId, token, posting.seqs[0]), posting);
      }
    }
  }
}

/**
 * Moves an edited or deleted message's words from `before` to `after` (only the
 * difference): reads the postings that hold or will hold its seq and sets them on `op`.
 * For a seq at or below the conversation's search cursor (indexed), and the caller checks
 * the conversation's head in the same commit: the indexer only writes postings keyed above
 * the cursor, and every other change to postings writes the head, so a passing check means
 * these reads are current.
 */
export async function reindexMessage(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  record: IndexedMessage,
  before: string[],
  after: string[],
): Promise<void> {
  const { conversationId, seq } = record;
  const old = new Set(before);
  const next = new Set(after);
  const removed = [...old].filter((t) => !next.has(t));
  const added = [...next].filter((t) => !old.has(t));
  const at = Date.parse(record.createdAt);
  await Promise.all([
    ...removed.map(async (token) => {
      const holder = await postingHolding(kv, conversationId, token, seq);
      if (!holder) return;
      const i = holder.posting.seqs.indexOf(seq);
      const seqs = holder.posting.seqs.toSpliced(i, 1);
      if (seqs.length === 0) op.delete(holder.key);
      else op.set(holder.key, { seqs, at: holder.posting.at.toSpliced(i, 1) });
    }),
    ...added.map(async (token) => {
      // A posting keyed at this very seq (left by an earlier edit or batch) takes it in.
      const key = searchKey(conversationId, token, seq);
      const entry = await kv.get(key);
      const posting = entry.value === null ? { seqs: [], at: [] } : readPosting(key, entry.value);
      if (posting.seqs.includes(seq)) return;
      // Its seqs are all ≥ its key's: this seq goes first.
      op.set(key, { seqs: [seq, ...posting.seqs], at: [at, ...posting.at] });
    }),
  ]);
}

/** The posting of `token` that holds `seq`, if any (keys within POSTING_SPAN below it). */
async function postingHolding(
  kv: Deno.Kv,
  conversationId: string,
  token: string,
  seq: number,
): Promise<{ key: Deno.KvKey; posting: Posting } | null> {
  const entries = kv.list({
    start: searchKey(conversationId, token, Math.max(0, seq - POSTING_SPAN + 1)),
    end: searchKey(conversationId, token, seq + 1),
  }, { reverse: true, batchSize: 10 });
  for await (const e of entries) {
    const posting = readPosting(e.key, e.value);
    if (posting.seqs.includes(seq)) return { key: e.key, posting };
  }
  return null;
}
