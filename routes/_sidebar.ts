/**
 * The sidebar of the signed-in pages (routes/chat.tsx shell): its rows, your notification
 * settings in them, do-not-disturb and the Threads mark.
 */
import type { User } from "../lib/accounts/mod.ts";
import type { ConversationKind } from "../lib/conversations/mod.ts";
import { AppError } from "../lib/errors.ts";
import {
  type ConversationView,
  getConversationForUser,
  listConversationsForUser,
  unreadThreadCount,
} from "../lib/messages/mod.ts";
import { readSidebarNotifications } from "../lib/notify/mod.ts";
import type { AppCtx } from "./_http.ts";

/**
 * The sidebar's first page: about what a tall window shows (rows are ~50 px high); the list
 * loads the next ones as "Show older conversations" scrolls into view. Each row costs its
 * reads (head, read mark, setting) and its markup and props on every page, so a person with
 * 500 conversations pays for these rows, not for 50 (bench/http.ts: the home page, 500 vs 5).
 */
export const SIDEBAR_ROWS = 20;

/** The sidebar's rows as listConversationsForUser reads them. */
export type ConversationListing = Awaited<ReturnType<typeof listConversationsForUser>>;

/** What the sidebar shows: its first rows with your settings, do-not-disturb, the Threads mark. */
export type Sidebar = {
  conversations: Awaited<ReturnType<typeof readSidebarNotifications<ConversationView>>>[
    "conversations"
  ];
  nextCursor: string | null;
  dndUntil: number | null;
  unreadThreads: number;
};

/** Reads the sidebar (`list`: its rows, when the page read them already). */
export async function readSidebar(
  c: AppCtx,
  me: User,
  list?: ConversationListing,
): Promise<Sidebar> {
  const { kv } = c.get("ctx");
  const [listed, unreadThreads] = await Promise.all([
    list ?? listConversationsForUser(kv, me.id, {
      limit: SIDEBAR_ROWS,
      username: me.username,
      alongside: sidebarNotes(kv, me.id),
    }),
    // The sidebar's Threads mark: one key read while its kept count holds.
    unreadThreadCount(kv, me.id),
  ]);
  // Issue 18: your notification setting in each listed conversation, and do-not-disturb.
  // Read beside the rows unless the page gave rows it read already.
  const notes = (listed.alongside as Notes | undefined) ??
    await readSidebarNotifications(kv, me.id, listed.values);
  return {
    conversations: withNotes(listed.values, notes),
    nextCursor: listed.cursor,
    dndUntil: notes.dndUntil,
    unreadThreads,
  };
}

type Notes = Awaited<
  ReturnType<typeof readSidebarNotifications<{ id: string; kind: ConversationKind }>>
>;

/**
 * Your notification setting in each of the rows and do-not-disturb (issue 18), for
 * listConversationsForUser's `alongside`: read beside the rows' views, not after them.
 */
export function sidebarNotes(kv: Deno.Kv, userId: string) {
  return (rows: { id: string; kind: ConversationKind }[]): Promise<Notes> =>
    readSidebarNotifications(kv, userId, rows);
}

/** `views` each with the setting `notes` holds for it (read for the same conversations). */
export function withNotes<T extends { id: string }>(
  views: T[],
  notes: Pick<Notes, "conversations">,
): (T & { notifications: Notes["conversations"][number]["notifications"] })[] {
  const byId = new Map(notes.conversations.map((n) => [n.id, n.notifications]));
  return views.map((v) => {
    const notifications = byId.get(v.id);
    if (!notifications) throw new Error(`no notification setting read for ${v.id}`);
    return { ...v, notifications };
  });
}

/**
 * The sidebar's rows as they are once the page marked its conversation read up to `upTo`
 * (null: it did not): the rows were read alongside, so the open one's counts are from before.
 * When nothing of its history is past `upTo` (its last message is not), it has nothing
 * unread now; otherwise (a message came meanwhile) its row is read again.
 */
export async function afterMark<T extends ConversationView>(
  c: AppCtx,
  me: User,
  rows: T[],
  id: string,
  upTo: number | null,
): Promise<T[]> {
  const i = rows.findIndex((r) => r.id === id);
  const row = rows[i];
  if (upTo === null || !row || (row.unreadCount === 0 && row.mentionCount === 0)) return rows;
  const fresh = (row.lastMessage?.seq ?? 0) <= upTo
    ? { unreadCount: 0, mentionCount: 0 }
    : await getConversationForUser(c.get("ctx").kv, id, me.id).catch((err) => {
      if (err instanceof AppError && err.status === 404) return null;
      throw err;
    });
  const out = [...rows];
  if (fresh) {
    out[i] = { ...row, unreadCount: fresh.unreadCount, mentionCount: fresh.mentionCount };
  }
  return out;
}
