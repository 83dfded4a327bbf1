/**
 * Whether a stored message matches a query, read from the message itself: for the messages
 * not yet indexed (the tail after the search cursor), for walks without a word to look up
 * (`in:#general before:2026-01-01`), and to confirm what the postings found (phrases,
 * exclusions, and terms left to the message once the postings had narrowed it down).
 * Agrees with the index: the same words (tokenize) and filters (filterTokensOf).
 */
import type { MessageRecord } from "../messages/mod.ts";
import { hasLink, tokenize } from "./index.ts";
import type { ParsedQuery } from "./parse.ts";
import { phraseAt, wordMatches, wordsOf } from "./snippet.ts";

/** A query ready to match: parsed, its authors resolved to ids, its dates to ms bounds. */
export type Compiled = {
  parsed: ParsedQuery;
  /** `from:`'s people (null: anyone). */
  fromIds: Set<string> | null;
  bounds: { after?: number; before?: number };
};

/** Whether a time (ms) lies inside the query's date bounds (both exclusive). */
export function inBounds(at: number, bounds: Compiled["bounds"]): boolean {
  return (bounds.after === undefined || at > bounds.after) &&
    (bounds.before === undefined || at < bounds.before);
}

/** Whether `record` is a message the query finds. */
export function recordMatches(record: MessageRecord, query: Compiled): boolean {
  if (record.deletedAt || record.kind === "system") return false;
  const { parsed, fromIds } = query;
  if (fromIds && !fromIds.has(record.authorId)) return false;
  if (!inBounds(Date.parse(record.createdAt), query.bounds)) return false;
  if (parsed.has.includes("file") && !record.attachments?.length) return false;
  if (parsed.has.includes("link") && !hasLink(record.content)) return false;
  const tokens = tokenize(record.content);
  if (!parsed.words.every((q) => tokens.some((t) => wordMatches(q, t)))) return false;
  if (parsed.notWords.some((w) => tokens.includes(w))) return false;
  if (parsed.phrases.length + parsed.notPhrases.length === 0) return true;
  const words = wordsOf(record.content.normalize("NFC")).map((w) => w.folded);
  return parsed.phrases.every((p) => phraseAt(words, p).length > 0) &&
    !parsed.notPhrases.some((p) => phraseAt(words, p).length > 0);
}
