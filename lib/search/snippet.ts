/**
 * What a search result shows of its message: the text as one plain line, cut around the
 * first match, and the ranges of it to highlight (the words and phrases the query matched).
 * Words are compared folded, as the index folds them (foldToken), so "Café" marks for "cafe".
 */
import { foldToken } from "./index.ts";
import type { ParsedQuery } from "./parse.ts";

/** A snippet's length at most, in UTF-16 units. */
export const MAX_SNIPPET = 280;
/** Of a cut snippet, at most this much comes before the first match. */
const LEAD = 60;
/** Same cut as the index's (index.ts): a longer word is found by its first 40 characters. */
const MAX_TOKEN_LENGTH = 40;

const segmenter = new Intl.Segmenter(undefined, { granularity: "word" });

type Word = { start: number; end: number; folded: string };

/** The word-like segments of `text` with their UTF-16 ranges, folded like the index's. */
export function wordsOf(text: string): Word[] {
  const out: Word[] = [];
  for (const part of segmenter.segment(text)) {
    if (!part.isWordLike) continue;
    const folded = [...foldToken(part.segment.normalize("NFC"))].slice(0, MAX_TOKEN_LENGTH)
      .join("");
    if (folded) out.push({ start: part.index, end: part.index + part.segment.length, folded });
  }
  return out;
}

/** Whether a query word matches a text's word (two characters or more: its beginning). */
export function wordMatches(queryWord: string, word: string): boolean {
  return [...queryWord].length >= 2 ? word.startsWith(queryWord) : word === queryWord;
}

/** Where `phrase` (folded words) occurs in `words` in a row: the index of each start. */
export function phraseAt(words: Word[] | string[], phrase: string[]): number[] {
  const folded = words.map((w) => typeof w === "string" ? w : w.folded);
  const at: number[] = [];
  for (let i = 0; i + phrase.length <= folded.length; i++) {
    if (phrase.every((p, j) => folded[i + j] === p)) at.push(i);
  }
  return at;
}

/** The `[start, end)` ranges of `text` the query matched, in order, merged where they touch. */
export function marksOf(text: string, parsed: ParsedQuery): [number, number][] {
  const words = wordsOf(text);
  const ranges: [number, number][] = [];
  for (const w of words) {
    if (parsed.words.some((q) => wordMatches(q, w.folded))) ranges.push([w.start, w.end]);
  }
  for (const phrase of parsed.phrases) {
    for (const i of phraseAt(words, phrase)) {
      ranges.push([words[i].start, words[i + phrase.length - 1].end]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged.at(-1);
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** Whether `i` splits a surrogate pair of `text`. */
const splitsPair = (text: string, i: number) =>
  i > 0 && i < text.length && /[\uDC00-\uDFFF]/.test(text[i]) &&
  /[\uD800-\uDBFF]/.test(text[i - 1]);

/**
 * The snippet of a message's plain text (≤ MAX_SNIPPET, "…" where cut) around its first
 * match, and its marks (ranges inside the snippet, cut ones clipped).
 */
export function snippetOf(
  text: string,
  parsed: ParsedQuery,
): { snippet: string; marks: [number, number][] } {
  const marks = marksOf(text, parsed);
  if (text.length <= MAX_SNIPPET) return { snippet: text, marks };
  const first = marks[0]?.[0] ?? 0;
  let start = first <= LEAD ? 0 : first - LEAD;
  // Start at a word's beginning when one is near, and never inside a surrogate pair.
  if (start > 0) {
    const space = text.lastIndexOf(" ", start);
    if (space >= 0 && start - space < 20) start = space + 1;
    if (splitsPair(text, start)) start++;
  }
  const prefix = start > 0 ? "…" : "";
  let end = Math.min(text.length, start + MAX_SNIPPET - prefix.length);
  const suffix = end < text.length ? "…" : "";
  if (suffix) end--;
  if (splitsPair(text, end)) end--;
  const shift = prefix.length - start;
  const snippet = prefix + text.slice(start, end) + suffix;
  const inside = marks.flatMap(([a, b]): [number, number][] => {
    const s = Math.max(a, start);
    const e = Math.min(b, end);
    return s < e ? [[s + shift, e + shift]] : [];
  });
  return { snippet, marks: inside };
}
