/**
 * The islands of the signed-in pages' shell and of the chat room, built as one module
 * (`app.js`, with the chunks it shares with the other islands): the chat page loads it, the
 * client entry and a few shared chunks instead of a module per island and per shared
 * combination of them (27 requests before: each a round trip over the browser's six
 * connections, and a module to instantiate). Islands of other pages (the sign-in form, the
 * project's files, a copy button) stay modules of their own. (A project's files are one of
 * app.js's chunks, loaded when a page has them: files/file_parts.ts says why.)
 *
 * lib/web/assets.ts reads the lines of `islands` below (`  Name: { default: … }`, and
 * `  get Name() {` for an island loaded as a chunk of its own when a page has it) to know
 * which islands this module holds; islands/boot.ts takes an island named here from
 * `islands` (APP_ISLANDS must name the same: islands/app_test.ts). Each is an object of its
 * component (and unpackProps), not the module's namespace (`import * as`): the bundler's
 * helper for namespaces would be a chunk of its own on every page.
 */
import AddMember from "./AddMember.tsx";
import ChatRoom, { unpackProps as unpackChatRoom } from "./ChatRoom.tsx";
import ConversationList, { unpackProps as unpackConversationList } from "./ConversationList.tsx";
import DndMenu from "./DndMenu.tsx";
import MemberPresence from "./MemberPresence.tsx";
import NewConversation from "./NewConversation.tsx";
import SearchBox from "./SearchBox.tsx";
import ThemeToggle from "./ThemeToggle.tsx";
import ThreadsLink from "./ThreadsLink.tsx";
import { loadThreadPanel } from "./thread/lazy_panel.tsx";
import { loadFileManager } from "./files/file_parts.ts";

type IslandModule = { default: unknown; unpackProps?: unknown };

export const islands: Record<string, IslandModule | Promise<IslandModule>> = {
  AddMember: { default: AddMember },
  ChatRoom: { default: ChatRoom, unpackProps: unpackChatRoom },
  ConversationList: { default: ConversationList, unpackProps: unpackConversationList },
  DndMenu: { default: DndMenu },
  /** A chunk of its own, loaded when a page has it (a project's page). */
  get FileManager() {
    return loadFileManager().then((component) => ({ default: component }));
  },
  MemberPresence: { default: MemberPresence },
  NewConversation: { default: NewConversation },
  SearchBox: { default: SearchBox },
  ThemeToggle: { default: ThemeToggle },
  /**
   * A chunk of its own, loaded when a page shows a thread (the threads page; the chat room
   * asks for it when one opens): boot.ts awaits what it takes from here.
   */
  get ThreadPanel() {
    return loadThreadPanel().then((component) => ({ default: component }));
  },
  ThreadsLink: { default: ThreadsLink },
};
