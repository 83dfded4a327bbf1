import { z } from "zod";
import {
  attachmentIdsSchema,
  clientIdSchema,
  contentSchema,
  emojiSchema,
  type Message,
  messageSeqSchema,
  optionalContentSchema,
} from "./message.ts";
import type { User } from "./user.ts";

export { MAX_FRAME_BYTES } from "./limits.ts";

const conversationId = z.string().min(1).max(64);

/** Every frame a client may send; anything else is answered with an `error` frame. */
export const clientFrameSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("join"),
    conversationId,
    since: z.number().int().min(0).optional(),
    /** The highest `rev` the client has seen: changes since then follow the messages. */
    rev: z.number().int().min(0).optional(),
  }),
  z.object({ type: z.literal("leave"), conversationId }),
  z.object({
    type: z.literal("send_message"),
    conversationId,
    /** May be empty (or left out) when files are attached. */
    content: optionalContentSchema,
    clientId: clientIdSchema,
    /** Files uploaded to the conversation's file area by the sender (at most 10). */
    attachmentIds: attachmentIdsSchema.optional(),
    /** A reply in the thread of this top-level message of the same conversation. */
    parentSeq: messageSeqSchema.optional(),
    /** A reply that also shows in the conversation. */
    alsoToConversation: z.boolean().optional(),
  }),
  z.object({ type: z.literal("typing"), conversationId }),
  /** This socket's person is here ("active") or not looking ("away": tab hidden, idle). */
  z.object({ type: z.literal("presence"), state: z.enum(["active", "away"]) }),
  z.object({ type: z.literal("ping") }),
  /**
   * Asks for these people's states (online anywhere, away, offline: `people` frames), now
   * and at each change, in place of whom this socket watched before under the same `scope`
   * (a page's parts ask apart: the sidebar, a member list; at most 4 scopes of 200).
   */
  z.object({
    type: z.literal("watch_people"),
    userIds: z.array(z.string().min(1).max(64)).max(200),
    scope: z.string().min(1).max(16).optional(),
  }),
  /** Asks for `activity` frames of every conversation you take part in (a live list). */
  z.object({ type: z.literal("watch_list") }),
  /** Your own message: its new content (answered by `message_updated`). */
  z.object({
    type: z.literal("edit_message"),
    conversationId,
    seq: messageSeqSchema,
    content: contentSchema,
  }),
  /** Your own message: emptied, kept as a placeholder (answered by `message_updated`). */
  z.object({ type: z.literal("delete_message"), conversationId, seq: messageSeqSchema }),
  /** Adds (`on: true`) or takes back your reaction (answered by `message_updated`). */
  z.object({
    type: z.literal("react"),
    conversationId,
    seq: messageSeqSchema,
    emoji: emojiSchema,
    on: z.boolean(),
  }),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;

export type ServerFrame =
  /** `rev`: the conversation's change counter when the join began (pass it back on rejoin). */
  | { type: "recent_messages"; conversationId: string; messages: Message[]; rev?: number }
  /**
   * A message was edited, deleted or reacted to: it as it is now, and the change's `rev`
   * (absent when it answers a change frame that changed nothing).
   */
  | { type: "message_updated"; message: Message; rev?: number }
  | { type: "message"; message: Message }
  | { type: "ack"; clientId: string; message: Message }
  | {
    type: "status";
    conversationId: string;
    event: "joined" | "left";
    user: User;
    online: User[];
    /** The ids of those online whose every socket here is away. */
    away: string[];
  }
  /** Someone online in the room went away or came back. */
  | {
    type: "presence";
    conversationId: string;
    user: User;
    state: "active" | "away";
    away: string[];
  }
  | { type: "typing"; conversationId: string; user: User }
  | { type: "activity"; conversationId: string; message: Message }
  /**
   * People's states, as asked with `watch_people`: online anywhere ("active"), with every
   * tab hidden or idle ("away"), or "offline". All of them first, then each change.
   */
  | { type: "people"; people: { id: string; state: "active" | "away" | "offline" }[] }
  /** A file area's files changed (an upload, a delete): a list of them reads them again. */
  | { type: "files_changed"; areaId: string }
  /** You were taken out of the conversation (or left it): lists drop it. */
  | { type: "conversation_removed"; conversationId: string }
  /** Your read mark moved (in this tab or another, on any device): unread counts follow. */
  | { type: "read"; conversationId: string; seq: number }
  /** Your draft there changed on another device or tab ("" when it was sent or cleared). */
  | { type: "draft"; conversationId: string; parentSeq: number | null; content: string }
  | { type: "error"; code: string; message: string; ref?: string }
  | { type: "pong" };
