/**
 * The shapes the API answers with, as zod schemas for its description (routes/_openapi.ts
 * turns them into the document's components: User, Message, Conversation). They describe
 * what the TypeScript types in lib/shared and lib/conversations say; the `fits` checks below
 * keep each type assignable to its schema, and tests/http/openapi_test.ts parses real answers
 * with them (a field added to an answer and missing here fails that test).
 */
import { z } from "zod";
import type { Conversation } from "../lib/conversations/mod.ts";
import { type Message, SYSTEM_EVENTS } from "../lib/shared/message.ts";
import { NOTIFY_LEVELS, type NotifyPref } from "../lib/shared/notify_prefs.ts";
import type { User } from "../lib/shared/user.ts";

const time = z.iso.datetime({ offset: true });

export const userShape = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  isAdmin: z.boolean().optional().meta({ description: "A site admin." }),
  isBot: z.boolean().optional().meta({ description: "A bot (or an integration) account." }),
}).meta({ id: "User", description: "A person (or a bot) as others see them." });

const systemShape = z.object({
  event: z.enum(SYSTEM_EVENTS),
  actor: userShape,
  users: z.array(userShape).optional(),
  title: z.string().optional(),
  topic: z.string().optional(),
  seq: z.number().int().optional().meta({ description: "The message a pin is about." }),
});

export const messageShape = z.object({
  id: z.string(),
  conversationId: z.string(),
  seq: z.number().int().min(1).meta({ description: "Its place in the conversation: 1, 2, …" }),
  author: userShape,
  content: z.string().meta({ description: "The text as written (Markdown)." }),
  clientId: z.string().nullable().meta({ description: "The sender's own id for it, if given." }),
  createdAt: time,
  editedAt: time.nullable(),
  deletedAt: time.nullable().meta({ description: 'Deleted: content "", reactions gone.' }),
  reactions: z.array(z.object({ emoji: z.string(), userIds: z.array(z.string()) })),
  attachments: z.array(z.object({
    id: z.string(),
    name: z.string(),
    size: z.number().int(),
    contentType: z.string(),
    removed: z.boolean().optional(),
  })),
  formatted: z.unknown().meta({
    description: "The content's formatting, parsed by the server (null: one plain paragraph).",
  }),
  kind: z.literal("system").optional().meta({ description: "A join, leave, rename…" }),
  system: systemShape.optional(),
  parentSeq: z.number().int().nullable().optional().meta({
    description: "A reply: the seq of the message whose thread it is in.",
  }),
  alsoToConversation: z.boolean().optional(),
  thread: z.object({
    replyCount: z.number().int(),
    lastReplyAt: time,
    participants: z.array(userShape),
  }).nullable().optional(),
  pinned: z.object({ at: time, by: userShape }).nullable().optional(),
  senderName: z.string().optional().meta({
    description: "The name an integration posted under (shown instead of the author's).",
  }),
  preview: z.object({
    url: z.string(),
    title: z.string(),
    description: z.string(),
    siteName: z.string(),
    image: z.string().optional().meta({ description: "A path on this site serving the image." }),
  }).nullable().optional().meta({
    description: "The card of the first link's page (null: the author removed it).",
  }),
}).meta({ id: "Message" });

export const conversationShape = z.object({
  id: z.string(),
  kind: z.enum(["direct", "group", "project", "channel"]),
  title: z.string().nullable(),
  projectId: z.string().nullable(),
  participants: z.array(userShape),
  lastMessage: messageShape.nullable(),
  unreadCount: z.number().int(),
  mentionCount: z.number().int(),
  updatedAt: time,
  topic: z.string(),
  visibility: z.enum(["public", "private"]).nullable(),
  archived: z.boolean(),
  memberCount: z.number().int(),
  createdBy: userShape.nullable(),
  draft: z.string().nullable().optional().meta({
    description: "What you typed here and have not sent (null: nothing).",
  }),
  joined: z.boolean().optional().meta({
    description: "A channel as the directory shows it: whether you are in it.",
  }),
  notifications: z.object({
    level: z.enum(NOTIFY_LEVELS),
    muted: z.boolean(),
  }).optional().meta({ description: "Your own notification setting here." }),
}).meta({ id: "Conversation" });

// Each type fits its schema (a changed field type fails `deno check` here).
export const fits = {
  user: (u: User): z.infer<typeof userShape> => u,
  message: (m: Message): z.infer<typeof messageShape> => m,
  conversation: (
    c: Conversation & { notifications?: NotifyPref; draft?: string | null; joined?: boolean },
  ): z.infer<
    typeof conversationShape
  > => c,
};

/** `{message}`: one message as it is now. */
export const oneMessage = z.object({ message: messageShape });
/** `{conversation}`. */
export const oneConversation = z.object({ conversation: conversationShape });
/** `{user}`. */
export const oneUser = z.object({ user: userShape });
