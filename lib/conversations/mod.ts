/** Conversations: records, who takes part, the head, and the list. What other folders use. */
export {
  type ChannelVisibility,
  channelVisibilitySchema,
  type Conversation,
  CONVERSATION_PAGE,
  conversationCursorSchema,
  type ConversationKind,
  conversationKindSchema,
  type ConversationRecord,
  MAX_CONVERSATION_PAGE,
  MAX_PARTICIPANTS,
} from "./conversation.ts";
export { createConversation } from "./create.ts";
export {
  channelCursorSchema,
  type ChannelEntry,
  type ChannelRow,
  createChannel,
  getVisibleRecord,
  joinChannel,
  listChannelRows,
  MAX_CHANNEL_NAME,
  MAX_TOPIC,
} from "./channels.ts";
export {
  type Actor,
  addMembers,
  type ConversationPatch,
  MAX_GROUP_TITLE,
  removeMember,
  updateConversation,
} from "./manage.ts";
export {
  addParticipant,
  addParticipants,
  getConversationRecord,
  getConversationRecordForUser,
  getParticipation,
  leaveAllConversations,
  leaveConversation,
  listProjectConversationIds,
  removeParticipant,
} from "./membership.ts";
export { deleteConversation } from "./delete.ts";
export {
  blockersOf,
  blockUser,
  listBlocked,
  MAX_BLOCKS,
  requireNotBlocked,
  unblockUser,
} from "./blocks.ts";
export {
  type ConversationHead,
  getHead,
  getHeadSeq,
  readHead,
  setHeadForChange,
  setHeadForMessages,
} from "./head.ts";
export { type ConversationRow, getConversationRow, listConversationRows } from "./list.ts";
export { byActivity, listCacheOf } from "./list_cache.ts";
