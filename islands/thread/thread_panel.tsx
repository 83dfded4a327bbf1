/// <reference lib="dom" />
/**
 * The thread panel, built as a chunk of its own: the chat page loads it when a thread first
 * opens (thread/lazy_panel.tsx), not with the room. What it shares with the room (the
 * message list, the composer, the message actions) it is handed (ThreadParts) instead of
 * importing: an import would move that code out of app.js into a chunk both load, one more
 * file on the page's path and a worse compression of both (issue 21's JavaScript budget).
 */
import { useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useMemo, useRef } from "preact/hooks";
import type { User } from "../../lib/shared/user.ts";
import type { MessageList } from "../../components/MessageList.tsx";
import type { MessageItem } from "../../components/MessageItem.tsx";
import type { instead } from "../../components/instead.ts";
import type { SpriteIcon } from "../../components/Icon.tsx";
import type { messageActions } from "../chat/message_actions.ts";
import type { Composer } from "../chat/Composer.tsx";
import { repliesLabel, type RoomThreads, splitReplies, type ThreadPage } from "./thread_model.ts";
import { useThread } from "./use_thread.ts";
import type { threadAside } from "./thread_aside.tsx";

/** What the panel shares with the chat room (thread/thread_parts.ts gathers them). */
export type ThreadParts = {
  MessageList: typeof MessageList;
  MessageItem: typeof MessageItem;
  instead: typeof instead;
  SpriteIcon: typeof SpriteIcon;
  messageActions: typeof messageActions;
  Composer: typeof Composer;
  threadAside: typeof threadAside;
  room: RoomThreads;
};

export type ThreadPanelProps = {
  conversationId: string;
  /** The conversation's name ("Launch plan", "Ann Lee"). */
  title: string;
  parentSeq: number;
  me: User;
  people: User[];
  /** The first page, read by the server (null: read it here). */
  initial?: ThreadPage | null;
  /** The server found no such thread. */
  missing?: boolean;
  maxUploadBytes?: number;
  /**
   * On its own page (`/conversations/:id/threads/:seq`): the thread joins the conversation
   * itself and fills the page; otherwise it sits beside the chat room, which has joined.
   */
  standalone?: boolean;
  /** Beside the chat room: closes the panel (without JavaScript, a link back does). */
  onClose?: () => void;
  /** No composer: you are no longer a participant, or the channel is archived. */
  readOnly?: boolean;
  /** A palette or confirmation the address opened (`?react=`, `?delete=`, `?edit=`). */
  opened?: { edit?: number; react?: number; delete?: number };
};

/**
 * The panel made with the room's parts. A thread: its first message, its replies (paged, then live), and a composer that replies
 * (with "Also send to the conversation"). Beside the conversation on a wide screen, the whole
 * screen on a phone; on its own page without JavaScript, a page with a plain form.
 */
export function makeThreadPanel(parts: ThreadParts) {
  const { MessageList, MessageItem, instead, SpriteIcon, messageActions, Composer, threadAside } =
    parts;
  return function ThreadPanel(props: ThreadPanelProps) {
    const { conversationId, parentSeq, me } = props;
    const live = useThread({
      conversationId,
      parentSeq,
      initial: props.initial,
      missing: props.missing,
      join: props.standalone === true,
      room: parts.room,
    });
    const { thread } = live;
    const composerId = "thread-composer";
    const setError = (error: string | null) => live.update((s) => ({ ...s, error }));
    // Which of the conversation's messages you saved: Save or Unsave on each, as in the room.
    const savedSeqs = useSignal<Set<number>>(new Set());
    useEffect(() => {
      fetch(`/api/saved/${conversationId}`).then((res) => res.ok ? res.json() : null).then(
        (data) => {
          if (Array.isArray(data?.seqs)) savedSeqs.value = new Set(data.seqs as number[]);
        },
      ).catch(() => {});
    }, [conversationId, parentSeq]);
    const actions = useMemo(() =>
      messageActions({
        conversationId,
        find: (seq) => {
          const t = thread.peek();
          return t.parent?.seq === seq ? t.parent : t.replies.find((m) => m.seq === seq);
        },
        editing: () => thread.peek().editing,
        setEditing: (editing) => live.update((s) => ({ ...s, editing })),
        setError,
        apply: live.apply,
        composerId,
        // Reply on the thread's own first message: write in this composer.
        openThread: () => document.getElementById(composerId)?.focus(),
        saved: savedSeqs,
      }), [conversationId, parentSeq]);

    // The newest reply in view: at the end on opening, and as replies come while you are there.
    const scroller = useRef<HTMLDivElement>(null);
    const nearEnd = useRef(true);
    const t = thread.value;
    useLayoutEffect(() => {
      const el = scroller.current;
      if (el && nearEnd.current) el.scrollTop = el.scrollHeight;
    }, [t.replies.length, t.pending.length, t.parent !== null]);

    const closeHref = `/conversations/${conversationId}#m${parentSeq}`;
    const { paged, later } = splitReplies(t);
    const count = t.parent?.thread?.replyCount ?? t.replies.length;
    const list = (messages: typeof paged, withPending: boolean) => (
      <MessageList
        conversationId={conversationId}
        messages={messages}
        pending={withPending ? t.pending : []}
        me={me}
        people={props.people}
        onRetry={live.retry}
        editingSeq={t.editing ?? props.opened?.edit ?? null}
        actions={actions}
        opened={props.opened}
      />
    );
    const empty = t.replies.length === 0 && t.pending.length === 0;
    return (
      <aside
        {...threadAside(parentSeq, props.standalone)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && props.onClose && t.editing === null) props.onClose();
        }}
      >
        <header class="flex items-center gap-3 border-b border-slate-200 dark:border-slate-700 px-4 py-3">
          <div class="min-w-0 flex-1">
            <h2 class="text-base font-semibold text-slate-900 dark:text-slate-100">Thread</h2>
            <p class="truncate text-xs text-slate-500 dark:text-slate-400">{props.title}</p>
          </div>
          <a
            href={closeHref}
            onClick={props.onClose ? instead(props.onClose) : undefined}
            aria-label={props.standalone ? "Back to the conversation" : "Close thread"}
            title={props.standalone ? "Back to the conversation" : "Close thread"}
            class="rounded-md p-1.5 text-slate-500 dark:text-slate-400 hover:bg-slate-100 dark:hover:bg-slate-800 hover:text-slate-900 dark:hover:text-white"
          >
            <SpriteIcon name="close" class="h-5 w-5" />
          </a>
        </header>
        <div
          ref={scroller}
          onScroll={(e) => {
            const el = e.currentTarget;
            nearEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 120;
          }}
          class="min-h-0 flex-1 overflow-y-auto px-5 py-4"
          data-testid="thread-messages"
        >
          {t.missing
            ? (
              <p class="text-sm text-slate-600 dark:text-slate-400">
                This thread is not there, or not shared with you.
              </p>
            )
            : !t.parent
            ? <p class="text-sm text-slate-500 dark:text-slate-400">Loading the thread…</p>
            : (
              <>
                <ol class="space-y-0.5" aria-label="Thread's first message">
                  <MessageItem
                    m={t.parent}
                    head
                    me={me}
                    people={new Map(props.people.map((u) => [u.id, u]))}
                    names={new Set(props.people.map((u) => u.username.toLowerCase()))}
                    editing={t.editing === t.parent.seq}
                    actions={actions}
                  />
                </ol>
                <div class="flex items-center gap-3 py-3" data-reply-count={count}>
                  <span class="text-xs font-semibold text-slate-500 dark:text-slate-400">
                    {count === 0 ? "No replies yet" : repliesLabel(count)}
                  </span>
                  <span class="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
                </div>
                {!empty && list(paged, later.length === 0 && t.nextCursor === null)}
                {t.nextCursor !== null && (
                  <div class="my-3 text-center">
                    <a
                      href={`/conversations/${conversationId}/threads/${parentSeq}?after=${
                        encodeURIComponent(t.nextCursor)
                      }`}
                      onClick={instead(live.loadMore)}
                      class="text-sm font-medium text-indigo-600 dark:text-indigo-400 hover:text-indigo-500"
                    >
                      Load more replies
                    </a>
                  </div>
                )}
                {(later.length > 0 || (t.nextCursor !== null && t.pending.length > 0)) &&
                  list(later, true)}
              </>
            )}
        </div>
        {t.parent && !t.missing && !props.readOnly && (
          <Composer
            id={composerId}
            thread={{ parentSeq }}
            conversationId={conversationId}
            title={props.title}
            me={me}
            people={props.people}
            maxUploadBytes={props.maxUploadBytes}
            error={t.error}
            setError={setError}
            onSend={(content, attachments, also) => {
              nearEnd.current = true;
              live.send(content, attachments, also);
            }}
            onEditLast={() => {
              const last = thread.peek().replies.findLast((m) =>
                m.author.id === me.id && !m.deletedAt
              );
              if (last) actions.startEdit(last.seq);
              return Boolean(last);
            }}
            editing={t.editing !== null}
            onCancelEdit={actions.cancelEdit}
          />
        )}
      </aside>
    );
  };
}
