/**
 * The search box's view of a query: the token being typed at its end (what a suggestion
 * replaces), and the query with a suggestion put in its place. Shared by the box (islands/
 * SearchBox.tsx) and the suggestions route (routes/api/search_suggest.ts), so both agree on
 * what "the last token" is.
 */

/** The token being typed at the end of `text`: where it starts, and its text. */
export type LastToken = { start: number; token: string };

/**
 * The text after the last space outside double quotes: `in:"Release pl` is one token, as the
 * query language reads it (an unclosed quote runs to the end).
 */
export function lastToken(text: string): LastToken {
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && /\s/.test(ch)) start = i + 1;
  }
  return { start, token: text.slice(start) };
}

/**
 * `before` (the text up to the caret) with its last token replaced by `insert`, then `after`
 * (the rest): a finished token gets a space after it, an operator waiting for its value
 * (`from:`) does not. Returns the new text and where the caret goes.
 */
export function applySuggestion(
  before: string,
  after: string,
  insert: string,
): { text: string; caret: number } {
  const { start } = lastToken(before);
  const open = insert.endsWith(":");
  const spaced = open || /^\s/.test(after) ? insert : `${insert} `;
  const head = before.slice(0, start) + spaced;
  return { text: head + after, caret: head.length + (!open && /^\s/.test(after) ? 1 : 0) };
}
