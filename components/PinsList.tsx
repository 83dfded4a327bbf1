/**
 * Pinned and saved messages as lists: each item names its author, when it was said, a
 * glimpse of it, and opens it in its conversation. Browser-safe: the pins page and the
 * Saved page render it on the server, PinsButton inside the chat room's island.
 */
import type { ComponentChildren } from "preact";
import type { Message } from "../lib/shared/message.ts";
import { plainText } from "../lib/shared/plain_text.ts";
import { Avatar, BotBadge, fullTime, senderNameOf, shortTime } from "./people.tsx";

export const PIN_ICON = "M9 4h6l-1 6 3 3v2H7v-2l3-3-1-6ZM12 15v6";
export const SAVED_ICON = "M7 4h10v16l-5-4-5 4V4Z";

/**
 * Where a message opens in context: a reply in its thread, anything else in the middle of
 * its conversation's history (as search results open).
 */
export function messageHref(
  message: Pick<Message, "conversationId" | "seq" | "parentSeq"> & {
    alsoToConversation?: boolean;
  },
): string {
  const base = `/conversations/${message.conversationId}`;
  if (message.parentSeq && !message.alsoToConversation) {
    return `${base}?thread=${message.parentSeq}#m${message.seq}`;
  }
  return `${base}?around=${message.seq}#m${message.seq}`;
}

/** What a message says as a reader sees it, on one line, cut at 280 characters. */
export function glimpse(message: Message): string {
  const flat = plainText(message.content, message.formatted);
  const text = flat || (message.attachments.length ? `${message.attachments.length} file(s)` : "");
  return text.length > 280 ? `${text.slice(0, 279)}…` : text;
}

/**
 * One message as a list item: a link to it in context (its author, `where`, time and words),
 * then `actions` (an Unpin or Unsave form) beside it.
 */
export function MessageLink(
  props: {
    message: Message;
    where?: string;
    note?: string;
    actions?: ComponentChildren;
    onOpen?: () => void;
  },
) {
  const { message } = props;
  return (
    <li class="flex items-start gap-2 rounded-xl hover:bg-slate-50 dark:hover:bg-slate-800">
      <a
        href={messageHref(message)}
        onClick={props.onOpen}
        class="flex min-w-0 flex-1 gap-3 rounded-xl px-3 py-3 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        <Avatar user={message.author} />
        <span class="min-w-0 flex-1">
          <span class="flex flex-wrap items-baseline gap-x-2 text-sm">
            <span class="font-semibold text-slate-900 dark:text-slate-100">
              <bdi>{senderNameOf(message)}</bdi>
            </span>
            {message.author.isBot && <BotBadge />}
            {props.where && (
              <span class="text-slate-600 dark:text-slate-400">
                in <bdi>{props.where}</bdi>
              </span>
            )}
            <time
              class="text-xs text-slate-600 dark:text-slate-400"
              dateTime={message.createdAt}
              title={fullTime(message.createdAt)}
            >
              {shortTime(message.createdAt)}
            </time>
          </span>
          <span class="mt-0.5 block break-words text-sm text-slate-700 dark:text-slate-300">
            {glimpse(message)}
          </span>
          {props.note && (
            <span class="mt-1 block text-xs text-slate-600 dark:text-slate-400">{props.note}</span>
          )}
        </span>
      </a>
      {props.actions && <div class="shrink-0 py-3 pr-3">{props.actions}</div>}
    </li>
  );
}

/** "Pinned by Ann" (or "by you"). */
export function pinNote(message: Message, meId: string): string | undefined {
  if (!message.pinned) return undefined;
  const by = message.pinned.by.id === meId ? "you" : message.pinned.by.displayName;
  return `Pinned by ${by} · ${shortTime(message.pinned.at)}`;
}

/** A small form button that posts `fields` to `action` (works without JavaScript). */
export function PostButton(
  props: { action: string; fields: Record<string, string>; label: string; title: string },
) {
  return (
    <form method="post" action={props.action}>
      {Object.entries(props.fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button
        type="submit"
        title={props.title}
        class="rounded-lg border border-slate-300 px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-slate-600 dark:text-slate-200 dark:hover:bg-slate-700"
      >
        {props.label}
      </button>
    </form>
  );
}

/**
 * A conversation's pinned messages, newest pin first. `unpin`: each gets an Unpin form
 * that comes back to the pins page (for the page without JavaScript).
 */
export function PinsList(
  props: { messages: Message[]; meId: string; unpin?: boolean; onOpen?: () => void },
) {
  if (props.messages.length === 0) {
    return (
      <p class="px-3 py-4 text-sm text-slate-600 dark:text-slate-400" data-testid="pins-empty">
        Nothing is pinned here yet. Pin a message from its actions to keep it at hand for everyone.
      </p>
    );
  }
  return (
    <ol class="space-y-1" aria-label="Pinned messages" data-testid="pins-list">
      {props.messages.map((m) => (
        <MessageLink
          key={m.id}
          message={m}
          note={pinNote(m, props.meId)}
          onOpen={props.onOpen}
          actions={props.unpin
            ? (
              <PostButton
                action={`/api/conversations/${m.conversationId}/messages/${m.seq}/pin`}
                fields={{ on: "0", back: "pins" }}
                label="Unpin"
                title="Unpin this message for everyone"
              />
            )
            : undefined}
        />
      ))}
    </ol>
  );
}
