/** What a conversation is: its stored record, the view a participant gets, and their rules. */
import { z } from "zod";
import type { Message } from "../shared/message.ts";
import type { User } from "../shared/user.ts";

export const conversationKindSchema = z.enum(["direct", "group", "project", "channel"]);
export type ConversationKind = z.infer<typeof conversationKindSchema>;

export type ConversationRecord = {
  id: string;
  kind: ConversationKind;
  title: string | null;
  projectId: string | null;
  participantIds: string[];
  createdBy: string;
  createdAt: string;
  /** Groups and channels: 0–250 characters ("" or absent: none). */
  topic?: string;
  /** Channels: who may find and join it (absent on other kinds). */
  visibility?: ChannelVisibility;
  /** Channels: read-only, out of the sidebar, still searchable. */
  archived?: boolean;
};

export const channelVisibilitySchema = z.enum(["public", "private"]);
export type ChannelVisibility = z.infer<typeof channelVisibilitySchema>;

export type Conversation = {
  id: string;
  kind: ConversationKind;
  title: string | null;
  projectId: string | null;
  participants: User[];
  lastMessage: Message | null;
  unreadCount: number;
  /** Unread messages that mention you (`@username`), of the last 100 unread at most. */
  mentionCount: number;
  updatedAt: string;
  /** "" when none. */
  topic: string;
  /** Channels only; null for other kinds. */
  visibility: ChannelVisibility | null;
  archived: boolean;
  memberCount: number;
  /** Null when the account was deleted… or for records that never said. */
  createdBy: User | null;
};

/** A conversation record lists its people: this keeps it far below KV's 64 KiB value limit. */
export const MAX_PARTICIPANTS = 256;

/** A page of the list goes on after this: `<updatedAt>|<id>` of the last one shown. */
export const conversationCursorSchema = z.string().regex(
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\|[0-9A-HJKMNP-TV-Z]{26}$/,
  "Use the nextCursor of the page before.",
);
export const CONVERSATION_PAGE = 50;
export const MAX_CONVERSATION_PAGE = 200;
