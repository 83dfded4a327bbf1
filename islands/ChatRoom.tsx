import { batch, useComputed, useSignal, useSignalEffect } from "@preact/signals";
import type { JSX } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef } from "preact/hooks";
import type { Conversation } from "../lib/conversations/conversations.ts";
import type { FileMeta } from "../lib/files/files.ts";
import type { Message } from "../lib/messages/messages.ts";
import type { User } from "../lib/accounts/users.ts";
import { chatSocket, type SocketState } from "./parts/chat_socket.ts";
import { MessageList, type Pending } from "../components/MessageList.tsx";
import { messageActions, replaceLoaded } from "./parts/message_actions.ts";
import { Icon } from "../components/Icon.tsx";
import { conversationName } from "../components/people.tsx";
import { sendFile, type Upload, UploadRow } from "./parts/uploads.tsx";
import {
  formatSize,
  MAX_ATTACHMENTS,
  MAX_MESSAGE_CHARS,
  MESSAGE_TOO_LONG,
} from "../lib/shared/limits.ts";

// The page carries this island's props packed (routes/chat.tsx): boot.ts unpacks them.
export { unpackChatRoomProps as unpackProps } from "./parts/chat_props.ts";

export type ChatRoomProps = {
  me: User;
  conversation: Conversation;
  messages: Message[];
  nextCursor: string | null;
  /** The first seq that was unread when the page was made: a "New messages" line goes there. */
  unreadFrom?: number | null;
  /** The server's upload limit (files over it are refused before they are sent). */
  maxUploadBytes?: number;
  /**
   * What the address opened on one message (`?edit=`, `?react=`, `?delete=`): how the page's
   * message actions work without JavaScript, as forms that come back here.
   */
  opened?: { edit?: number; react?: number; delete?: number };
  /** A message to show and highlight instead of the newest (a search result: `?around=`). */
  focusSeq?: number | null;
};

/** `#m12` → 12: a link to one message (search results, notifications, forms coming back). */
function seqFromHash(): number | null {
  if (typeof location === "undefined") return null;
  const match = /^#m(\d{1,15})$/.exec(location.hash);
  return match ? Number(match[1]) : null;
}

/** A file picked for the next message: uploading (progress), failed, or stored (`file`). */
type Staged = Upload & { file: FileMeta | null };

/** Merges by seq: no duplicates, always in order, whatever order frames arrive in. */
function merge(current: Message[], incoming: Message[]): Message[] {
  if (incoming.length === 0) return current;
  const bySeq = new Map(current.map((m) => [m.seq, m]));
  for (const m of incoming) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * The live conversation: history rendered on the server, then joined over the page's socket.
 * Sends optimistically (pending until acked), resends unacked messages after a reconnect,
 * and shows who is online and who is typing.
 */
export default function ChatRoom(props: ChatRoomProps) {
  const convId = props.conversation.id;
  const messages = useSignal(props.messages);
  const pending = useSignal<Pending[]>([]);
  const online = useSignal<User[]>([]);
  /** Ids of those online whose tabs are hidden or idle. */
  const away = useSignal<string[]>([]);
  const typing = useSignal<Record<string, { user: User; until: number }>>({});
  const state = useSignal<SocketState>("connecting");
  /**
   * Subscribed: the socket's `recent_messages` for this conversation arrived and is rendered
   * (the root's `data-joined`); false again while the socket is down.
   */
  const joined = useSignal(false);
  const olderCursor = useSignal(props.nextCursor);
  const draft = useSignal("");
  /** The `@` being typed at the caret, and the people it may mean. */
  const suggest = useSignal<{ start: number; end: number; items: User[]; index: number } | null>(
    null,
  );
  const error = useSignal<string | null>(null);
  /** Files picked, pasted or dropped for the next message. */
  const staged = useSignal<Staged[]>([]);
  const dragging = useSignal(false);
  /** The attach button works only with JavaScript: it shows once the island runs. */
  const hydrated = useSignal(false);
  const filePicker = useRef<HTMLInputElement>(null);
  /** The seq of your message being edited in place. */
  const editing = useSignal<number | null>(props.opened?.edit ?? null);
  const scroller = useRef<HTMLDivElement>(null);
  /** The message the page opened on (server: `around`; browser: that or the address's `#m`). */
  const target = useRef(props.focusSeq ?? seqFromHash());
  /** Highlighted: the opened message (the server knows `around` only; the hash comes after). */
  const highlight = useSignal<number | null>(props.focusSeq ?? null);
  const stick = useRef(target.current === null);
  /** The top of the history: reaching it loads the page before. */
  const topSentinel = useRef<HTMLDivElement>(null);
  const loadingOlder = useRef(false);
  /** Scrolled away from the newest message, and how many came since. */
  const awayFromEnd = useSignal(false);
  const newBelow = useSignal(0);
  /** Read out by screen readers: the latest message from someone else. */
  const announcement = useSignal("");
  const lastTypingSent = useRef(0);
  const readTimer = useRef<ReturnType<typeof setTimeout>>();
  const lastSeq = () => messages.peek().at(-1)?.seq ?? 0;

  // A layout effect: it runs as hydration commits, not after the next paint (a whole frame of
  // style and layout later), so the join goes out as soon as the island is there.
  useLayoutEffect(() => {
    // Anything typed before hydration is only in the DOM: keep it (a re-render would clear it).
    const typed = (document.getElementById("composer") as HTMLTextAreaElement | null)?.value;
    if (typed) draft.value = typed;
    hydrated.value = true;
    const socket = chatSocket();
    const offFrames = socket.on((frame) => {
      switch (frame.type) {
        case "recent_messages":
          if (frame.conversationId === convId) {
            batch(() => {
              receive(frame.messages);
              joined.value = true;
            });
          }
          break;
        case "message":
          if (frame.message.conversationId === convId) {
            receive([frame.message]);
            if (frame.message.author.id !== props.me.id) {
              const m = frame.message;
              const text = m.content.length > 200 ? `${m.content.slice(0, 199)}…` : m.content;
              announcement.value = `${m.author.displayName}: ${text}`;
            }
          }
          break;
        case "message_updated":
          if (frame.message.conversationId === convId) applyUpdate(frame.message);
          break;
        case "ack":
          if (frame.message.conversationId === convId) receive([frame.message]);
          break;
        case "status":
          if (frame.conversationId === convId) {
            batch(() => {
              online.value = frame.online;
              away.value = frame.away ?? [];
            });
          }
          break;
        case "presence":
          if (frame.conversationId === convId) away.value = frame.away;
          break;
        case "typing":
          if (frame.conversationId === convId && frame.user.id !== props.me.id) {
            typing.value = {
              ...typing.value,
              [frame.user.id]: { user: frame.user, until: Date.now() + 4000 },
            };
          }
          break;
        case "error":
          if (frame.ref && pending.peek().some((p) => p.clientId === frame.ref)) {
            pending.value = pending.peek().map((p) =>
              p.clientId === frame.ref ? { ...p, failed: frame.message } : p
            );
          } else if (frame.ref === convId) error.value = frame.message;
          break;
      }
    });
    const offState = socket.onState((s) => {
      state.value = s;
      if (s !== "open") joined.value = false;
      if (s === "open") { for (const p of pending.peek()) if (!p.failed) sendFrame(p); }
    });
    socket.join(convId, lastSeq);
    // What arrived while the tab was hidden is read once you look again.
    const onVisible = () => document.visibilityState === "visible" && markRead();
    document.addEventListener("visibilitychange", onVisible);
    const sweep = setInterval(() => {
      const now = Date.now();
      const live = Object.entries(typing.peek()).filter(([, t]) => t.until > now);
      if (live.length !== Object.keys(typing.peek()).length) {
        typing.value = Object.fromEntries(live);
      }
    }, 1000);
    return () => {
      offFrames();
      offState();
      socket.leave(convId);
      joined.value = false;
      clearInterval(sweep);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [convId]);

  function receive(incoming: Message[]) {
    const el = scroller.current;
    stick.current = !el || el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    const known = messages.peek().at(-1)?.seq ?? 0;
    if (!stick.current) newBelow.value += incoming.filter((m) => m.seq > known).length;
    const acked = new Set(incoming.map((m) => m.clientId).filter(Boolean));
    batch(() => {
      messages.value = merge(messages.peek(), incoming);
      if (acked.size) pending.value = pending.peek().filter((p) => !acked.has(p.clientId));
      const authors = new Set(incoming.map((m) => m.author.id));
      if (authors.size) {
        typing.value = Object.fromEntries(
          Object.entries(typing.peek()).filter(([id]) => !authors.has(id)),
        );
      }
    });
    markRead();
  }

  /** An edit, delete or reaction: only a loaded message changes (older ones load as they are). */
  function applyUpdate(m: Message) {
    const next = replaceLoaded(messages.peek(), m);
    if (!next) return;
    batch(() => {
      messages.value = next;
      if (m.deletedAt && editing.peek() === m.seq) editing.value = null;
    });
  }

  // Made once per conversation (it holds signals only): the history's props stay the same.
  const actions = useMemo(() =>
    messageActions({
      conversationId: convId,
      messages,
      editing,
      error,
      apply: applyUpdate,
    }), [convId]);

  function markRead() {
    clearTimeout(readTimer.current);
    readTimer.current = setTimeout(() => {
      if (document.visibilityState !== "visible") return;
      fetch(`/api/conversations/${convId}/read`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seq: lastSeq() }),
      }).catch(() => {});
    }, 500);
  }

  // Infinite scroll upward: the sentinel above the history loads older pages as it shows.
  useEffect(() => {
    const root = scroller.current;
    const sentinel = topSentinel.current;
    if (!root || !sentinel || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void loadOlder();
    }, { root, rootMargin: "200px 0px 0px 0px" });
    // Start at the message the address names (scrolled to the middle and highlighted), else at
    // the newest; only then may reaching the top load more.
    const opened = target.current === null
      ? null
      : root.querySelector<HTMLElement>(`[data-seq="${target.current}"]`);
    if (opened) {
      stick.current = false;
      highlight.value = target.current;
      opened.scrollIntoView({ block: "center" });
    } else {
      stick.current = true;
      root.scrollTop = root.scrollHeight;
    }
    const frame = requestAnimationFrame(() => observer.observe(sentinel));
    const onScroll = () => {
      const away = root.scrollHeight - root.scrollTop - root.clientHeight > 80;
      if (away !== awayFromEnd.peek()) awayFromEnd.value = away;
      if (!away) newBelow.value = 0;
    };
    root.addEventListener("scroll", onScroll, { passive: true });
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      root.removeEventListener("scroll", onScroll);
    };
  }, [convId]);

  function jumpToLatest() {
    const el = scroller.current;
    if (!el) return;
    stick.current = true;
    newBelow.value = 0;
    el.scrollTo({ top: el.scrollHeight, behavior: "smooth" });
    document.getElementById("composer")?.focus();
  }

  useSignalEffect(() => {
    messages.value;
    pending.value;
    const el = scroller.current;
    if (el && stick.current) requestAnimationFrame(() => (el.scrollTop = el.scrollHeight));
  });

  function sendFrame(p: Pending) {
    chatSocket().send({
      type: "send_message",
      conversationId: convId,
      content: p.content,
      clientId: p.clientId,
      ...(p.attachments?.length ? { attachmentIds: p.attachments.map((a) => a.id) } : {}),
    });
  }

  function updateStaged(key: string, patch: Partial<Staged>) {
    staged.value = staged.peek().map((u) => (u.key === key ? { ...u, ...patch } : u));
  }

  /** Uploads picked, pasted or dropped files to the conversation's files, with progress. */
  function attach(files: Iterable<File>) {
    for (const file of files) {
      if (staged.peek().length >= MAX_ATTACHMENTS) {
        error.value = `Attach at most ${MAX_ATTACHMENTS} files to one message.`;
        return;
      }
      const key = crypto.randomUUID();
      const limit = props.maxUploadBytes ?? Infinity;
      const tooLarge = file.size > limit;
      staged.value = [...staged.peek(), {
        key,
        name: file.name || "pasted file",
        size: file.size,
        loaded: 0,
        error: tooLarge ? `Too large: the limit is ${formatSize(limit)}.` : null,
        file: null,
      }];
      if (tooLarge) continue;
      sendFile(
        `/api/conversations/${convId}/files`,
        file,
        (loaded) => updateStaged(key, { loaded }),
      )
        .then(
          (stored) => updateStaged(key, { file: stored, loaded: file.size }),
          (err: Error) => updateStaged(key, { error: err.message }),
        );
    }
  }

  function unstage(key: string) {
    staged.value = staged.peek().filter((u) => u.key !== key);
  }

  function onPaste(event: JSX.TargetedClipboardEvent<HTMLTextAreaElement>) {
    const files = event.clipboardData?.files;
    if (!files || files.length === 0) return;
    event.preventDefault();
    attach(files);
  }

  function onDrop(event: JSX.TargetedDragEvent<HTMLElement>) {
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    dragging.value = false;
    attach(event.dataTransfer.files);
  }

  function submit(event: JSX.TargetedEvent<HTMLFormElement>) {
    event.preventDefault();
    const content = draft.value.trim();
    const files = staged.peek();
    if (files.some((u) => !u.file && !u.error)) {
      error.value = "Wait for the files to finish uploading.";
      return;
    }
    const attachments = files.flatMap((u) =>
      u.file
        ? [{
          id: u.file.id,
          name: u.file.name,
          size: u.file.size,
          contentType: u.file.contentType,
        }]
        : []
    );
    if (!content && attachments.length === 0) return;
    if (content.length > MAX_MESSAGE_CHARS) {
      error.value = MESSAGE_TOO_LONG;
      return;
    }
    const p: Pending = {
      clientId: crypto.randomUUID(),
      content,
      createdAt: new Date().toISOString(),
      failed: null,
      attachments,
    };
    batch(() => {
      pending.value = [...pending.peek(), p];
      draft.value = "";
      staged.value = [];
      error.value = null;
    });
    stick.current = true;
    sendFrame(p);
  }

  function retry(clientId: string) {
    pending.value = pending.peek().map((p) => p.clientId === clientId ? { ...p, failed: null } : p);
    const p = pending.peek().find((x) => x.clientId === clientId);
    if (p) sendFrame(p);
  }

  /** Finds an `@name` being typed at the caret and lists the participants it may mean. */
  function updateSuggestions(el: HTMLTextAreaElement) {
    const caret = el.selectionStart ?? el.value.length;
    const match = /(^|[^\w@])@([\w.-]{0,32})$/.exec(el.value.slice(0, caret));
    if (!match) return void (suggest.value = null);
    const query = match[2].toLowerCase();
    const items = props.conversation.participants
      .filter((u) => u.id !== props.me.id)
      .filter((u) =>
        u.username.startsWith(query) ||
        u.displayName.toLowerCase().split(/\s+/).some((w) => w.startsWith(query))
      )
      .slice(0, 6);
    suggest.value = items.length
      ? { start: caret - query.length - 1, end: caret, items, index: 0 }
      : null;
  }

  /** Puts `@username ` in place of what was typed, caret after it. */
  function pick(user: User) {
    const s = suggest.peek();
    const el = document.getElementById("composer") as HTMLTextAreaElement | null;
    if (!s || !el) return;
    const text = `${draft.peek().slice(0, s.start)}@${user.username} ${draft.peek().slice(s.end)}`;
    const caret = s.start + user.username.length + 2;
    batch(() => {
      draft.value = text;
      suggest.value = null;
    });
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(caret, caret);
    });
  }

  function onKeyDown(event: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) {
    const s = suggest.peek();
    if (s) {
      const n = s.items.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : n - 1;
        suggest.value = { ...s, index: (s.index + step) % n };
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.isComposing) {
        event.preventDefault();
        return pick(s.items[s.index]);
      }
      if (event.key === "Escape") {
        event.preventDefault();
        suggest.value = null;
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      event.currentTarget.form?.requestSubmit();
    } else if (event.key === "ArrowUp" && event.currentTarget.value === "") {
      // As in most chat apps: Up in an empty composer edits your last message.
      const last = messages.peek().findLast((m) => m.author.id === props.me.id && !m.deletedAt);
      if (last) {
        event.preventDefault();
        actions.startEdit(last.seq);
      }
    } else if (event.key === "Escape" && editing.peek() !== null) {
      event.preventDefault();
      actions.cancelEdit();
    }
  }

  function onInput(event: JSX.TargetedEvent<HTMLTextAreaElement>) {
    draft.value = event.currentTarget.value;
    updateSuggestions(event.currentTarget);
    const now = Date.now();
    if (draft.value && now - lastTypingSent.current > 2500) {
      lastTypingSent.current = now;
      chatSocket().send({ type: "typing", conversationId: convId });
    }
  }

  async function loadOlder() {
    if (!olderCursor.value || loadingOlder.current) return;
    loadingOlder.current = true;
    try {
      await loadOlderPage();
    } finally {
      loadingOlder.current = false;
    }
  }

  async function loadOlderPage() {
    const el = scroller.current;
    const before = el ? el.scrollHeight - el.scrollTop : 0;
    const res = await fetch(
      `/api/conversations/${convId}/messages?before=${olderCursor.value}&limit=50`,
    );
    if (!res.ok) return;
    const page: { messages: Message[]; nextCursor: string | null } = await res.json();
    stick.current = false;
    batch(() => {
      messages.value = merge(messages.peek(), page.messages);
      olderCursor.value = page.nextCursor;
    });
    requestAnimationFrame(() => el && (el.scrollTop = el.scrollHeight - before));
  }

  const typingText = useComputed(() => {
    const names = Object.values(typing.value).map((t) => t.user.displayName);
    if (names.length === 0) return "";
    if (names.length === 1) return `${names[0]} is typing…`;
    if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
    return "Several people are typing…";
  });

  // The history renders again only when what it shows changes, not with the header (the
  // socket's state, joined, who is online or typing): its 50 rows were most of every such
  // render, and the room renders again as it goes live (the socket opens, it joins). Preact
  // does not diff the same element again.
  const history = useMemo(() => (
    <MessageList
      conversationId={convId}
      messages={messages.value}
      pending={pending.value}
      me={props.me}
      people={props.conversation.participants}
      unreadFrom={props.unreadFrom ?? null}
      onRetry={retry}
      editingSeq={editing.value}
      actions={actions}
      opened={props.opened}
      highlightSeq={highlight.value}
    />
  ), [
    messages.value,
    pending.value,
    editing.value,
    highlight.value,
    convId,
    props.me,
    props.conversation.participants,
    props.unreadFrom,
    props.opened,
  ]);

  const title = conversationName(props.conversation, props.me.id);
  const others = props.conversation.participants.filter((p) => p.id !== props.me.id);
  const onlineOthers = online.value.filter((u) => u.id !== props.me.id);

  return (
    <section
      class="flex h-full min-w-0 flex-1 flex-col bg-white dark:bg-slate-900"
      aria-label={`Conversation: ${title}`}
      data-joined={joined.value ? "true" : undefined}
    >
      <header class="flex items-center gap-3 border-b border-slate-200 dark:border-slate-700 px-5 py-3">
        <a
          href="/"
          class="md:hidden text-slate-500 dark:text-slate-400 hover:text-slate-900"
          aria-label="Back to conversations"
        >
          ←
        </a>
        <div class="min-w-0 flex-1">
          <h1 class="truncate text-base font-semibold">{title}</h1>
          <p class="truncate text-xs text-slate-500 dark:text-slate-400" data-testid="presence">
            {onlineOthers.length
              ? `Online: ${
                onlineOthers.map((u) =>
                  away.value.includes(u.id) ? `${u.displayName} (away)` : u.displayName
                ).join(", ")
              }`
              : others.length === 0
              ? "Only you so far"
              : `${others.length + 1} people · nobody else online`}
          </p>
        </div>
        <span
          class={`rounded-full px-2 py-0.5 text-xs font-medium ${
            state.value === "open"
              ? "bg-emerald-50 dark:bg-emerald-950 text-emerald-700 dark:text-emerald-300"
              : state.value === "connecting"
              ? "bg-amber-50 dark:bg-amber-950 text-amber-700 dark:text-amber-300"
              : "bg-red-50 dark:bg-red-950 text-red-700 dark:text-red-300"
          }`}
          role="status"
        >
          {state.value === "open"
            ? "Live"
            : state.value === "connecting"
            ? "Connecting…"
            : "Offline, retrying…"}
        </span>
      </header>
      <div class="relative flex min-h-0 flex-1 flex-col">
        <div ref={scroller} class="flex-1 overflow-y-auto px-5 py-4" data-testid="messages">
          <div ref={topSentinel} aria-hidden="true" />
          {olderCursor.value && (
            <div class="mb-4 text-center">
              <a
                href={`/conversations/${convId}?before=${olderCursor.value}`}
                onClick={(e) => {
                  e.preventDefault();
                  loadOlder();
                }}
                class="text-sm font-medium text-indigo-600 dark:text-indigo-400 hover:text-indigo-500"
              >
                Load older messages
              </a>
            </div>
          )}
          {history}
        </div>
        {awayFromEnd.value && (
          <button
            type="button"
            onClick={jumpToLatest}
            class="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full bg-indigo-600 px-4 py-1.5 text-sm font-semibold text-white shadow-lg hover:bg-indigo-500"
          >
            {newBelow.value > 0
              ? `${newBelow.value} new ${newBelow.value === 1 ? "message" : "messages"} ↓`
              : "Jump to latest ↓"}
          </button>
        )}
      </div>
      <div class="sr-only" role="log" aria-live="polite" aria-label="New messages">
        {announcement.value}
      </div>
      <div class="h-5 px-5 text-xs italic text-slate-500 dark:text-slate-400" aria-live="polite">
        {typingText.value}
      </div>
      <form
        method="post"
        action={`/api/conversations/${convId}/messages`}
        onSubmit={submit}
        onDragOver={(e) => {
          if (!e.dataTransfer?.types.includes("Files")) return;
          e.preventDefault();
          dragging.value = true;
        }}
        onDragLeave={() => (dragging.value = false)}
        onDrop={onDrop}
        class={`border-t px-5 py-3 ${
          dragging.value
            ? "border-indigo-400 bg-indigo-50 dark:bg-indigo-950"
            : "border-slate-200 dark:border-slate-700"
        }`}
      >
        {staged.value.length > 0 && (
          <ul class="mb-2 grid gap-2 sm:grid-cols-2" aria-label="Files to send">
            {staged.value.map((u) => (
              <UploadRow
                key={u.key}
                u={u}
                onDismiss={() => unstage(u.key)}
                dismissLabel={u.file ? "Remove" : undefined}
              />
            ))}
          </ul>
        )}
        {error.value && (
          <p role="alert" class="mb-2 text-sm text-red-600 dark:text-red-400">{error.value}</p>
        )}
        {suggest.value && (
          <ul
            id="mention-options"
            role="listbox"
            aria-label="People to mention"
            class="mb-2 max-w-xs overflow-hidden rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 py-1 shadow-lg"
          >
            {suggest.value.items.map((u, i) => (
              <li
                key={u.id}
                id={`mention-${u.id}`}
                role="option"
                aria-selected={i === suggest.value!.index}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(u);
                }}
                class={`flex cursor-pointer items-baseline gap-2 px-3 py-1.5 text-sm ${
                  i === suggest.value!.index
                    ? "bg-indigo-50 dark:bg-indigo-950 text-indigo-900 dark:text-indigo-100"
                    : "text-slate-700 dark:text-slate-300"
                }`}
              >
                <span class="font-medium">{u.displayName}</span>
                <span class="text-xs text-slate-500 dark:text-slate-400">@{u.username}</span>
              </li>
            ))}
          </ul>
        )}
        <div class="flex items-end gap-2">
          <input
            ref={filePicker}
            type="file"
            multiple
            class="hidden"
            tabIndex={-1}
            aria-hidden="true"
            onChange={(e) => {
              attach(e.currentTarget.files ?? []);
              e.currentTarget.value = "";
            }}
          />
          <button
            type="button"
            hidden={!hydrated.value}
            onClick={() => filePicker.current?.click()}
            aria-label="Attach files"
            title="Attach files (or paste or drop them here)"
            class="h-[42px] rounded-xl border border-slate-300 dark:border-slate-600 px-2.5 text-slate-600 dark:text-slate-300 shadow-sm hover:bg-slate-50 dark:hover:bg-slate-800"
          >
            <Icon
              class="h-5 w-5"
              d="m21 11-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7"
            />
          </button>
          <label for="composer" class="sr-only">Message</label>
          <textarea
            id="composer"
            name="content"
            rows={1}
            required={staged.value.length === 0}
            maxLength={MAX_MESSAGE_CHARS}
            placeholder={`Message ${title}`}
            value={draft.value}
            onInput={onInput}
            onKeyDown={onKeyDown}
            onPaste={onPaste}
            onBlur={() => (suggest.value = null)}
            aria-autocomplete="list"
            aria-controls={suggest.value ? "mention-options" : undefined}
            aria-activedescendant={suggest.value
              ? `mention-${suggest.value.items[suggest.value.index].id}`
              : undefined}
            class="max-h-40 min-h-[42px] flex-1 resize-none rounded-xl border border-slate-300 dark:border-slate-600 px-3 py-2 text-sm shadow-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200"
          />
          <button
            type="submit"
            class="rounded-xl bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-50"
          >
            Send
          </button>
        </div>
      </form>
    </section>
  );
}
