import type { User } from "../../lib/shared/user.ts";

/** An `@name` being typed at the caret (`start`…`end` of the text), and whom it may mean. */
export type MentionQuery = { start: number; end: number; items: User[]; index: number };

/** The option id of a person in the list (the composer's `aria-activedescendant`). */
export const mentionOptionId = (user: User) => `mention-${user.id}`;

/**
 * Finds an `@name` being typed just before the caret and lists up to six participants (not
 * you) whose username, or a word of whose name, starts with it; null when there is none.
 */
export function mentionQuery(
  text: string,
  caret: number,
  people: User[],
  meId: string,
): MentionQuery | null {
  const match = /(^|[^\w@])@([\w.-]{0,32})$/.exec(text.slice(0, caret));
  if (!match) return null;
  const query = match[2].toLowerCase();
  const items = people
    .filter((u) => u.id !== meId)
    .filter((u) =>
      u.username.startsWith(query) ||
      u.displayName.toLowerCase().split(/\s+/).some((w) => w.startsWith(query))
    )
    .slice(0, 6);
  return items.length ? { start: caret - query.length - 1, end: caret, items, index: 0 } : null;
}

/** The text with `@username ` in place of the query, and where the caret goes (after it). */
export function pickMention(
  text: string,
  query: MentionQuery,
  user: User,
): { text: string; caret: number } {
  return {
    text: `${text.slice(0, query.start)}@${user.username} ${text.slice(query.end)}`,
    caret: query.start + user.username.length + 2,
  };
}
