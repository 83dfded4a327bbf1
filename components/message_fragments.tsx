import { renderToString } from "preact-render-to-string";
import type { Message } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import { renderFormatted } from "../lib/shared/formatted.tsx";
import { MessageBody, type MessageBodyProps, REACTIONS_SLOT } from "./MessageBody.tsx";
import { Reactions } from "./Reactions.tsx";
import { OWN_TOOLS_SLOT, ownTools } from "./MessageToolbar.tsx";
import { PREVIEW_REMOVE_SLOT, RemovePreview, samePreview } from "./LinkPreview.tsx";
import { senderNameOf, shortTimeStableUntil } from "./people.tsx";
import { LruCache } from "../lib/storage/mod.ts";

/**
 * What the server's fragment cache (lib/web/fragment_cache.tsx) keeps of a message: its
 * MessageBody (avatar, header, text, files, actions; rendering 50 of them was the largest
 * part of a conversation page's CPU, bench/all.ts). That markup is rendered for nobody, so
 * there is one entry per message, whoever reads. What is the reader's own is put on the kept
 * HTML as it is written out: the stronger mark on a mention of you (`markMentionsOf`), the
 * reactions, your own pressed, and Edit and Delete on your own messages (each rendered in place
 * of a slot, or the slot left empty). The page is then exactly what rendering it for you gives,
 * with JavaScript or without, and carries Edit and Delete only where they are yours (not on
 * every message, hidden by CSS: ~250 bytes a message, 12.7 of 89 kB for 50 messages).
 *
 * An entry is exact, not time-bound. The markup depends on:
 * - the message: its fields are compared with the entry's (content, edits, deletion, files,
 *   author's name, whether it has reactions), so any change renders it again;
 * - the room's usernames (which `@names` are marked);
 * - whether it starts a group (the header with name and time) and, for a header, the time of
 *   day: "14:05" today, "Mon 14:05" this week, then "12 Mar" (kept until it would change);
 * - being edited, or its palette or delete confirmation open: then never cached (rare).
 * A system message is not a MessageBody (MessageItem draws it as SystemMessage, a few spans
 * without Markdown: cheap to render each time), so it never has an entry.
 */
export const messageFragments = {
  component: MessageBody,
  // A system message is its own small row (SystemMessage), not a MessageBody: never kept.
  key: (p: MessageBodyProps) =>
    p.editing || p.paletteOpen || p.confirmOpen || p.m.kind === "system" ? null : p.m.id,
  same: (a: MessageBodyProps, b: MessageBodyProps) =>
    a.head === b.head && sameMessage(a.m, b.m) && sameSet(a.names, b.names),
  until: (p: MessageBodyProps, now: number) =>
    Math.min(
      p.head ? shortTimeStableUntil(p.m.createdAt, new Date(now)) : Infinity,
      // The thread's "Last reply" time, written like the header's.
      p.m.thread ? shortTimeStableUntil(p.m.thread.lastReplyAt, new Date(now)) : Infinity,
    ),
  shared: (p: MessageBodyProps): MessageBodyProps => ({ ...p, me: NOBODY, slots: true }),
  finish: (html: string, p: MessageBodyProps) => {
    let out = markMentionsOf(html, p.me.username);
    // Replaced by a function: a `$&` in a reactor's name is text, not a replacement pattern.
    if (out.includes(REACTIONS_SLOT)) {
      const reactions = renderToString(<Reactions m={p.m} meId={p.me.id} people={p.people} />);
      out = out.replace(REACTIONS_SLOT, () => reactions);
    }
    if (out.includes(OWN_TOOLS_SLOT)) {
      const mine = p.m.author.id === p.me.id;
      out = out.replace(OWN_TOOLS_SLOT, () => mine ? ownToolsHtml(p.m.seq) : "");
    }
    // A link preview's "Remove preview" is its author's alone.
    if (out.includes(PREVIEW_REMOVE_SLOT)) {
      const mine = p.m.author.id === p.me.id;
      const button = mine ? renderToString(<RemovePreview m={p.m} />) : "";
      out = out.replace(PREVIEW_REMOVE_SLOT, () => button);
    }
    return out;
  },
};

/**
 * Edit and Delete as MessageToolbar renders them on your own message (no handlers on a
 * server). They depend on the seq alone, so each is rendered once and kept: rendering them on
 * every page for each of your messages was most of the cost of writing out a kept message.
 */
function ownToolsHtml(seq: number): string {
  let html = ownToolsBySeq.get(seq);
  if (html === undefined) {
    html = renderToString(<>{ownTools(seq, noop, noop)}</>);
    ownToolsBySeq.set(seq, html);
  }
  return html;
}

/** ~0.5 KB each: at most ~5 MB. */
const ownToolsBySeq = new LruCache<number, string>({ maxEntries: 10_000 });

function noop() {}

/** Who the kept copy is rendered for: nobody (no mention is theirs). */
const NOBODY: User = { id: "", username: "", displayName: "" };

/** At most 100,000 messages and 32 M characters of HTML (~64 MB). */
export const MESSAGE_FRAGMENT_BOUNDS = { maxEntries: 100_000, maxChars: 32 * 1024 * 1024 };

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
  if (!name || !html.includes(`data-mention="${name}"`)) return html;
  const tag = (t: string) => t.replace(`data-mention="${SAMPLE}"`, `data-mention="${name}"`);
  return html.replaceAll(tag(OTHERS), tag(YOURS));
}

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

/** Whether two copies of one message render alike (its reactions go in per reader). */
function sameMessage(a: Message, b: Message): boolean {
  return a === b || (
    a.content === b.content && a.editedAt === b.editedAt && a.deletedAt === b.deletedAt &&
    a.createdAt === b.createdAt && a.seq === b.seq && a.conversationId === b.conversationId &&
    a.author.id === b.author.id && a.author.username === b.author.username &&
    a.author.displayName === b.author.displayName && a.author.isBot === b.author.isBot &&
    senderNameOf(a) === senderNameOf(b) && samePreview(a.preview, b.preview) &&
    (a.reactions.length > 0) === (b.reactions.length > 0) &&
    // A thread's summary and a pin show in the markup (and Reply only on a top-level one).
    a.parentSeq === b.parentSeq && sameThread(a.thread, b.thread) &&
    a.pinned?.at === b.pinned?.at && a.pinned?.by.id === b.pinned?.by.id &&
    sameAttachments(a.attachments, b.attachments)
  );
}

function sameThread(a: Message["thread"], b: Message["thread"]): boolean {
  if (!a || !b) return !a === !b;
  return a.replyCount === b.replyCount && a.lastReplyAt === b.lastReplyAt &&
    a.participants.length === b.participants.length &&
    a.participants.every((u, i) =>
      u.id === b.participants[i].id && u.displayName === b.participants[i].displayName
    );
}
