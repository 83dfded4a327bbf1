/**
 * The search query language (issue 20): what a person types, as terms the engine (query.ts)
 * looks up. Pure: names (`from:ann`, `in:#general`) are resolved by the engine, which knows
 * the store. Words are folded like the index's (tokenize: case and accents aside).
 *
 * - `word`: messages with a word beginning so (whole words for one letter), as before.
 * - `"exact phrase"`: these words in a row; one quoted word is that whole word. An unclosed
 *   quote is its words.
 * - `-word`, `-"phrase"`: messages without it.
 * - `from:ann`, `from:@ann`, `from:me`: by these people (several: any of them).
 * - `in:#general`, `in:"Release plans"`, `in:@ann` (your direct conversation with Ann):
 *   in these conversations (several: any of them).
 * - `before:2026-12-05`, `after:2026-12-05`: before that day began, after it ended (both
 *   exclusive, like Slack's), in UTC or the searcher's offset (`tz`).
 * - `has:file`, `has:link`.
 * An unknown `word:thing` is a word. A query of only exclusions is refused.
 */
import { ValidationError } from "../errors.ts";
import { foldToken, tokenize } from "./index.ts";

/** Positive words and phrase words a query looks up at most (more are left out). */
export const MAX_QUERY_TERMS = 8;

export type InTarget =
  | { kind: "channel"; name: string }
  | { kind: "person"; username: string }
  | { kind: "title"; title: string };

export type ParsedQuery = {
  /** Words matched as a word or a word's beginning (two characters or more). */
  words: string[];
  /** Phrases: each its words in a row (one word: that whole word). */
  phrases: string[][];
  /** Whole words a message must not hold. */
  notWords: string[];
  /** Phrases a message must not hold. */
  notPhrases: string[][];
  /** Usernames, lower case ("me": the searcher). */
  from: string[];
  in: InTarget[];
  /** YYYY-MM-DD: after that day (exclusive). */
  after: string | null;
  /** YYYY-MM-DD: before that day (exclusive). */
  before: string | null;
  has: ("file" | "link")[];
};

const OPERATORS = new Set(["from", "in", "before", "after", "has"]);

/** Refuses the query with a sentence for its `q` field. */
function refuse(sentence: string): never {
  throw new ValidationError(sentence, { q: sentence });
}

type Piece = { negative: boolean; quoted: boolean; op: string | null; text: string };

/** Splits the query into pieces: words, quoted phrases, `op:value` (value maybe quoted). */
function pieces(query: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  const n = query.length;
  const isSpace = (ch: string) => /\s/u.test(ch);
  while (i < n) {
    while (i < n && isSpace(query[i])) i++;
    if (i >= n) break;
    let negative = false;
    if (query[i] === "-" && i + 1 < n && !isSpace(query[i + 1])) {
      negative = true;
      i++;
    }
    let op: string | null = null;
    const opMatch = /^([A-Za-z]+):/.exec(query.slice(i, i + 8));
    if (opMatch && OPERATORS.has(opMatch[1].toLowerCase())) {
      op = opMatch[1].toLowerCase();
      i += opMatch[0].length;
    }
    if (query[i] === '"' || query[i] === "“") {
      const close = query.slice(i + 1).search(/["”]/u);
      if (close >= 0) {
        out.push({ negative, quoted: true, op, text: query.slice(i + 1, i + 1 + close) });
        i += close + 2;
        continue;
      }
      // An unclosed quote: its words.
      i++;
    }
    let end = i;
    while (end < n && !isSpace(query[end])) end++;
    out.push({ negative, quoted: false, op, text: query.slice(i, end) });
    i = end;
  }
  return out;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date YYYY-MM-DD, or null. */
function calendarDate(text: string): string | null {
  const m = DATE.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1970 || at.getUTCMonth() !== mo - 1 || at.getUTCDate() !== d) return null;
  return text;
}

/** Parses a query; throws ValidationError (400, `fields.q` a sentence) for what it cannot take. */
export function parseQuery(query: string): ParsedQuery {
  const parsed: ParsedQuery = {
    words: [],
    phrases: [],
    notWords: [],
    notPhrases: [],
    from: [],
    in: [],
    after: null,
    before: null,
    has: [],
  };
  let terms = 0;
  const addWords = (words: string[]) => {
    for (const w of words) {
      if (terms >= MAX_QUERY_TERMS) return;
      if (!parsed.words.includes(w)) parsed.words.push(w), terms++;
    }
  };
  for (const piece of pieces(query)) {
    const { negative, quoted, op, text } = piece;
    if (op) {
      if (negative) refuse(`Leave out the “-” before ${op}: (it cannot be negated).`);
      operator(parsed, op, text.trim());
      continue;
    }
    const words = tokenize(text, 1000);
    if (words.length === 0) continue;
    if (negative) {
      if (quoted || words.length > 1) parsed.notPhrases.push(words);
      else parsed.notWords.push(words[0]);
    } else if (quoted) {
      if (terms < MAX_QUERY_TERMS) parsed.phrases.push(words), terms += words.length;
    } else addWords(words);
  }
  const positive = parsed.words.length + parsed.phrases.length + parsed.from.length +
    parsed.in.length + parsed.has.length + (parsed.after ? 1 : 0) + (parsed.before ? 1 : 0);
  if (positive === 0 && parsed.notWords.length + parsed.notPhrases.length > 0) {
    refuse("Say what to look for too: a search of only exclusions (-word) finds nothing.");
  }
  return parsed;
}

function operator(parsed: ParsedQuery, op: string, value: string): void {
  switch (op) {
    case "from": {
      const name = value.replace(/^@/, "").toLowerCase();
      if (!name) refuse("from: takes a username, like from:ann or from:me");
      if (!parsed.from.includes(name)) parsed.from.push(name);
      return;
    }
    case "in": {
      if (value.startsWith("#") && value.length > 1) {
        parsed.in.push({ kind: "channel", name: value.slice(1) });
      } else if (value.startsWith("@") && value.length > 1) {
        parsed.in.push({ kind: "person", username: value.slice(1).toLowerCase() });
      } else if (value && value !== "#" && value !== "@") {
        parsed.in.push({ kind: "title", title: value });
      } else refuse('in: takes a conversation, like in:#general, in:@ann or in:"Release plans"');
      return;
    }
    case "before":
    case "after": {
      const date = calendarDate(value);
      if (!date) refuse(`${op}: takes a date like 2026-12-05`);
      if (op === "before") {
        parsed.before = parsed.before && parsed.before < date ? parsed.before : date;
      } else parsed.after = parsed.after && parsed.after > date ? parsed.after : date;
      return;
    }
    case "has": {
      const what = value.toLowerCase();
      if (what !== "file" && what !== "link") refuse("has: takes file or link");
      if (!parsed.has.includes(what)) parsed.has.push(what);
      return;
    }
  }
}

/** Whether a parsed query asks for anything (a query of punctuation asks for nothing). */
export function asksAnything(parsed: ParsedQuery): boolean {
  return parsed.words.length + parsed.phrases.length + parsed.from.length + parsed.in.length +
          parsed.has.length > 0 || parsed.after !== null || parsed.before !== null;
}

/**
 * The date bounds in ms since the epoch, both exclusive: `before:` the start of that day,
 * `after:` the last ms of it. `tz`: the searcher's offset from UTC in minutes (east positive).
 */
export function dateBounds(
  parsed: ParsedQuery,
  tz = 0,
): { after?: number; before?: number } {
  const dayStart = (date: string) => Date.parse(`${date}T00:00:00Z`) - tz * 60_000;
  const bounds: { after?: number; before?: number } = {};
  if (parsed.after) bounds.after = dayStart(parsed.after) + 86_400_000 - 1;
  if (parsed.before) bounds.before = dayStart(parsed.before);
  return bounds;
}

/** A name folded for comparing conversation titles (case, accents, a leading "#" aside). */
export function foldName(name: string): string {
  return foldToken(name.normalize("NFC")).replace(/^#/, "").trim();
}
