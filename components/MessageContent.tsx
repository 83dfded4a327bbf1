import {
  cloneElement,
  type ComponentChildren,
  isValidElement,
  toChildArray,
  type VNode,
} from "preact";
import type { Message } from "../lib/shared/message.ts";
import { renderFormatted } from "../lib/shared/formatted.tsx";
import { Attachments } from "./Attachments.tsx";
import { BotBadge, fullTime, senderNameOf, shortTime } from "./people.tsx";

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

export type MessageContentProps = {
  m: Message;
  /** It starts a group: the author's name and the time go above it. */
  head: boolean;
  /** The room's participants' usernames, lowercased: their `@mentions` are marked. */
  names: ReadonlySet<string>;
  /**
   * Your username, for the stronger mark on mentions of you: the one part of this markup that
   * is the reader's own (the server's copy of it is kept without, and the mark put on as it is
   * written out: components/message_fragments.tsx).
   */
  me?: string;
  /** Shown instead of the text: your message being edited in place. */
  editor?: VNode;
};

/**
 * What a message says, the same for whoever looks: its header when it starts a group, its
 * text (or the deleted placeholder, or the editor) and its files.
 */
export function MessageContent(props: MessageContentProps) {
  const { m } = props;
  const deleted = m.deletedAt !== null;
  const text = () => {
    const body = renderFormatted(m.content, m.formatted, {
      isMention: (u) => props.names.has(u),
      me: props.me,
    });
    if (!m.editedAt) return body;
    return appendInline(
      body,
      <span data-edited="true" class="msg-meta" title={`Edited ${fullTime(m.editedAt)}`}>
        (edited)
      </span>,
    );
  };
  return (
    <>
      {props.head && (
        <div class="flex items-baseline gap-2">
          <span class="msg-name">{senderNameOf(m)}</span>
          {m.author.isBot && <BotBadge />}
          <time class="msg-meta" dateTime={m.createdAt} title={fullTime(m.createdAt)}>
            {shortTime(m.createdAt)}
          </time>
        </div>
      )}
      {deleted
        ? <p class="msg-gone">This message was deleted.</p>
        : props.editor
        ? props.editor
        : m.content === "" && !m.editedAt
        ? null
        : <div class="msg-text">{text()}</div>}
      {!deleted && m.attachments.length > 0 && (
        <Attachments conversationId={m.conversationId} files={m.attachments} />
      )}
    </>
  );
}
