import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { Conversation } from "../lib/conversations/mod.ts";
import type { Message } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import { mentions } from "../lib/shared/mentions.ts";
import { plainText } from "../lib/shared/plain_text.ts";
import {
  defaultPref,
  DND_EVENT,
  type DndChange,
  NOTIFY_PREF_EVENT,
  type NotifyPref,
  onNotify,
  type PrefChange,
  wantsNotice,
} from "../lib/shared/notify_prefs.ts";
import { chatSocket } from "./parts/chat_socket.ts";
import { conversationName } from "../components/people.tsx";
import { NotificationOffer } from "./list/NotificationOffer.tsx";
import type { PersonState } from "./list/marks.tsx";
import { ListSections } from "./list/ListSections.tsx";
import type { ListedConversation } from "./list/ConversationRow.tsx";

// The page's props are packed (islands/list/list_props.ts); boot.ts unpacks them.
export { unpackConversationListProps as unpackProps } from "./list/list_props.ts";

export type ConversationListProps = {
  me: User;
  conversations: Conversation[];
  /** Where the next page of the list starts (GET /api/conversations?cursor=), or null. */
  nextCursor: string | null;
  currentId: string | null;
  /** The page is the channel directory: its sidebar link is marked as the current page. */
  browsing?: boolean;
  /** Your do-not-disturb end (ISO), or null: no in-tab notification until then. */
  dndUntil?: string | null;
};

/** The API's largest page: a refetch asks for as many as are shown, up to this. */
/** A page of the list, as the sidebar asks for it (the server's own page size). */
const PAGE = 50;
const MAX_PAGE = 200;

/**
 * ISO timestamps, newest first. Compared as plain strings (their order is the times'), not
 * with localeCompare: a tab's first collator loads ICU's data on the main thread.
 */
const newestFirst = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);

/**
 * A fetched list merged with what live frames changed while it was in flight: a frame that
 * arrived after the server read the list is newer than it (a later last message, or a read
 * that lowered the counts), so it must not be undone by the answer.
 */
function fresher(fetched: Conversation[], live: Conversation[]): Conversation[] {
  const now = new Map(live.map((c) => [c.id, c]));
  return fetched.map((c) => {
    const l = now.get(c.id);
    if (!l) return c;
    const seq = c.lastMessage?.seq ?? 0;
    const liveSeq = l.lastMessage?.seq ?? 0;
    if (liveSeq > seq) return l;
    if (liveSeq < seq) return c;
    return {
      ...c,
      unreadCount: Math.min(c.unreadCount, l.unreadCount),
      mentionCount: Math.min(c.mentionCount, l.mentionCount),
    };
  }).sort((a, b) => newestFirst(a.updatedAt, b.updatedAt));
}

/** Your notification setting in a conversation, as the list holds it (else the default). */
const prefOf = (c: Conversation): NotifyPref =>
  (c as ListedConversation).notifications ?? defaultPref(c.kind);

/**
 * A browser notification for a message that should notify you (your level there, a mention,
 * not muted, no do-not-disturb: lib/shared/notify_prefs.ts, the rule pushes follow too), when
 * the tab is hidden and you allowed them; clicking it opens the conversation.
 */
function notify(m: Message, where: string, mentioned: boolean, direct: boolean) {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  if (document.visibilityState !== "hidden") return;
  // What the reader would see, not its Markdown (`**bold**` is "bold"), like the preview.
  const plain = plainText(m.content, m.formatted);
  const text = plain.length > 140 ? `${plain.slice(0, 139)}…` : plain;
  // An integration's message is told under the name it posted as.
  const who = m.senderName || m.author.displayName;
  const title = mentioned
    ? `${who} mentioned you in ${where}`
    : direct
    ? `New message from ${who}`
    : `${who} in ${where}`;
  // The push for the same message (if this browser takes pushes) comes a few seconds later with
  // this tag and replaces this notice instead of showing a second one.
  const n = new Notification(title, {
    body: text,
    tag: `conv-${m.conversationId}`,
  });
  n.onclick = () => {
    globalThis.focus();
    location.href = `/conversations/${m.conversationId}#m${m.seq}`;
  };
}

/**
 * The sidebar list, kept live: an `activity` frame moves a conversation to the top with its
 * new last message and unread count; one it does not know yet makes it reload the list.
 */
export default function ConversationList(props: ConversationListProps) {
  const list = useSignal(props.conversations);
  const cursor = useSignal(props.nextCursor);
  const loadingMore = useSignal(false);
  const more = useRef<HTMLLIElement>(null);
  /** Who of the people in direct conversations is online or away (anywhere), by id. */
  const people = useSignal<Record<string, PersonState>>({});
  /** The people asked about, as last sent (sorted ids joined): asked again when it changes. */
  const watched = useRef("");
  /** Your do-not-disturb end (epoch ms), or null: the account menu's island tells of changes. */
  const dnd = useRef(props.dndUntil ? Date.parse(props.dndUntil) : null);

  /** The other person of each direct conversation shown: whose dots the list draws. */
  const partners = () =>
    [
      ...new Set(
        list.peek().flatMap((c) =>
          c.kind === "direct"
            ? c.participants.filter((p) => p.id !== props.me.id).map((p) => p.id)
            : []
        ),
      ),
    ].sort().slice(0, 200);
  /** Asks the server for their states (again after a reconnect: `force`). */
  function watchPeople(force = false) {
    const ids = partners();
    const key = ids.join(",");
    if (!force && key === watched.current) return;
    if (chatSocket().send({ type: "watch_people", userIds: ids, scope: "list" })) {
      watched.current = key;
    }
  }
  useEffect(() => watchPeople(), [list.value]);

  /** The next page, appended (one that moved up meanwhile is already shown: kept once). */
  async function loadMore() {
    if (loadingMore.peek() || !cursor.peek()) return;
    loadingMore.value = true;
    try {
      const res = await fetch(
        `/api/conversations?limit=${PAGE}&cursor=${encodeURIComponent(cursor.peek()!)}`,
      );
      if (!res.ok) return;
      const page = await res.json();
      const shown = new Set(list.peek().map((c) => c.id));
      list.value = [
        ...list.peek(),
        ...(page.conversations as Conversation[]).filter((c) => !shown.has(c.id)),
      ];
      cursor.value = page.nextCursor;
    } finally {
      loadingMore.value = false;
    }
  }

  // The next page comes when the end of the list scrolls into view.
  useEffect(() => {
    const end = more.current;
    if (!end || typeof IntersectionObserver === "undefined") return;
    const seen = new IntersectionObserver((e) => e.some((x) => x.isIntersecting) && loadMore());
    seen.observe(end);
    return () => seen.disconnect();
  }, [cursor.value !== null]);

  useEffect(() => {
    let refetching = false;
    /** A refetch was asked for while one ran: it runs again (it may have read too early). */
    let again = false;
    /** Conversations heard of but not shown yet: the list grows by them, nothing drops off. */
    let unseen = 0;
    async function refetch() {
      if (refetching) return void (again = true);
      refetching = true;
      try {
        do {
          again = false;
          const extra = unseen;
          unseen = 0;
          // As many as are shown (the pages loaded by scrolling stay) and the new ones.
          const limit = Math.min(MAX_PAGE, Math.max(list.peek().length + extra, 1));
          const res = await fetch(`/api/conversations?limit=${limit}`);
          if (res.ok) {
            const page = await res.json();
            list.value = fresher(page.conversations, list.peek());
            cursor.value = page.nextCursor;
          }
        } while (again);
      } finally {
        refetching = false;
      }
    }
    const socket = chatSocket();
    socket.watchList();
    const off = socket.on((frame) => {
      if (frame.type === "people") {
        const next = { ...people.peek() };
        for (const p of frame.people) next[p.id] = p.state;
        people.value = next;
        return;
      }
      // Taken out of it (or left it, in any tab): it goes from the list at once.
      if (frame.type === "conversation_removed") {
        list.value = list.peek().filter((c) => c.id !== frame.conversationId);
        return;
      }
      // Your draft changed (typed, sent or cleared in any tab or device): the row says so.
      if (frame.type === "draft") {
        if (frame.parentSeq !== null) return;
        const draft = frame.content.trim() ? frame.content : null;
        list.value = list.peek().map((c: ListedConversation) =>
          c.id === frame.conversationId && (c.draft ?? null) !== draft ? { ...c, draft } : c
        );
        return;
      }
      if (frame.type === "read") {
        // Read here or in another tab or device: the count follows. Read up to the last
        // message, nothing is left; a partial read is counted again by the server (the seqs
        // between may be replies kept in their threads, or mentions: no difference tells).
        const found = list.peek().find((c) => c.id === frame.conversationId);
        if (!found) return;
        if (frame.seq < (found.lastMessage?.seq ?? 0)) return void refetch();
        list.value = list.peek().map((c) =>
          c === found ? { ...c, unreadCount: 0, mentionCount: 0 } : c
        );
        return;
      }
      // `activity` for conversations this page has not joined, `message` for the one it has;
      // `message_updated` (the joined one) and an `activity` of the same seq: an edit or
      // delete of the last message, shown in its preview (the counts stay).
      if (
        frame.type !== "activity" && frame.type !== "message" && frame.type !== "message_updated"
      ) return;
      const m = frame.message;
      const current = list.peek();
      const found = current.find((c) => c.id === m.conversationId);
      // Archived: it leaves the sidebar (still in /channels and search); unarchived, it is
      // unknown here again and comes back with the list read again.
      if (m.kind === "system" && m.system?.event === "archived") {
        if (found) list.value = current.filter((c) => c !== found);
        return;
      }
      if (!found) {
        if (frame.type === "message_updated") return;
        unseen++;
        return void refetch();
      }
      if (found.lastMessage?.seq === m.seq) {
        list.value = current.map((c) => c === found ? { ...c, lastMessage: m } : c);
        return;
      }
      if (frame.type === "message_updated") return;
      if (found.lastMessage && found.lastMessage.seq > m.seq) return;
      // The open conversation, while you look at it, is read as it arrives.
      const seen = m.conversationId === props.currentId && document.visibilityState === "visible";
      const mine = m.author.id === props.me.id || seen;
      const mentioned = m.author.id !== props.me.id && mentions(m.content, props.me.username);
      // A reply kept in its thread counts in "your threads", not here (as the server counts):
      // it moves the row up and may notify (a mention in it does), the counts stay.
      const counted = m.parentSeq == null || m.alsoToConversation === true;
      const updated = {
        ...found,
        lastMessage: m,
        updatedAt: m.createdAt,
        unreadCount: mine ? 0 : found.unreadCount + (counted ? 1 : 0),
        mentionCount: mine ? 0 : found.mentionCount + (counted && mentioned ? 1 : 0),
      };
      const notice = !mine && m.kind !== "system" &&
        wantsNotice(prefOf(found), mentioned, dnd.current, Date.now());
      if (notice) {
        notify(m, conversationName(found, props.me.id), mentioned, found.kind === "direct");
      }
      list.value = [updated, ...current.filter((c) => c.id !== found.id)];
    });
    const offState = socket.onState((s) => {
      if (s !== "open") return;
      refetch();
      watchPeople(true);
    });
    // Back to a hidden tab: counts are read again (a missed frame never leaves them wrong).
    const onVisible = () => document.visibilityState === "visible" && refetch();
    document.addEventListener("visibilitychange", onVisible);
    // A setting changed on this page or in another tab (the header's bell, a row's mute
    // button, the do-not-disturb menu).
    const offPref = onNotify<PrefChange>(NOTIFY_PREF_EVENT, ({ conversationId, notifications }) => {
      list.value = list.peek().map((c) => c.id === conversationId ? { ...c, notifications } : c);
    });
    const offDnd = onNotify<DndChange>(DND_EVENT, ({ until }) => {
      dnd.current = until ? Date.parse(until) : null;
    });
    return () => {
      off();
      offState();
      document.removeEventListener("visibilitychange", onVisible);
      offPref();
      offDnd();
    };
  }, []);

  // The tab's title carries the unread total: "(3) Launch · Hearth" (muted ones left out).
  useEffect(() => {
    const total = list.value.reduce(
      (n, c) => n + (c.id === props.currentId || prefOf(c).muted ? 0 : c.unreadCount),
      0,
    );
    const base = document.title.replace(/^\(\d+\+?\) /, "");
    document.title = total > 0 ? `(${total > 99 ? "99+" : total}) ${base}` : base;
  }, [list.value]);

  return (
    <>
      <NotificationOffer />
      <ListSections
        conversations={list.value}
        me={props.me}
        currentId={props.currentId}
        people={people.value}
        browsing={props.browsing ?? false}
        more={cursor.value
          ? (
            <li ref={more}>
              <button
                type="button"
                onClick={loadMore}
                disabled={loadingMore.value}
                class="w-full rounded-lg px-2 py-2 text-left text-xs text-slate-400 hover:bg-slate-800 hover:text-white"
              >
                {loadingMore.value ? "Loading…" : "Show older conversations"}
              </button>
            </li>
          )
          : null}
      />
    </>
  );
}
