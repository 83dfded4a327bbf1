import type { ComponentChildren } from "preact";
import { useContext } from "preact/hooks";
import { SiteContext } from "./site_context.ts";
import { Logo } from "./Logo.tsx";
import ConversationList, { type ConversationListProps } from "../islands/ConversationList.tsx";
import NewConversation from "../islands/NewConversation.tsx";
import ThemeToggle from "../islands/ThemeToggle.tsx";
import ThreadsLink from "../islands/ThreadsLink.tsx";
import DndMenu from "../islands/DndMenu.tsx";
import { Avatar } from "./people.tsx";
import { SearchForm } from "./SearchForm.tsx";
import { PhoneBar } from "./PhoneBar.tsx";
import { packConversationListProps } from "../islands/list/list_props.ts";
import { island } from "../lib/web/mod.ts";

// Packed: each person once, usual values left out (~1.2 KB of JSON a row before).
const ConversationListIsland = island(
  "ConversationList",
  ConversationList,
  packConversationListProps,
);
const NewConversationIsland = island("NewConversation", NewConversation);
const ThemeToggleIsland = island("ThemeToggle", ThemeToggle);
const ThreadsLinkIsland = island("ThreadsLink", ThreadsLink);
const DndMenuIsland = island("DndMenu", DndMenu);

const PROJECTS_ICON = "M2 5a2 2 0 0 1 2-2h4l2 2h6a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V5Z";
const ADMIN_ICON = "M10 1.5 3 4.5v5c0 4.1 2.9 7.9 7 9 4.1-1.1 7-4.9 7-9v-5l-7-3Z";
const SAVED_ICON = "M5 2.5h10a1 1 0 0 1 1 1V18l-6-3.5L4 18V3.5a1 1 0 0 1 1-1Z";

/** One of the sidebar's places (Saved, Projects, Admin): marked when it is the page. */
function NavLink(
  props: { href: string; current: boolean; icon: string; children: ComponentChildren },
) {
  return (
    <a
      href={props.href}
      aria-current={props.current ? "page" : undefined}
      class={`flex items-center gap-2 rounded-lg px-2 py-1.5 text-sm font-medium ${
        props.current
          ? "bg-slate-700 text-white"
          : "text-slate-300 hover:bg-slate-800 hover:text-white"
      }`}
    >
      <svg viewBox="0 0 20 20" fill="currentColor" class="h-4 w-4" aria-hidden="true">
        <path d={props.icon} />
      </svg>
      {props.children}
    </a>
  );
}

/**
 * The signed-in frame: sidebar (brand, new conversation, list, account) and the main pane.
 * A phone shows one of them: the sidebar on the home page (`home`: the list is the page),
 * the main pane everywhere else, with a bar back to the list where the page has none.
 */
export function ChatShell(
  props: ConversationListProps & {
    children: ComponentChildren;
    section?: "chat" | "projects" | "channels" | "admin" | "threads" | "saved";
    home?: boolean;
    /** How many of your threads have unread replies (the Threads link's count). */
    unreadThreads?: number;
  },
) {
  const { me, currentId, home } = props;
  const site = useContext(SiteContext);
  return (
    <div class="flex h-full">
      <aside
        class={`${
          home ? "flex" : "hidden md:flex"
        } w-full md:w-72 shrink-0 flex-col border-slate-800 bg-slate-900 text-slate-100 md:border-r`}
        aria-label="Sidebar"
      >
        <div class="flex items-center gap-2 px-4 pb-3 pt-4">
          <Logo />
          <span class="truncate text-lg font-bold tracking-tight">{site.name}</span>
        </div>
        <div class="space-y-2 px-4 pb-3">
          <SearchForm
            id="sidebar-search"
            placeholder="Search messages"
            class="mb-2"
            inputClass="w-full rounded-lg border border-slate-700 bg-slate-800 px-3 py-1.5 text-sm text-slate-100 placeholder:text-slate-400 focus:border-indigo-400 focus:outline-none focus:ring-2 focus:ring-indigo-400"
          />
          <NewConversationIsland />
          <ThreadsLinkIsland
            unread={props.unreadThreads ?? 0}
            current={props.section === "threads"}
          />
          <NavLink href="/saved" current={props.section === "saved"} icon={SAVED_ICON}>
            Saved
          </NavLink>
          <NavLink href="/projects" current={props.section === "projects"} icon={PROJECTS_ICON}>
            Projects
          </NavLink>
          {me.isAdmin && (
            <NavLink href="/admin" current={props.section === "admin"} icon={ADMIN_ICON}>
              Admin
            </NavLink>
          )}
        </div>
        <nav class="flex-1 overflow-y-auto pb-3" aria-label="Conversations">
          <ConversationListIsland
            me={me}
            conversations={props.conversations}
            nextCursor={props.nextCursor}
            currentId={currentId}
            browsing={props.section === "channels"}
            dndUntil={props.dndUntil ?? null}
          />
        </nav>
        <DndMenuIsland until={props.dndUntil ?? null} />
        <div class="flex items-center gap-3 border-t border-slate-800 px-4 py-3">
          <Avatar user={me} size="sm" />
          <a
            href="/account"
            class="min-w-0 flex-1 rounded-md hover:bg-slate-800"
            title="Your account"
          >
            <p class="truncate text-sm font-medium">{me.displayName}</p>
            <p class="truncate text-xs text-slate-400">@{me.username}</p>
          </a>
          <ThemeToggleIsland />
          <form method="post" action="/api/auth/logout">
            <button
              type="submit"
              class="rounded-md px-2 py-1 text-xs text-slate-300 hover:bg-slate-800 hover:text-white"
            >
              Sign out
            </button>
          </form>
        </div>
      </aside>
      <main
        class={`${home ? "hidden md:flex" : "flex"} min-w-0 flex-1 ${
          currentId ? "" : "flex-col md:flex-row"
        }`}
      >
        {!home && !currentId && <PhoneBar />}
        {props.children}
      </main>
    </div>
  );
}
