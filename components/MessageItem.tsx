import { useState } from "preact/hooks";
import type { Message } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import { Avatar } from "./people.tsx";
import type { MessageActions } from "./message_actions.ts";
import { MessageContent } from "./MessageContent.tsx";
import { Reactions } from "./Reactions.tsx";
import { DeleteConfirm } from "./DeleteConfirm.tsx";
import { MessageToolbar } from "./MessageToolbar.tsx";
import { EditForm } from "./EditForm.tsx";

/**
 * One message: its content (the same for every viewer: MessageContent, which the server
 * renders once per message), and around it what is yours to see — the avatar column, your
 * reactions pressed, the confirmation, and the actions (Edit and Delete on your own).
 */
export function MessageItem(props: {
  m: Message;
  head: boolean;
  me: User;
  people: Map<string, User>;
  /** The participants' usernames, lowercased: their `@mentions` are marked. */
  names: ReadonlySet<string>;
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
  const api = `/api/conversations/${m.conversationId}/messages/${m.seq}`;

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
        <MessageContent
          m={m}
          head={props.head}
          names={props.names}
          me={props.me.username}
          editor={editing && actions ? <EditForm m={m} actions={actions} /> : undefined}
        />
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
        {!deleted && m.reactions.length > 0 && (
          <Reactions m={m} meId={props.me.id} people={props.people} actions={actions} />
        )}
      </div>
      {!deleted && !editing && (
        <MessageToolbar
          m={m}
          meId={props.me.id}
          mine={mine}
          actions={actions}
          paletteOpen={props.opened === "react"}
          confirming={confirming}
          onDelete={() => setConfirming(true)}
        />
      )}
    </li>
  );
}
