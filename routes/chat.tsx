import { Hono } from "hono";
import type { ComponentChildren } from "preact";
import { z } from "zod";
import { ChatShell } from "../components/ChatShell.tsx";
import { ChannelPanel, type PanelIntegrations } from "../components/ChannelPanel.tsx";
import { ChannelPreview } from "../components/ChannelDirectory.tsx";
import ChatRoom from "../islands/ChatRoom.tsx";
import { packChatRoomProps } from "../islands/chat/chat_props.ts";
import type { ThreadPage } from "../islands/thread/thread_model.ts";
import {
  type ConversationHead,
  getChannelForUser,
  historyReadKeys,
  listConversationsForUser,
  markRead,
  openHistory,
  readThread,
  unreadThreadCount,
} from "../lib/messages/mod.ts";
import { AppError } from "../lib/errors.ts";
import { island } from "../lib/web/mod.ts";
import type { User } from "../lib/accounts/mod.ts";
import { type Conversation, listCacheOf } from "../lib/conversations/mod.ts";
import { listIncomingWebhooks, listOutgoingWebhooks } from "../lib/integrations/mod.ts";
import { hookBase } from "./api/webhooks.ts";
import { type AppCtx, type Env, prefetched, prefetchRoute } from "./_http.ts";
import { page } from "./_page.tsx";

/** The ChatRoom island, its props packed (one registration: every page must pack them). */
export const ChatRoomIsland = island("ChatRoom", ChatRoom, packChatRoomProps);
import {
  afterMark,
  type ConversationListing,
  readSidebar,
  type Sidebar,
  SIDEBAR_ROWS,
  sidebarNotes,
  withNotes,
} from "./_sidebar.ts";
export { SIDEBAR_ROWS };
const beforeSchema = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional().catch(
  undefined,
);

/** Sends a signed-out visitor to /login, coming back here afterwards. */
function signInFirst(c: AppCtx) {
  const next = new URL(c.req.url).pathname;
  return c.redirect(next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`, 303);
}

/** A page for signed-in people: `page` gets who it is; anyone else is sent to sign in first. */
export function signedIn(page: (c: AppCtx, me: User) => Promise<Response>) {
  return (c: AppCtx) => {
    const me = c.get("user");
    return me ? page(c, me) : signInFirst(c);
  };
}

/** A signed-in page that shows `body` in the frame and reads nothing of its own. */
function framePage(title: string, body: (me: User) => ComponentChildren, home = false) {
  return signedIn((c, me) => shell(c, { me, title, home, children: body(me) }));
}

/**
 * A page in the signed-in frame: the sidebar with `me`'s conversations (`currentId` open;
 * `list` when the page read it already, alongside its own reads), then `children`.
 */
export async function shell(
  c: AppCtx,
  frame: {
    me: User;
    title: string;
    currentId?: string | null;
    section?: "chat" | "projects" | "channels" | "admin" | "threads" | "saved";
    /** The home page: on a phone, the list is what it shows (ChatShell). */
    home?: boolean;
    list?: ConversationListing;
    /** The sidebar, when the page read it already (see readSidebar). */
    sidebar?: Sidebar;
    children: ComponentChildren;
  },
) {
  const { me } = frame;
  const sidebar = frame.sidebar ?? await readSidebar(c, me, frame.list);
  return page(c, {
    title: frame.title,
    children: (
      <ChatShell
        me={me}
        conversations={sidebar.conversations}
        nextCursor={sidebar.nextCursor}
        dndUntil={sidebar.dndUntil === null ? null : new Date(sidebar.dndUntil).toISOString()}
        currentId={frame.currentId ?? null}
        section={frame.section}
        home={frame.home}
        unreadThreads={sidebar.unreadThreads}
      >
        {frame.children}
      </ChatShell>
    ),
  });
}

/** A page for addresses that do not exist (or that this user may not see). */
export function notFoundPage(c: AppCtx) {
  return page(c, {
    title: "Not found",
    status: 404,
    children: (
      <main class="flex min-h-full flex-col items-center justify-center gap-2 text-center">
        <h1 class="text-2xl font-bold">Not found</h1>
        <p class="text-slate-600 dark:text-slate-400">
          There is nothing here, or it is not shared with you.
        </p>
        <a class="font-semibold text-indigo-600 dark:text-indigo-400" href="/">
          Back to your conversations
        </a>
      </main>
    ),
  });
}

/** What `read` gives, or null when it is not found (or not shared with this user: a 404). */
export async function foundOrNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof AppError && err.status === 404) return null;
    throw err;
  }
}

/**
 * A thread's first page (`after`: the replies after that seq), or null when there is no
 * such thread (the panel says so). The caller has checked that `me` takes part.
 */
export async function readThreadPage(
  c: AppCtx,
  conversationId: string,
  seq: number,
  after?: number,
): Promise<ThreadPage | null> {
  return await foundOrNull(readThread(c.get("ctx").kv, conversationId, seq, { after }));
}

/**
 * The conversation page reads its membership, head, authors' revision and your read mark in
 * the session's getMany (routes/_http.ts prefetchRoute): on a remote KV each read in series
 * is a round trip, so the page's reads start together where they can (remote.ts --trace).
 */
const PAGE_PATH = /^\/conversations\/([^/]+)$/;
prefetchRoute(
  "GET",
  PAGE_PATH,
  (match, userId) => historyReadKeys(match[1], userId, { mark: true }),
);

/**
 * A conversation's page: its history (the newest, older, or around a search hit), then live.
 * Its reads, in three steps: the session's getMany (with PAGE_PATH's keys: you take part, or
 * the channel preview answers); then together the sidebar's rows with this conversation's
 * (one batch per step), the history page, the thread and the Threads mark; then together the
 * notification settings (the sidebar's and this conversation's, one getMany), the read mark
 * moved (one commit on the entries read first) and the panel's webhooks.
 */
async function conversationPage(c: AppCtx, me: User) {
  const { kv, hub } = c.get("ctx");
  const id = c.req.param("id") ?? "";
  const keys = historyReadKeys(id, me.id, { mark: true });
  const first = keys && (prefetched(c, me.id, keys) ?? await kv.getMany<unknown[]>(keys));
  const open = first && await foundOrNull(openHistory(kv, id, me.id, first));
  if (!first || !open) return await channelPreviewPage(c, me);
  const before = beforeSchema.parse(c.req.query("before"));
  // `around`: a search result opens its message in the middle of its history.
  const around = before === undefined ? beforeSchema.parse(c.req.query("around")) : undefined;
  // `?thread=<seq>`: the thread opens beside the conversation (a working form without JavaScript).
  const threadSeq = beforeSchema.parse(c.req.query("thread"));
  const unreadThreads = unreadThreadCount(kv, me.id);
  // The panel's webhooks at once when this process knows the record as the head read first
  // has it (the list cache's, kept with the head's participant counter: exact); else below.
  const [, head, , mark] = first;
  const headValue = head.value as ConversationHead | null;
  const known = headValue && listCacheOf(kv).record(id, headValue.members ?? 0);
  const early = known ? (hasPanel(known) ? readIntegrations(c, id, me) : null) : undefined;
  // Awaited below; a failure meanwhile is not an unhandled rejection.
  for (const p of [unreadThreads, early]) p?.catch(() => {});
  const [listed, { page: history }, threadPage] = await Promise.all([
    listConversationsForUser(kv, me.id, {
      limit: SIDEBAR_ROWS,
      also: id,
      username: me.username,
      // The sidebar's settings and this conversation's (the header's bell, issue 18).
      alongside: sidebarNotes(kv, me.id),
    }),
    open({ before, around, limit: 50 }),
    threadSeq === undefined ? null : readThreadPage(c, id, threadSeq),
  ]);
  const conversation = listed.also;
  // Left meanwhile (the membership read first said otherwise).
  if (!conversation) return await channelPreviewPage(c, me);
  const last = history.messages.at(-1);
  const atEnd = before === undefined && around === undefined;
  // What was unread before this visit: the page marks where it starts ("New messages"). The
  // count is of the history's messages (replies count in their threads), as the page shows.
  const unreadFrom = atEnd && last && conversation.unreadCount > 0
    ? history.messages.at(-conversation.unreadCount)?.seq ?? null
    : null;
  // Read up to what the page shows (never past the head read first): no read of its own.
  const upTo = last && atEnd ? Math.min(last.seq, headValue?.seq ?? 0) : null;
  const [threadsMark, integrations, moved] = await Promise.all([
    unreadThreads,
    early !== undefined
      ? early ?? undefined
      : hasPanel(conversation)
      ? readIntegrations(c, conversation.id, me)
      : undefined,
    upTo === null ? null : markRead(kv, id, { userId: me.id, seq: upTo, known: { mark, head } }),
  ]);
  if (moved !== null) hub.readMoved(me.id, id, moved);
  const notes = listed.alongside!;
  const [viewed] = withNotes([conversation], notes);
  const sidebar: Sidebar = {
    conversations: await afterMark(c, me, withNotes(listed.values, notes), id, upTo),
    nextCursor: listed.cursor,
    dndUntil: notes.dndUntil,
    unreadThreads: threadsMark,
  };
  return await shell(c, {
    me,
    currentId: conversation.id,
    sidebar,
    title: conversation.title ??
      conversation.participants.filter((p) => p.id !== me.id).map((p) => p.displayName).join(
        ", ",
      ),
    children: withPanel(
      <ChatRoomIsland
        me={me}
        conversation={viewed}
        messages={history.messages}
        nextCursor={history.nextCursor}
        unreadFrom={unreadFrom}
        maxUploadBytes={c.get("ctx").config.maxUploadBytes}
        focusSeq={around ?? null}
        atEnd={atEnd}
        thread={threadSeq === undefined
          ? null
          : { seq: threadSeq, page: threadPage, missing: threadPage === null }}
        opened={{
          edit: beforeSchema.parse(c.req.query("edit")),
          react: beforeSchema.parse(c.req.query("react")),
          delete: beforeSchema.parse(c.req.query("delete")),
        }}
      />,
      conversation,
      me,
      { threadOpen: threadSeq !== undefined, integrations },
    ),
  });
}

/**
 * A public channel you are not in, opened by its address: what the directory says of it and
 * Join. Anything else you may not see is not found.
 */
async function channelPreviewPage(c: AppCtx, me: User) {
  const channel = await foundOrNull(
    getChannelForUser(c.get("ctx").kv, c.req.param("id") ?? "", me.id),
  );
  if (!channel || channel.joined) return notFoundPage(c);
  return await shell(c, {
    me,
    title: channel.title ?? "Channel",
    section: "channels",
    children: <ChannelPreview channel={channel} />,
  });
}

/** Groups (not a project's) and channels have the details panel beside the chat. */
function hasPanel(conversation: Pick<Conversation, "kind" | "projectId">): boolean {
  return conversation.kind === "channel" ||
    (conversation.kind === "group" && !conversation.projectId);
}

/** The panel's webhooks (the caller checked that `me` takes part). */
async function readIntegrations(
  c: AppCtx,
  conversationId: string,
  me: User,
): Promise<PanelIntegrations> {
  const { kv } = c.get("ctx");
  const [incoming, outgoing] = await Promise.all([
    listIncomingWebhooks(kv, conversationId, { userId: me.id, base: hookBase(c) }),
    listOutgoingWebhooks(kv, conversationId),
  ]);
  return { incoming, outgoing };
}

/**
 * A group's or channel's page has its details beside the chat (below it on a narrow screen):
 * topic, members, add, remove, leave and settings (hidden while a thread is open beside the
 * chat: ChatRoom toggles `data-thread-open`). A direct conversation (and a project's:
 * its page is the project's) is the chat alone.
 */
function withPanel(
  room: ComponentChildren,
  conversation: Conversation,
  me: User,
  options: { threadOpen?: boolean; integrations?: PanelIntegrations } = {},
) {
  const { threadOpen = false, integrations } = options;
  if (!hasPanel(conversation)) return room;
  return (
    <div class="flex min-w-0 flex-1 flex-col overflow-y-auto lg:flex-row lg:overflow-hidden">
      <div class="flex min-h-[70vh] min-w-0 flex-1 lg:min-h-0">{room}</div>
      <div
        class="contents data-[thread-open]:hidden"
        data-channel-panel
        data-thread-open={threadOpen ? "" : undefined}
      >
        <ChannelPanel conversation={conversation} me={me} integrations={integrations} />
      </div>
    </div>
  );
}

export const chatPageRoutes = new Hono<Env>()
  .get(
    "/",
    framePage(
      "Conversations",
      (me) => (
        <div class="flex flex-1 flex-col items-center justify-center gap-2 bg-white dark:bg-slate-900 text-center">
          <h1 class="text-xl font-semibold">Welcome, {me.displayName}</h1>
          <p class="max-w-sm text-sm text-slate-600 dark:text-slate-400">
            Pick a conversation on the left, or start a new one with anyone on your team.
          </p>
          <a
            href="/channels"
            class="mt-2 rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500"
          >
            Browse channels
          </a>
        </div>
      ),
      true,
    ),
  )
  .get("/conversations/:id", signedIn(conversationPage))
  .get(
    "/new",
    framePage(
      "New conversation",
      () => (
        <div class="flex flex-1 items-start justify-center bg-white dark:bg-slate-900 p-8">
          <form method="post" action="/api/conversations" class="w-full max-w-md space-y-4">
            <h1 class="text-xl font-semibold">New conversation</h1>
            <div>
              <label
                for="usernames"
                class="block text-sm font-medium text-slate-700 dark:text-slate-300"
              >
                Usernames
              </label>
              <input
                id="usernames"
                name="usernames"
                required
                placeholder="alice, bob"
                class="mt-1 block w-full rounded-lg border border-slate-300 dark:border-slate-600 px-3 py-2 text-sm"
              />
              <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">
                One person starts a direct conversation; several, a group.
              </p>
            </div>
            <div>
              <label
                for="title"
                class="block text-sm font-medium text-slate-700 dark:text-slate-300"
              >
                Group name (optional)
              </label>
              <input
                id="title"
                name="title"
                maxLength={100}
                class="mt-1 block w-full rounded-lg border border-slate-300 dark:border-slate-600 px-3 py-2 text-sm"
              />
            </div>
            <button
              type="submit"
              class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white"
            >
              Start conversation
            </button>
          </form>
        </div>
      ),
    ),
  );
