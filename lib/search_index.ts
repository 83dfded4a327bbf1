/**
 * The search index's words and keys (no imports: the message write path uses it; queries
 * are in search.ts). Full-text search over messages, kept in KV beside them. One key per distinct word of a
 * message: `["search", conversationId, token, seq]` → the message's createdAt (ms), written
 * and removed in the same atomic commit as the message itself (send, edit, delete), so the
 * index never disagrees with what is stored. Prefixes are answered by a range scan over the
 * sorted tokens of a conversation, not by indexing every prefix: a word costs one mutation,
 * not one per prefix length (see docs/benchmarks.md, "Search").
 */
export const searchKey = (conversationId: string, token: string, seq: number) => [
  "search",
  conversationId,
  token,
  seq,
];

/** Words indexed per message: keeps an edit (old words out, new in) within 1,000 mutations. */
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
  const tokens = new Set<string>();
  for (const part of segmenter.segment(text.normalize("NFC"))) {
    if (!part.isWordLike) continue;
    const folded = [...foldToken(part.segment)].slice(0, MAX_TOKEN_LENGTH).join("");
    if (folded) tokens.add(folded);
    if (tokens.size >= max) break;
  }
  return [...tokens];
}

/** Adds a message's index entries to `op` (tokens from `tokenize(content)`). */
export function indexMessage(
  op: Deno.AtomicOperation,
  record: IndexedMessage,
  tokens: string[],
): void {
  const at = Date.parse(record.createdAt);
  for (const t of tokens) op.set(searchKey(record.conversationId, t, record.seq), at);
}

/** Moves a message's index entries from its old words to its new ones (only the difference). */
export function reindexMessage(
  op: Deno.AtomicOperation,
  record: IndexedMessage,
  before: string[],
  after: string[],
): void {
  const old = new Set(before);
  const next = new Set(after);
  for (const t of old) if (!next.has(t)) op.delete(searchKey(record.conversationId, t, record.seq));
  indexMessage(op, record, after.filter((t) => !old.has(t)));
}
