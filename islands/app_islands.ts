/** The islands islands/app.ts holds (boot.ts loads them from `app.js`; app_test.ts checks). */
export const APP_ISLANDS: ReadonlySet<string> = new Set([
  "AddMember",
  "ChatRoom",
  "ConversationList",
  "DndMenu",
  "FileManager",
  "MemberPresence",
  "NewConversation",
  "SearchBox",
  "ThemeToggle",
  "ThreadPanel",
  "ThreadsLink",
]);
