/**
 * The islands of the signed-in pages' shell and of the chat room, built as one module
 * (`app.js`, with the chunks it shares with the other islands): the chat page loads it, the
 * client entry and a few shared chunks instead of a module per island and per shared
 * combination of them (27 requests before: each a round trip over the browser's six
 * connections, and a module to instantiate). Islands of other pages (the sign-in form, the
 * project's files, a copy button) stay modules of their own.
 *
 * lib/web/assets.ts reads the `import * as` lines and the `get` lines (an island loaded as
 * a chunk of its own when a page has it) below to know which islands this module holds;
 * islands/boot.ts takes an island named here from `islands` (APP_ISLANDS must name the
 * same: islands/app_test.ts).
 */
import * as AddMember from "./AddMember.tsx";
import * as ChatRoom from "./ChatRoom.tsx";
import * as ConversationList from "./ConversationList.tsx";
import * as DndMenu from "./DndMenu.tsx";
import * as MemberPresence from "./MemberPresence.tsx";
import * as NewConversation from "./NewConversation.tsx";
import * as SearchBox from "./SearchBox.tsx";
import * as ThemeToggle from "./ThemeToggle.tsx";
import * as ThreadsLink from "./ThreadsLink.tsx";
import { loadThreadPanel } from "./thread/lazy_panel.tsx";

type IslandModule = { default: unknown; unpackProps?: unknown };

export const islands: Record<string, IslandModule | Promise<IslandModule>> = {
  AddMember,
  ChatRoom,
  ConversationList,
  DndMenu,
  MemberPresence,
  NewConversation,
  SearchBox,
  ThemeToggle,
  /**
   * A chunk of its own, loaded when a page shows a thread (the threads page; the chat room
   * asks for it when one opens): boot.ts awaits what it takes from here.
   */
  get ThreadPanel() {
    return loadThreadPanel().then((component) => ({ default: component }));
  },
  ThreadsLink,
};
