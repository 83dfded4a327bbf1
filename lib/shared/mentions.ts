/**
 * `@username` mentions: the same pattern for the server (counting mentions of you) and the
 * client (highlighting, notifications). A mention starts after a non-word character, so
 * "ann@example.com" mentions nobody.
 */
export const MENTION = /(^|[^\w@])@([a-z0-9_.-]{3,32})(?![\w-])/gi;

/** The `@username`s a text mentions (lowercased, once each). */
export function mentionsIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(MENTION)) found.add(m[2].toLowerCase().replace(/\.+$/, ""));
  return [...found];
}

/** Whether `text` mentions `username`. */
export function mentions(text: string, username: string): boolean {
  return mentionsIn(text).includes(username.toLowerCase());
}
