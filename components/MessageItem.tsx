import {
  cloneElement,
  type ComponentChildren,
  isValidElement,
  type JSX,
  toChildArray,
  type VNode,
} from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Attachment, Message } from "../lib/messages/messages.ts";
import type { User } from "../lib/accounts/users.ts";
import { Avatar, fullTime, shortTime } from "./people.tsx";
import { type MessageActions, QUICK_EMOJI } from "../islands/parts/message_actions.ts";
import { kindOf } from "../islands/parts/uploads.tsx";
import { formatSize, MAX_MESSAGE_CHARS, PREVIEW_TYPES } from "../lib/shared/limits.ts";
import { SpriteIcon } from "./Icon.tsx";

/** "Ann Lee, Ben Ode reacted with 👍", named from the conversation's participants. */
function reactedLabel(userIds: string[], people: Map<string, User>, emoji: string): string {
  const names = userIds.map((id) => people.get(id)?.displayName ?? "Someone who left");
  return `${names.join(", ")} reacted with ${emoji}`;
}

type Parent = VNode<{ children?: ComponentChildren }>;

/** Puts `extra` at the end of the last paragraph (so "(edited)" follows the text), else after. */
function appendInline(body: VNode, extra: VNode): VNode {
  const kids = toChildArray((body as Parent).props.children);
  const last = kids.at(-1);
  if (isValidElement(last) && last.type === "p") {
    const inner = toChildArray((last as Parent).props.children);
    return cloneElement(
      body,
      {},
      ...kids.slice(0, -1),
      cloneElement(last, {}, ...inner, " ", extra),
    );
  }
  return cloneElement(body, {}, ...kids, extra);
}

/** Component classes (lib/style_shortcuts.ts): what repeats on every message is one name. */
const TOOL = "msg-tool";

/**
 * One message: its header when it starts a group, its text (or the editor, or the deleted
 * placeholder), its reactions, and the actions shown on hover or keyboard focus.
 */
export function MessageItem(props: {
  m: Message;
  head: boolean;
  me: User;
  people: Map<string, User>;
  /** Renders a message's text (its server-parsed `formatted` tree). */
  format: (m: Message) => VNode;
  editing: boolean;
  actions?: MessageActions;
  /** Opened by the page's address (`?react=` / `?delete=`: the no-JavaScript path). */
  opened?: "react" | "delete" | null;
  /** The message a link opened the page on (a search result). */
  highlighted?: boolean;
}) {
  const { m, actions } = props;
  const mine = m.author.id === props.me.id;
  const deleted = m.deletedAt !== null;
  /** Only your own message opens as an editor (an address may name anyone's). */
  const editing = props.editing && mine;
  const [confirming, setConfirming] = useState(props.opened === "delete" && mine);
  const [palette, setPalette] = useState(props.opened === "react");
  /** This message's place on its page: forms come back to it. */
  const here = `/conversations/${m.conversationId}#m${m.seq}`;
  const api = `/api/conversations/${m.conversationId}/messages/${m.seq}`;
  const reactButton = useRef<HTMLButtonElement>(null);
  const firstEmoji = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  // Opening the palette or the confirmation moves focus into it (once, not at every render).
  useEffect(() => void (palette && firstEmoji.current?.focus()), [palette]);
  useEffect(() => void (confirming && confirmButton.current?.focus()), [confirming]);
  const mineOn = (emoji: string) =>
    m.reactions.some((r) => r.emoji === emoji && r.userIds.includes(props.me.id));

  function closePalette(focus: boolean) {
    setPalette(false);
    if (focus) reactButton.current?.focus();
  }

  return (
    <li
      id={`m${m.seq}`}
      data-seq={m.seq}
      data-deleted={deleted ? "true" : undefined}
      data-highlighted={props.highlighted ? "true" : undefined}
      aria-current={props.highlighted ? "true" : undefined}
      class={`group msg ${props.highlighted ? "msg-hl" : "msg-idle"}${props.head ? " pt-3" : ""}`}
    >
      <div class="w-9 shrink-0">{props.head && <Avatar user={m.author} />}</div>
      <div class="min-w-0 flex-1 pb-0.5">
        {props.head && (
          <div class="flex items-baseline gap-2">
            <span class="msg-name">{m.author.displayName}</span>
            <time class="msg-meta" dateTime={m.createdAt}>
              {shortTime(m.createdAt)}
            </time>
          </div>
        )}
        {deleted
          ? <p class="msg-gone">This message was deleted.</p>
          : editing && actions
          ? <EditForm m={m} actions={actions} />
          : m.content === "" && !m.editedAt
          ? null
          : (
            <div class="msg-text">
              {m.editedAt
                ? appendInline(
                  props.format(m),
                  <span
                    data-edited="true"
                    class="msg-meta"
                    title={`Edited ${fullTime(m.editedAt)}`}
                  >
                    (edited)
                  </span>,
                )
                : props.format(m)}
            </div>
          )}
        {!deleted && m.attachments.length > 0 && (
          <Attachments conversationId={m.conversationId} files={m.attachments} />
        )}
        {confirming && !deleted && (
          <form
            method="get"
            action={here}
            role="alertdialog"
            aria-label="Delete this message?"
            class="mt-1 flex items-center gap-2 text-sm"
            onKeyDown={(e) => e.key === "Escape" && setConfirming(false)}
          >
            <span class="text-slate-700 dark:text-slate-300">Delete this message?</span>
            <button
              type="submit"
              formMethod="post"
              formAction={`${api}/delete`}
              ref={confirmButton}
              onClick={(e) => {
                e.preventDefault();
                setConfirming(false);
                actions?.remove(m.seq);
              }}
              class="rounded-md bg-red-600 px-2.5 py-1 text-xs font-semibold text-white hover:bg-red-500"
            >
              Delete
            </button>
            <button
              type="submit"
              onClick={(e) => {
                e.preventDefault();
                setConfirming(false);
              }}
              class="rounded-md border border-slate-300 dark:border-slate-600 px-2.5 py-1 text-xs font-medium text-slate-700 dark:text-slate-300 hover:bg-slate-100 dark:hover:bg-slate-800"
            >
              Cancel
            </button>
          </form>
        )}
        {!deleted && m.reactions.length > 0 && (
          <form
            method="post"
            action={here}
            class="mt-1 flex flex-wrap gap-1"
            aria-label="Reactions"
            role="group"
          >
            {m.reactions.map((r) => {
              const on = r.userIds.includes(props.me.id);
              const label = reactedLabel(r.userIds, props.people, r.emoji);
              return (
                <button
                  key={r.emoji}
                  type="submit"
                  formAction={`${api}/reactions/${encodeURIComponent(r.emoji)}`}
                  name="on"
                  value={on ? "0" : "1"}
                  aria-pressed={on}
                  aria-label={label}
                  title={label}
                  data-emoji={r.emoji}
                  onClick={(e) => {
                    e.preventDefault();
                    actions?.react(m.seq, r.emoji, !on);
                  }}
                  class={on ? "chip chip-on" : "chip chip-off"}
                >
                  <span>{r.emoji}</span>
                  <span>{r.userIds.length}</span>
                </button>
              );
            })}
          </form>
        )}
      </div>
      {!deleted && !editing && (
        // Without JavaScript the buttons are a form: React, Edit and Delete open the same
        // palette, editor and confirmation through the address (`?react=` and so on). A GET
        // form's action keeps its fragment: `#m<seq>` comes back to this message's page.
        <form
          action={`#m${m.seq}`}
          role="toolbar"
          aria-label="Message actions"
          class={palette || confirming ? "msg-bar" : "msg-bar msg-bar-idle"}
        >
          {palette && (
            <div
              role="group"
              aria-label="Quick reactions"
              class="flex items-center border-r border-slate-200 dark:border-slate-700 pr-0.5"
              onKeyDown={(e) => e.key === "Escape" && closePalette(true)}
            >
              {QUICK_EMOJI.map((emoji, i) => (
                <button
                  key={emoji}
                  type="submit"
                  formMethod="post"
                  formAction={`${api}/reactions/${encodeURIComponent(emoji)}`}
                  name="on"
                  value={mineOn(emoji) ? "0" : "1"}
                  ref={i === 0 ? firstEmoji : undefined}
                  aria-label={`React with ${emoji}`}
                  onClick={(e) => {
                    e.preventDefault();
                    closePalette(true);
                    actions?.react(m.seq, emoji, !mineOn(emoji));
                  }}
                  class={TOOL}
                >
                  {emoji}
                </button>
              ))}
            </div>
          )}
          <button
            type="submit"
            name="react"
            value={m.seq}
            ref={reactButton}
            aria-label="React"
            title="React"
            aria-expanded={palette}
            onClick={(e) => {
              e.preventDefault();
              if (palette) closePalette(false);
              else setPalette(true);
            }}
            class={TOOL}
          >
            <SpriteIcon name="smile" />
          </button>
          {mine && (
            <button
              type="submit"
              name="edit"
              value={m.seq}
              aria-label="Edit"
              title="Edit"
              onClick={(e) => {
                e.preventDefault();
                actions?.startEdit(m.seq);
              }}
              class={TOOL}
            >
              <SpriteIcon name="pencil" />
            </button>
          )}
          {mine && (
            <button
              type="submit"
              name="delete"
              value={m.seq}
              aria-label="Delete"
              title="Delete"
              onClick={(e) => {
                e.preventDefault();
                setConfirming(true);
              }}
              class={TOOL}
            >
              <SpriteIcon name="trash" />
            </button>
          )}
        </form>
      )}
    </li>
  );
}

/**
 * The files a message carries: raster images as previews (served inline only for those
 * types), other files as download chips, a deleted file as "removed".
 */
export function Attachments(props: { conversationId: string; files: Attachment[] }) {
  const base = `/api/conversations/${props.conversationId}/files`;
  return (
    <ul class="mt-1 flex flex-wrap items-end gap-2" aria-label="Attachments">
      {props.files.map((a) => (
        <li key={a.id} data-attachment={a.name} data-removed={a.removed ? "true" : undefined}>
          {a.removed
            ? (
              <span class="inline-flex items-center gap-1 rounded-lg border border-dashed border-slate-300 dark:border-slate-600 px-2.5 py-1.5 text-xs italic text-slate-500 dark:text-slate-400">
                <bdi class="line-through">{a.name}</bdi> was removed
              </span>
            )
            : PREVIEW_TYPES.includes(a.contentType)
            ? (
              <a href={`${base}/${a.id}?inline=1`} target="_blank" rel="noopener" title={a.name}>
                <img
                  src={`${base}/${a.id}?inline=1`}
                  alt={a.name}
                  loading="lazy"
                  class="block h-40 w-auto max-w-full rounded-lg bg-slate-100 dark:bg-slate-800 object-contain ring-1 ring-slate-200 dark:ring-slate-700"
                />
              </a>
            )
            : (
              <a
                href={`${base}/${a.id}`}
                download={a.name}
                class="inline-flex max-w-xs items-center gap-2 rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 px-2.5 py-1.5 text-sm hover:border-indigo-300 hover:bg-indigo-50 dark:hover:bg-slate-800"
              >
                <span class="rounded bg-slate-100 dark:bg-slate-800 px-1 text-[10px] font-bold text-slate-600 dark:text-slate-300">
                  {kindOf(a.contentType).slice(0, 4)}
                </span>
                <bdi class="truncate font-medium text-indigo-700 dark:text-indigo-300">
                  {a.name}
                </bdi>
                <span class="shrink-0 text-xs text-slate-500 dark:text-slate-400">
                  {formatSize(a.size)}
                </span>
              </a>
            )}
        </li>
      ))}
    </ul>
  );
}

/** The message as a textarea: Enter saves, Shift+Enter is a new line, Esc cancels. */
function EditForm(props: { m: Message; actions: MessageActions }) {
  const [text, setText] = useState(props.m.content);
  const [problem, setProblem] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  // As the editor commits, not after the next paint: a key pressed meanwhile (typing at
  // once after Up, or a test's fill) must not have its caret moved to the end afterwards.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
    el.scrollIntoView({ block: "nearest" });
  }, []);

  function save(event?: JSX.TargetedEvent<HTMLFormElement>) {
    event?.preventDefault();
    setProblem(props.actions.saveEdit(props.m.seq, text));
  }

  function onKeyDown(event: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      props.actions.cancelEdit();
    }
  }

  return (
    <form
      method="post"
      action={`/api/conversations/${props.m.conversationId}/messages/${props.m.seq}/edit`}
      onSubmit={save}
      class="mt-0.5"
      aria-label="Edit message"
    >
      <textarea
        ref={area}
        name="content"
        aria-label="Edit message"
        rows={Math.min(8, Math.max(2, text.split("\n").length))}
        maxLength={MAX_MESSAGE_CHARS}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={onKeyDown}
        class="w-full resize-y rounded-lg border border-indigo-300 px-3 py-2 text-sm shadow-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200"
      />
      {problem && <p role="alert" class="text-xs text-red-600 dark:text-red-400">{problem}</p>}
      <div class="mt-1 flex items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
        <button
          type="submit"
          class="rounded-md bg-indigo-600 px-2.5 py-1 font-semibold text-white hover:bg-indigo-500"
        >
          Save
        </button>
        <a
          href={`/conversations/${props.m.conversationId}#m${props.m.seq}`}
          onClick={(e) => {
            e.preventDefault();
            props.actions.cancelEdit();
          }}
          class="rounded-md border border-slate-300 dark:border-slate-600 px-2.5 py-1 font-medium text-slate-700 dark:text-slate-300 hover:bg-slate-100 dark:hover:bg-slate-800"
        >
          Cancel
        </a>
        <span>Enter to save · Shift+Enter for a new line · Esc to cancel</span>
      </div>
    </form>
  );
}
