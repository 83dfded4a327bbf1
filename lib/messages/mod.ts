/** Messages: sending, history, read marks, changes, attachments, formatting. */
export type {
  Attachment,
  Message,
  MessageRecord,
  Reaction,
  SystemEvent,
  SystemInfo,
  SystemRecord,
} from "../shared/message.ts";
export {
  attachmentIdsSchema,
  clientIdSchema,
  contentSchema,
  emojiSchema,
  messageSeqSchema,
  normalizeEmoji,
  optionalContentSchema,
} from "../shared/message.ts";
export type { ConversationHead } from "../conversations/mod.ts";
export {
  type HeadCache,
  newHeadCache,
  type SendInput,
  type SendOutcome,
  type SendRequest,
  type SendResult,
  toMessageShape,
  withAuthors,
} from "./message.ts";
export { archivedError, commitMessages, sendMessage } from "./send.ts";
export { MessageWriter } from "./writer.ts";
export { listMessages, type MessagePage } from "./history.ts";
export { type HistoryOptions, historyReadKeys, openHistory, readHistory } from "./history_cache.ts";
export { markRead } from "./read_marks.ts";
export {
  changeMessage,
  type ChangeResult,
  getMessagesBySeq,
  listChanges,
  MAX_DISTINCT_REACTIONS,
  MAX_REACTIONS,
  type MessageChange,
} from "./changes.ts";
export {
  attachmentsForSend,
  detachDeletedFile,
  fileAreaOf,
  requireContentOrFiles,
  resolveAttachments,
} from "./attachments.ts";
export {
  type ChannelView,
  getChannelForUser,
  getConversationForUser,
  listChannelDirectory,
  listConversationsForUser,
} from "./conversation_views.ts";
export { formatMessage, parseMarkdown, renderMarkdown } from "./markdown.tsx";
export { installSearchHooks, type MessageIndexer, type SearchHooks } from "./index_port.ts";
export { isSystem, systemMessageError, systemRequest } from "./system.ts";
export { listPins, MAX_PINS, type PinEntry } from "./pins.ts";
export {
  clearSentDraft,
  deleteAllDrafts,
  draftInputSchema,
  draftQuerySchema,
  type DraftRecord,
  getDraft,
  saveDraft,
} from "./drafts.ts";
export type { ConversationView } from "./conversation_views.ts";
export { inHistory, MAX_THREAD_PARTICIPANTS, parentError, type UserThread } from "./replies.ts";
export {
  listUserThreads,
  markThreadRead,
  noteThreadMentions,
  readThread,
  type ThreadItem,
  type ThreadPage,
  unreadThreadCount,
} from "./threads.ts";
export {
  deleteAllSaved,
  listSaved,
  listSavedSeqs,
  MAX_SAVED_PAGE,
  SAVED_PAGE,
  type SavedConversation,
  savedCursorSchema,
  type SavedEntry,
  type SavedItem,
  saveMessage,
  unsaveMessage,
} from "./saved.ts";
