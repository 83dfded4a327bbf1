import { renderToString } from "preact-render-to-string";
import type { Message } from "../lib/shared/message.ts";
import { renderFormatted } from "../lib/shared/formatted.tsx";
import { MessageContent, type MessageContentProps } from "./MessageContent.tsx";
import { shortTimeStableUntil } from "./people.tsx";

/**
 * What the server's fragment cache (lib/web/fragment_cache.tsx) keeps of a message: its
 * MessageContent (header, text, files; rendering 50 of them was the largest part of a
 * conversation page's CPU, bench/all.ts). That markup is kept the same for every viewer —
 * your actions and your reactions pressed render around it, in MessageItem — so there is one
 * entry per message, whoever reads. The one mark inside it that is yours, the stronger one on
 * a mention of you, is put on the kept HTML as it is written out (`markMentionsOf`): the page
 * is then exactly what rendering it for you gives, with JavaScript or without.
 *
 * An entry is exact, not time-bound. The markup depends on:
 * - the message: its fields are compared with the entry's (content, edits, deletion, files,
 *   author's name), so any change renders it again;
 * - the room's usernames (which `@names` are marked);
 * - whether it starts a group (the header with name and time) and, for a header, the time of
 *   day: "14:05" today, "Mon 14:05" this week, then "12 Mar" (kept until it would change);
 * - an editor in place of the text: never cached.
 */
export const messageFragments = {
  component: MessageContent,
  key: (p: MessageContentProps) => (p.editor ? null : p.m.id),
  same: (a: MessageContentProps, b: MessageContentProps) =>
    a.head === b.head && sameMessage(a.m, b.m) && sameSet(a.names, b.names),
  until: (p: MessageContentProps, now: number) =>
    p.head ? shortTimeStableUntil(p.m.createdAt, new Date(now)) : Infinity,
  shared: (p: MessageContentProps): MessageContentProps => ({ ...p, me: undefined }),
  finish: (html: string, p: MessageContentProps) => (p.me ? markMentionsOf(html, p.me) : html),
};

/** The opening tag of a mention of `name`, as formatted.tsx renders it for `me`. */
function mentionTag(name: string, me?: string): string {
  const html = renderToString(renderFormatted(`@${name}`, null, { isMention: () => true, me }));
  return /<span [^>]*data-mention="[^"]*">/.exec(html)![0];
}

/** A mention of someone else, and of you: their tags differ only in the class. */
const SAMPLE = "someone";
const OTHERS = mentionTag(SAMPLE);
const YOURS = mentionTag(SAMPLE, SAMPLE);

/**
 * The kept HTML with each mention of `username` marked as yours: the same string rendering
 * it for you gives (usernames are `[a-z0-9_.-]`, nothing to escape; the test compares).
 */
export function markMentionsOf(html: string, username: string): string {
  const name = username.toLowerCase();
  if (!html.includes(`data-mention="${name}"`)) return html;
  const tag = (t: string) => t.replace(`data-mention="${SAMPLE}"`, `data-mention="${name}"`);
  return html.replaceAll(tag(OTHERS), tag(YOURS));
}

/** At most 100,000 messages and 32 M characters of HTML (~64 MB). */
export const MESSAGE_FRAGMENT_BOUNDS = { maxEntries: 100_000, maxChars: 32 * 1024 * 1024 };

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function sameAttachments(a: Message["attachments"], b: Message["attachments"]): boolean {
  return a.length === b.length &&
    a.every((f, i) =>
      f.id === b[i].id && f.name === b[i].name && f.size === b[i].size &&
      f.contentType === b[i].contentType && Boolean(f.removed) === Boolean(b[i].removed)
    );
}

/** Whether two copies of one message render alike (reactions are not in its content). */
function sameMessage(a: Message, b: Message): boolean {
  return a === b || (
    a.content === b.content && a.editedAt === b.editedAt && a.deletedAt === b.deletedAt &&
    a.createdAt === b.createdAt && a.seq === b.seq && a.conversationId === b.conversationId &&
    a.author.id === b.author.id && a.author.username === b.author.username &&
    a.author.displayName === b.author.displayName &&
    sameAttachments(a.attachments, b.attachments)
  );
}
