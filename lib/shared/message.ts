/**
 * A message as it crosses the wire, and the rules its parts follow: the server's schemas
 * check them, the browser's composer checks them first. Browser-safe (zod only).
 */
import { z } from "zod";
import type { Formatted } from "./formatted.tsx";
import { MAX_ATTACHMENTS, MAX_MESSAGE_CHARS, MESSAGE_TOO_LONG } from "./limits.ts";
import type { User } from "./user.ts";

export const contentSchema = z.string().trim().min(1, "Write something first.").max(
  MAX_MESSAGE_CHARS,
  MESSAGE_TOO_LONG,
);
/** The files to attach to a message being sent (ids in its conversation's file area). */
export const attachmentIdsSchema = z.array(z.string().min(1).max(64)).max(
  MAX_ATTACHMENTS,
  `Attach at most ${MAX_ATTACHMENTS} files to one message.`,
);
/**
 * A message's text when files may come with it: empty is allowed here, and refused later
 * unless the message has attachments (see requireContentOrFiles).
 */
export const optionalContentSchema = z.string().trim().max(
  MAX_MESSAGE_CHARS,
  MESSAGE_TOO_LONG,
).default("");

export const clientIdSchema = z.string().min(1).max(64).regex(
  /^[A-Za-z0-9_.:-]+$/,
  "Use letters, digits and '_', '.', ':', '-'.",
);

export const messageSeqSchema = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const RGI_EMOJI = /^\p{RGI_Emoji}$/v;

/**
 * One emoji as stored, or null. Exactly one RGI emoji (skin tones, ZWJ sequences, flags and
 * keycaps included); a symbol typed without its emoji selector ("❤" for "❤️") gets it.
 */
export function normalizeEmoji(raw: string): string | null {
  const text = raw.normalize("NFC");
  if (RGI_EMOJI.test(text)) return text;
  if ([...text].length === 1 && RGI_EMOJI.test(text + "\uFE0F")) return text + "\uFE0F";
  return null;
}

export const emojiSchema = z.string().min(1).max(32)
  .refine((s) => normalizeEmoji(s) !== null, "React with one emoji.")
  .transform((s) => normalizeEmoji(s)!);

/**
 * A file a message carries, as it was when sent (so showing it needs no other read).
 * `removed`: the file was deleted since; the message shows it as removed.
 */
export type Attachment = {
  id: string;
  name: string;
  size: number;
  contentType: string;
  removed?: boolean;
};

export type Reaction = { emoji: string; userIds: string[] };

/** What a system message records (lib/messages/system.ts writes them, never editable). */
export const SYSTEM_EVENTS = [
  "created",
  "joined",
  "left",
  "added",
  "removed",
  "renamed",
  "topic",
  "archived",
  "unarchived",
  "pinned",
  "unpinned",
] as const;
export type SystemEvent = (typeof SYSTEM_EVENTS)[number];
/** A system message's facts as they go out: who did it, to whom, the new title or topic. */
export type SystemInfo = {
  event: SystemEvent;
  actor: User;
  users?: User[];
  title?: string;
  topic?: string;
  /** The message a pin or unpin is about. */
  seq?: number;
};
/** As stored: people by id (resolved as the message goes out, like the author). */
export type SystemRecord = Omit<SystemInfo, "actor" | "users"> & { userIds?: string[] };

export type Message = {
  id: string;
  conversationId: string;
  seq: number;
  author: User;
  content: string;
  clientId: string | null;
  createdAt: string;
  /** When the author last edited it (null: never). */
  editedAt: string | null;
  /** When the author deleted it: content is then "" and reactions are gone; seq stays. */
  deletedAt: string | null;
  /** Who reacted with what, in the order the emoji were first used. */
  reactions: Reaction[];
  /** Files sent with it (none for most; emptied when the message is deleted). */
  attachments: Attachment[];
  /**
   * The content's formatting, parsed on the server (lib/messages/markdown.tsx): null when the
   * content is one plain paragraph (render it as text). Not stored: computed as the message
   * goes out.
   */
  formatted: Formatted | null;
  /** "system": a join, leave, rename… (small, centred, never editable); absent: a person's. */
  kind?: "system";
  /** A system message's facts; `content` holds the same as a plain sentence. */
  system?: SystemInfo;
  /** A reply: the top-level message whose thread it is in (null or absent: top-level). */
  parentSeq?: number | null;
  /** A reply that also shows in the conversation's main history. */
  alsoToConversation?: boolean;
  /** On a top-level message with replies: the thread's summary (null: no replies). */
  thread?: ThreadSummary | null;
  /** Pinned in the conversation: when and by whom (null or absent: not pinned). */
  pinned?: { at: string; by: User } | null;
  /**
   * The name an integration posted under (an incoming webhook's `username`): shown instead of
   * the author's display name, still with the bot badge. Absent for everyone else.
   */
  senderName?: string;
  /**
   * The card for the first http(s) link of the content, found by the server after the
   * message was sent (it arrives as a `message_updated` change). Absent: none (yet, or the
   * page gave nothing); null: the author removed it, and it stays removed.
   */
  preview?: LinkPreview | null;
};

/**
 * A link's preview as the server read it from the page (OpenGraph, Twitter card, <title>):
 * plain text, cleaned and trimmed. `image`: an app path serving the page's image through the
 * server (`/api/previews/<urlHash>/image`), absent when the page names none that fits.
 */
export type LinkPreview = {
  url: string;
  title: string;
  description: string;
  siteName: string;
  image?: string;
};

/** Preview text is cut to these lengths (characters) when the server reads a page. */
export const PREVIEW_LIMITS = { title: 200, description: 500, siteName: 100 } as const;

/**
 * The link a message's preview is for: the first http(s) link of its formatted text (links
 * in code spans and blocks are code, not links; mailto is not a page), or null.
 */
export function firstLinkOf(formatted: Formatted | null): string | null {
  if (!formatted) return null;
  const walk = (nodes: unknown[]): string | null => {
    for (const node of nodes) {
      if (!Array.isArray(node)) continue;
      if (node[0] === "code" || node[0] === "pre") continue;
      if (node[0] === "a" && typeof node[1] === "string" && /^https?:\/\//i.test(node[1])) {
        return node[1];
      }
      const found = walk(node.slice(1));
      if (found) return found;
    }
    return null;
  };
  return walk(formatted);
}

/**
 * The outbox queue of link previews (lib/outbound): a message's send (or the edit that
 * changed its first link) queues one job, id `<conversationId>.<seq>`; lib/previews runs it.
 */
export const UNFURL_QUEUE = "unfurl";
export type UnfurlJob = { conversationId: string; seq: number; url: string };

/** A thread as its parent shows it: how many replies, the last one's time, who replied. */
export type ThreadSummary = { replyCount: number; lastReplyAt: string; participants: User[] };
/** As stored on the parent's record: people by id. */
export type ThreadRecord = { replyCount: number; lastReplyAt: string; participantIds: string[] };

/**
 * What KV keeps: the author by id, so a renamed user shows the new name everywhere. Records
 * stored before edits and reactions existed lack those fields: they read as never. Here
 * beside Message because the conversation head (lib/conversations/head.ts) carries one.
 */
export type MessageRecord =
  & Omit<
    Message,
    | "author"
    | "editedAt"
    | "deletedAt"
    | "reactions"
    | "attachments"
    | "formatted"
    | "system"
    | "thread"
    | "pinned"
  >
  & {
    system?: SystemRecord;
    thread?: ThreadRecord | null;
    pinned?: { at: string; byId: string } | null;
    authorId: string;
    editedAt?: string | null;
    deletedAt?: string | null;
    reactions?: Reaction[];
    attachments?: Attachment[];
  };
