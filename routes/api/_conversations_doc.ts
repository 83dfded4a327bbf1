/**
 * What the conversation routes (routes/api/conversations.ts) validate and how the API document
 * describes them: kept here so that file stays within its size.
 */
import { z } from "zod";
import {
  channelVisibilitySchema,
  conversationCursorSchema,
  MAX_CONVERSATION_PAGE,
} from "../../lib/conversations/mod.ts";
import {
  attachmentIdsSchema,
  clientIdSchema,
  optionalContentSchema,
} from "../../lib/messages/mod.ts";
import type { RouteDoc } from "../_openapi.ts";
import {
  conversationShape,
  messageShape,
  oneConversation,
  oneMessage,
  userShape,
} from "../_api_shapes.ts";

const idList = z.preprocess(
  (v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.string().min(1).max(64)).max(255),
);
export const createSchema = z.object({
  participantIds: idList.optional().meta({ description: "The other people, by user id." }),
  usernames: idList.optional().meta({ description: "The other people, by username." }),
  title: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.string().trim().min(1).max(100).optional(),
  ).meta({ description: "A group's title, or the channel's name." }),
  projectId: z.string().min(1).max(64).optional().meta({
    description: "Starts a group inside this project (its members only).",
  }),
  /** "channel" makes a channel (title, topic, visibility); otherwise as the people say. */
  kind: z.enum(["direct", "group", "channel"]).optional().meta({
    description: '"channel" makes a channel; otherwise one other person is a direct ' +
      "conversation and more a group.",
  }),
  topic: z.string().max(1000).optional().meta({ description: "A channel's topic." }),
  visibility: channelVisibilitySchema.optional().meta({
    description: "A channel's: public (anyone may find and join it) or private.",
  }),
});
const seq = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const historySchema = z.object({
  before: seq.optional().meta({ description: "Messages before this seq (older)." }),
  after: seq.optional().meta({ description: "Messages after this seq (newer)." }),
  /** A seq to show in the middle of the page (a search result opened in context). */
  around: seq.optional().meta({ description: "A page with this seq in its middle." }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const postSchema = z.object({
  /** May be empty when files are attached (then the files are the message). */
  content: optionalContentSchema.meta({
    description: "The text (Markdown). May be empty when files are attached.",
  }),
  clientId: clientIdSchema.optional().meta({
    description: "Your id for this message: sending it again answers the message already " +
      "sent, at any age. A lower-case UUIDv7 (RFC 9562; what Hearth's pages send) costs the " +
      "server least.",
  }),
  /** A form sends one id as a plain field: it counts as a list of one. */
  attachmentIds: z.preprocess((v) => typeof v === "string" ? [v] : v, attachmentIdsSchema)
    .optional().meta({ description: "Files uploaded to the conversation first, to attach." }),
  /** A reply in the thread of this top-level message (a form sends it as text). */
  parentSeq: z.preprocess((v) => v === "" ? undefined : v, seq.min(1).optional()).meta({
    description: "Replies in the thread of this top-level message.",
  }),
  /** A reply that also shows in the conversation (a form's checkbox sends "on"). */
  alsoToConversation: z.preprocess(
    (v) => typeof v === "string" ? ["on", "1", "true"].includes(v) : v,
    z.boolean().optional(),
  ).meta({ description: "A reply that shows in the conversation too." }),
});
export const readSchema = z.object({
  seq: seq.meta({ description: "The last message you have read." }),
});
export const listSchema = z.object({
  cursor: conversationCursorSchema.optional().meta({
    description: "The previous page's `nextCursor`.",
  }),
  limit: z.coerce.number().int().min(1).max(MAX_CONVERSATION_PAGE).optional(),
});

export const usersSchema = z.object({
  search: z.string().max(64).default("").meta({
    description: "The beginning of a username or display name.",
  }),
});

const tooMany = "Too many changes: wait for `Retry-After`.";
const unblock: RouteDoc = {
  tag: "Blocking",
  summary: "Unblocks someone.",
  responses: {
    204: "Unblocked (also when they were not blocked).",
    303: "A form post: to the account page.",
  },
};
const leave: RouteDoc = {
  tag: "Members",
  summary: "Leaves a group or channel.",
  responses: {
    204: "Left (your sockets stop receiving from it at once).",
    303: "A form post: to the start page.",
    404: "No such conversation for you.",
    409:
      "A direct conversation (`direct_conversation`: block instead) or a project's (`leave_project`).",
    429: tooMany,
  },
};

/** The doc() of each conversation route. */
export const conversationDocs = {
  list: {
    tag: "Conversations",
    summary: "Your conversations, most recent activity first.",
    description:
      "Without `limit` or `cursor`: all of them. Each with your notification setting and unread count.",
    query: listSchema,
    responses: {
      200: {
        description: "The page, and the next one's cursor (null: no more).",
        schema: z.object({
          conversations: z.array(conversationShape),
          nextCursor: z.string().nullable(),
        }),
      },
      400: "An invalid `cursor` or `limit`.",
    },
  },
  users: {
    tag: "People",
    summary: "Finds people by username or display name (at most 20, you left out).",
    query: usersSchema,
    responses: {
      200: { description: "Up to 20 people.", schema: z.object({ users: z.array(userShape) }) },
      400: "A search over 64 characters.",
      429: "Too many searches: wait for `Retry-After`.",
    },
  },
  create: {
    tag: "Conversations",
    summary: 'Starts a direct conversation or a group, or creates a channel (`kind: "channel"`).',
    description:
      "People by `participantIds` and/or `usernames` (lists, or comma-separated text in a form). " +
      "A direct conversation with the same person is found again (200). `projectId`: a group inside a project " +
      "(everyone a project member). A channel needs `title`; `visibility` public or private.",
    body: createSchema,
    bodyTypes: ["json", "form"],
    responses: {
      200: { description: "A direct conversation that existed already.", schema: oneConversation },
      201: { description: "Created.", schema: oneConversation },
      303: "A form post: to the conversation's page.",
      400: "An invalid field, or people that could not be found (`fields.participants`).",
      403: "Someone is not a member of the project.",
      404: "No such project for you.",
      409: "Someone blocked you (`blocked`), or a channel name in use (`name_taken`).",
      429: tooMany,
    },
  },
  blocked: {
    tag: "Blocking",
    summary: "The people you block (they cannot start conversations with you or add you).",
    responses: {
      200: { description: "Who you block.", schema: z.object({ users: z.array(userShape) }) },
    },
  },
  unblock,
  unblockForm: { ...unblock, summary: "Unblocks someone from a form (pages without JavaScript)." },
  leave,
  block: {
    ...leave,
    tag: "Blocking",
    summary:
      "Leaves a conversation and blocks who pulled you in (a direct one's other person, a group's creator).",
    responses: { ...leave.responses, 409: "A project's conversation (`leave_project`)." },
  },
  get: {
    tag: "Conversations",
    summary: "One conversation of yours.",
    responses: {
      200: { description: "With your notification setting.", schema: oneConversation },
      404: "No such conversation for you.",
    },
  },
  history: {
    tag: "Messages",
    summary: "A page of a conversation's top-level messages, oldest first.",
    description: "At most one of `before`, `after` and `around` (a seq); none: the newest page.",
    query: historySchema,
    responses: {
      200: {
        description: "Pass `nextCursor` as `before` for older ones; with `around`, " +
          "`newerCursor` as `after` for newer ones.",
        schema: z.object({
          messages: z.array(messageShape),
          nextCursor: z.string().nullable(),
          newerCursor: z.string().nullable().optional(),
        }),
      },
      400: "An invalid field, or more than one of before, after and around.",
      404: "No such conversation for you.",
    },
  },
  send: {
    tag: "Messages",
    summary: "Sends a message (or a reply in a thread, with `parentSeq`).",
    description:
      "Markdown text, and/or files uploaded first (`attachmentIds`). A `clientId` makes a retry safe: " +
      "the same one answers the message already sent (200). A form post's text that starts with `/` runs " +
      "as a slash command.",
    body: postSchema,
    bodyTypes: ["json", "form"],
    responses: {
      200: { description: "Sent before with this `clientId`.", schema: oneMessage },
      201: { description: "Sent; everyone in the conversation gets it live.", schema: oneMessage },
      303: "A form post: back to the message.",
      400:
        "Empty (without files) or too long content, an unknown attachment, or an unknown thread.",
      404: "No such conversation for you.",
      409: "An archived channel.",
      429: "Too many messages: wait for `Retry-After`.",
    },
  },
  read: {
    tag: "Messages",
    summary: "Marks the conversation read up to `seq` (a mark never moves back).",
    body: readSchema,
    responses: {
      204: "Marked; your other devices follow live.",
      400: "An invalid `seq`.",
      404: "No such conversation for you.",
    },
  },
} satisfies Record<string, RouteDoc>;
