import { useComputed, useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useMemo, useRef } from "preact/hooks";
import { MessageList } from "../components/MessageList.tsx";
import { conversationName } from "../components/people.tsx";
import { instead } from "../components/instead.ts";
import { messageActions } from "./chat/message_actions.ts";
import type { ChatRoomProps } from "./chat/chat_props.ts";
import { lastOwn, mergeBySeq, presenceText, typingText } from "./chat/room_model.ts";
import { useRoom } from "./chat/use_room.ts";
import { useScroll } from "./chat/use_scroll.ts";
import { RoomHeader, roomInfo } from "./chat/RoomHeader.tsx";
import { defaultPref, type NotifyPref } from "../lib/shared/notify_prefs.ts";
import { Composer } from "./chat/Composer.tsx";
import { draftOf } from "./chat/draft_sync.ts";
import { ReadOnlyNotice } from "./chat/ReadOnlyNotice.tsx";
import { LazyThreadPanel } from "./thread/lazy_panel.tsx";
import { isShownInRoom } from "./thread/room_threads.ts";
import { newClientId } from "../lib/shared/client_id.ts";

// The page carries this island's props packed (routes/chat.tsx): boot.ts unpacks them.
export { unpackChatRoomProps as unpackProps } from "./chat/chat_props.ts";
export type { ChatRoomProps } from "./chat/chat_props.ts";

/** `#m12` → 12: a link to one message (search results, notifications, forms coming back). */
function seqFromHash(): number | null {
  if (typeof location === "undefined") return null;
  const match = /^#m(\d{1,15})$/.exec(location.hash);
  return match ? Number(match[1]) : null;
}

/** `?thread=12` → 12: the thread open beside the conversation. */
function threadFromAddress(): number | null {
  const value = new URL(location.href).searchParams.get("thread");
  return value && /^\d{1,15}$/.test(value) ? Number(value) : null;
}

/** Messages a history page (`?before=`, `?around=`) holds at most (routes/chat.tsx). */
const PAGE = 50;

/**
 * Where the messages after `shown` (the last one on the page) are, when the conversation goes
 * on to `head`: the next page by `before=`, or the newest page once that is it; null at the
 * end. (Joined, the room fetches them itself and the link goes as they arrive.)
 */
function newerHref(convId: string, shown?: number, head?: number): string | null {
  if (shown === undefined || head === undefined || shown >= head) return null;
  const page = `/conversations/${convId}`;
  return shown + PAGE >= head ? page : `${page}?before=${shown + PAGE + 1}`;
}

/**
 * The live conversation: history rendered on the server, then joined over the page's socket.
 * What it shows is the room model's state (chat/room_model.ts, through chat/use_room.ts);
 * this puts the header, the history and the composer together.
 */
export default function ChatRoom(props: ChatRoomProps) {
  const convId = props.conversation.id;
  const me = props.me;
  /** Highlighted: the opened message (the server knows `around` only; the hash comes after). */
  const highlight = useSignal<number | null>(props.focusSeq ?? null);
  const olderCursor = useSignal(props.nextCursor);
  const loadingOlder = useRef(false);
  const hydrated = useSignal(false);
  useLayoutEffect(() => void (hydrated.value = true), []);
  /** The thread open beside the conversation (its parent's seq), as in the address. */
  const threadSeq = useSignal<number | null>(props.thread?.seq ?? null);
  const savedSeqs = useSignal<Set<number>>(new Set());
  useEffect(() => {
    const onPop = () => (threadSeq.value = threadFromAddress());
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  /** Opens a thread beside the conversation (`?thread=<seq>` in the address), ready to reply. */
  function openThread(seq: number) {
    if (threadSeq.peek() !== seq) {
      const url = new URL(location.href);
      url.searchParams.set("thread", String(seq));
      url.hash = "";
      globalThis.history.pushState(null, "", url);
      threadSeq.value = seq;
    }
    requestAnimationFrame(() => document.getElementById("thread-composer")?.focus());
  }

  function closeThread() {
    const seq = threadSeq.peek();
    const url = new URL(location.href);
    url.searchParams.delete("thread");
    globalThis.history.pushState(null, "", url);
    threadSeq.value = null;
    // Back where it was opened from.
    requestAnimationFrame(() => {
      const row = seq === null ? null : document.getElementById(`m${seq}`);
      const back = row?.querySelector<HTMLElement>("[data-thread-summary]") ??
        document.getElementById("composer");
      back?.focus();
    });
  }
  const live = useRoom({
    conversationId: convId,
    meId: me.id,
    participants: props.conversation.participants,
    messages: props.messages,
    editing: props.opened?.edit ?? null,
    beforeReceive: (newer) => scroll.beforeReceive(newer),
  });
  const { room } = live;
  const scroll = useScroll({
    conversationId: convId,
    target: props.focusSeq ?? seqFromHash(),
    highlight,
    loadOlder: () => void loadOlder(),
    watch: () => [room.value.messages, room.value.pending],
  });

  const setError = (error: string | null) => live.update((s) => ({ ...s, error }));
  // Made once per conversation: the history's props stay the same.
  const actions = useMemo(() =>
    messageActions({
      conversationId: convId,
      find: (seq) => room.peek().messages.find((m) => m.seq === seq),
      editing: () => room.peek().editing,
      setEditing: (editing) => live.update((s) => ({ ...s, editing })),
      setError,
      apply: live.apply,
      openThread,
      saved: savedSeqs,
    }), [convId]);
  // Which of these you saved: Save or Unsave on each (yours alone, so not on the page).
  useEffect(() => {
    fetch(`/api/saved/${convId}`).then((res) => res.ok ? res.json() : null).then((data) => {
      if (Array.isArray(data?.seqs)) savedSeqs.value = new Set(data.seqs as number[]);
    }).catch(() => {});
  }, [convId]);

  async function loadOlder() {
    if (!olderCursor.value || loadingOlder.current) return;
    loadingOlder.current = true;
    try {
      const res = await fetch(
        `/api/conversations/${convId}/messages?before=${olderCursor.value}&limit=50`,
      );
      if (!res.ok) return;
      const page: { messages: ChatRoomProps["messages"]; nextCursor: string | null } = await res
        .json();
      const restore = scroll.keepPlace();
      live.update((s) => ({ ...s, messages: mergeBySeq(s.messages, page.messages) }));
      olderCursor.value = page.nextCursor;
      restore();
    } finally {
      loadingOlder.current = false;
    }
  }

  const typing = useComputed(() => typingText(room.value));
  const state = room.value;
  // Removed: the rest of the page (a project's member actions and file area) stops offering
  // what only a member may do (lib/web/styles.ts hides [data-member-only] under it).
  useEffect(() => {
    if (state.removed) document.documentElement.dataset.removed = "true";
  }, [state.removed]);

  // The history renders again only when what it shows changes, not with the header (the
  // socket's state, joined, who is online or typing): its 50 rows were most of every such
  // render, and the room renders again as it goes live. Preact does not diff the same
  // element again.
  // Replies live in their threads (unless also sent to the conversation): the room keeps them
  // (seqs stay gapless) and shows its top-level messages.
  const shown = useMemo(() => state.messages.filter(isShownInRoom), [state.messages]);
  const history = useMemo(() => (
    <MessageList
      conversationId={convId}
      messages={shown}
      pending={state.pending}
      me={me}
      people={props.conversation.participants}
      unreadFrom={props.unreadFrom ?? null}
      onRetry={live.retry}
      editingSeq={state.editing}
      actions={actions}
      opened={props.opened}
      highlightSeq={highlight.value}
    />
  ), [
    shown,
    state.pending,
    state.editing,
    highlight.value,
    convId,
    me,
    props.conversation.participants,
    props.unreadFrom,
    props.opened,
  ]);

  // A group's or channel's name, topic and state, moved on by the system messages since.
  const info = useMemo(() => roomInfo(props.conversation, state.messages), [state.messages]);
  const kind = props.conversation.kind;
  const title = conversationName({ ...props.conversation, title: info.title }, me.id);
  // No composer once you are removed, or in an archived channel (issue 16).
  const readOnly = state.removed || info.archived
    ? <ReadOnlyNotice dropped={state.removed?.dropped ?? 0} archived={!state.removed} />
    : null;
  const newBelow = scroll.newBelow.value;
  const newer = props.atEnd
    ? null
    : newerHref(convId, state.messages.at(-1)?.seq, props.conversation.lastMessage?.seq);
  const openSeq = threadSeq.value;
  // An open thread takes the place of a channel's details beside it (routes/chat.tsx).
  useEffect(() => {
    document.querySelector("[data-channel-panel]")?.toggleAttribute(
      "data-thread-open",
      openSeq !== null,
    );
  }, [openSeq]);
  return (
    <>
      <section
        class="flex h-full min-w-0 flex-1 flex-col bg-white dark:bg-slate-900"
        aria-label={`Conversation: ${title}`}
        data-joined={state.joined ? "true" : undefined}
      >
        <RoomHeader
          title={title}
          // Nothing about the socket until the island runs: without JavaScript there is none.
          hydrated={hydrated.value}
          presence={state.removed
            ? "You are no longer a participant"
            : presenceText(state, props.conversation.participants, me.id)}
          socket={state.removed ? "read-only" : state.socket}
          actions={state.removed ? null : {
            id: convId,
            kind: props.conversation.kind,
            otherName: props.conversation.participants.find((p) => p.id !== me.id)?.displayName,
          }}
          pins={state.removed ? null : { conversationId: convId, meId: me.id }}
          notifications={state.removed ? null : {
            conversationId: convId,
            // The viewer's own setting, as the page carried it (issue 18).
            pref: (props.conversation as { notifications?: NotifyPref }).notifications ??
              defaultPref(kind),
          }}
          channel={kind === "channel" || kind === "group"
            ? { ...info, kind, private: props.conversation.visibility === "private" }
            : null}
        />
        <div class="relative flex min-h-0 flex-1 flex-col">
          <div
            ref={scroll.scroller}
            // Reversed, the page opens at its end, the newest message, without JavaScript too;
            // the island turns that off as it hydrates and scrolls itself (use_scroll.ts).
            class="flex flex-1 flex-col-reverse overflow-y-auto px-5 py-4"
            data-testid="messages"
            // Read-only: no message actions (they could only be refused; lib/web/styles.ts).
            data-read-only={state.removed ? "true" : undefined}
            // …and, with nothing in it to focus, the keyboard still scrolls it.
            tabIndex={state.removed ? 0 : undefined}
            aria-label={state.removed ? "Messages" : undefined}
            role={state.removed ? "region" : undefined}
          >
            <div class="shrink-0 grow">
              <div ref={scroll.topSentinel} aria-hidden="true" />
              {olderCursor.value && (
                <div class="mb-4 text-center">
                  <a
                    href={`/conversations/${convId}?before=${olderCursor.value}`}
                    onClick={instead(() => void loadOlder())}
                    class="text-sm font-medium text-indigo-600 dark:text-indigo-400 hover:text-indigo-500"
                  >
                    Load older messages
                  </a>
                </div>
              )}
              {history}
              {newer && (
                <div class="mt-4 text-center">
                  <a
                    href={newer}
                    class="text-sm font-medium text-indigo-600 dark:text-indigo-400 hover:text-indigo-500"
                  >
                    Newer messages
                  </a>
                </div>
              )}
            </div>
          </div>
          {scroll.awayFromEnd.value && (
            <button
              type="button"
              onClick={scroll.jumpToLatest}
              class="absolute bottom-3 left-1/2 -translate-x-1/2 rounded-full bg-indigo-600 px-4 py-1.5 text-sm font-semibold text-white shadow-lg hover:bg-indigo-500"
            >
              {newBelow > 0
                ? `${newBelow} new ${newBelow === 1 ? "message" : "messages"} ↓`
                : "Jump to latest ↓"}
            </button>
          )}
        </div>
        <div class="sr-only" role="log" aria-live="polite" aria-label="New messages">
          {live.announcement.value}
        </div>
        <div class="h-5 px-5 text-xs italic text-slate-500 dark:text-slate-400" aria-live="polite">
          {typing.value}
        </div>
        {readOnly ?? (
          <Composer
            conversationId={convId}
            title={title}
            me={me}
            people={props.conversation.participants}
            maxUploadBytes={props.maxUploadBytes}
            savedDraft={draftOf(props.conversation)}
            error={state.error}
            setError={setError}
            onSend={(content, attachments) => {
              scroll.stickToEnd();
              live.send({
                clientId: newClientId(),
                content,
                createdAt: new Date().toISOString(),
                failed: null,
                attachments,
              });
            }}
            onEditLast={() => {
              const last = lastOwn(room.peek(), me.id);
              if (last) actions.startEdit(last.seq);
              return Boolean(last);
            }}
            editing={state.editing !== null}
            onCancelEdit={actions.cancelEdit}
          />
        )}
      </section>
      {openSeq !== null && (
        <LazyThreadPanel
          key={openSeq}
          conversationId={convId}
          title={title}
          parentSeq={openSeq}
          me={me}
          people={props.conversation.participants}
          initial={props.thread?.seq === openSeq ? props.thread.page : null}
          missing={props.thread?.seq === openSeq && props.thread.missing}
          maxUploadBytes={props.maxUploadBytes}
          onClose={closeThread}
          readOnly={Boolean(readOnly)}
          opened={props.thread?.seq === openSeq ? props.opened : undefined}
        />
      )}
    </>
  );
}
