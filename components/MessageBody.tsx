import { h } from "preact";
import { useState } from "preact/hooks";
import type { Message } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import { Avatar, fullTime, timeOfDay } from "./people.tsx";
import type { MessageActions } from "./message_actions.ts";
import { MessageContent } from "./MessageContent.tsx";
import { Reactions } from "./Reactions.tsx";
import { DeleteConfirm } from "./DeleteConfirm.tsx";
import { MessageToolbar } from "./MessageToolbar.tsx";
import { LiveBar } from "./live_bar.tsx";
import { EditForm } from "./EditForm.tsx";
import { PinnedMark, ThreadSummary } from "./ThreadSummary.tsx";
import { LinkPreview } from "./LinkPreview.tsx";

/** Rendering the page's HTML (not hydrating it, nor rendering in the browser). */
const ON_SERVER = typeof document === "undefined";

function noop() {}

/** Where a kept copy of this markup has the reader's reactions put in (message_fragments.ts). */
export const REACTIONS_SLOT = "<hearth-reactions></hearth-reactions>";

export type MessageBodyProps = {
  m: Message;
  head: boolean;
  /** Who reads: for Edit and Delete on your own, the reactions you pressed and the palette. */
  me: User;
  people: Map<string, User>;
  /** The participants' usernames, lowercased: their `@mentions` are marked. */
  names: ReadonlySet<string>;
  /** Your own message being edited in place. */
  editing: boolean;
  actions?: MessageActions;
  /** The React palette opened by the page's address (`?react=`: the no-JavaScript path). */
  paletteOpen: boolean;
  /** The delete confirmation opened by the page's address (`?delete=`). */
  confirmOpen: boolean;
  /**
   * Renders slot markers instead of what is the reader's own: the reactions (REACTIONS_SLOT)
   * and Edit and Delete (OWN_TOOLS_SLOT). The server's kept copy only.
   */
  slots?: boolean;
};

/**
 * Everything inside a message's row: the avatar, what it says, its reactions, and its
 * actions. Apart from the reactions and Edit and Delete (on your own messages only), the same
 * markup for every reader while nothing is open, so the server keeps one copy per message
 * with slots for those two (components/message_fragments.tsx).
 */
export function MessageBody(props: MessageBodyProps) {
  const { m, actions } = props;
  const deleted = m.deletedAt !== null;
  const api = `/api/conversations/${m.conversationId}/messages/${m.seq}`;
  const [confirming, setConfirming] = useState(props.confirmOpen);
  return (
    <>
      <div class="w-9 shrink-0">
        {props.head
          // Initials of the name shown (an integration's `senderName`), colour of the author.
          ? <Avatar user={m.senderName ? { ...m.author, displayName: m.senderName } : m.author} />
          : (
            // A grouped message's own time, on hover or focus (its group's header has the first).
            <time class="msg-clock" dateTime={m.createdAt} title={fullTime(m.createdAt)}>
              {timeOfDay(m.createdAt)}
            </time>
          )}
      </div>
      <div class="min-w-0 flex-1 pb-0.5">
        {!deleted && <PinnedMark m={m} />}
        <MessageContent
          m={m}
          head={props.head}
          names={props.names}
          me={props.me.username}
          editor={props.editing && actions ? <EditForm m={m} actions={actions} /> : undefined}
        />
        {!deleted && m.preview && (
          <LinkPreview
            m={m}
            // The author's Remove button: a slot in the kept copy (filled in per reader).
            remove={props.slots ? "slot" : m.author.id === props.me.id ? "button" : null}
          />
        )}
        {confirming && !deleted && (
          <DeleteConfirm
            here={`/conversations/${m.conversationId}#m${m.seq}`}
            api={api}
            onDelete={() => {
              setConfirming(false);
              actions?.remove(m.seq);
            }}
            onCancel={() => setConfirming(false)}
          />
        )}
        {!deleted && m.reactions.length > 0 && (props.slots
          ? h("hearth-reactions", null)
          : <Reactions m={m} meId={props.me.id} people={props.people} actions={actions} />)}
        <ThreadSummary m={m} onOpen={actions?.openThread} />
        {!deleted && !props.editing && (ON_SERVER
          // Every message's toolbar, for a page without JavaScript (components/live_bar.tsx).
          ? (
            <noscript>
              <MessageToolbar
                m={m}
                meId={props.me.id}
                ownToolsSlot={props.slots}
                paletteOpen={props.paletteOpen}
                confirming={confirming}
                onDelete={noop}
              />
            </noscript>
          )
          // …and in the browser, the page's one toolbar when it is on this message.
          : (
            <LiveBar
              m={m}
              meId={props.me.id}
              actions={actions}
              paletteOpen={props.paletteOpen}
              confirming={confirming}
              onDelete={() => setConfirming(true)}
            />
          ))}
      </div>
    </>
  );
}
