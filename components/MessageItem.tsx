import { MessageBody, type MessageBodyProps } from "./MessageBody.tsx";
import { SystemMessage } from "./SystemMessage.tsx";

/** MessageBody's props that the row passes on, and the row's own (what the address opened). */
type MessageItemProps =
  & Pick<MessageBodyProps, "m" | "head" | "me" | "people" | "names" | "editing" | "actions">
  & {
    /** Opened by the page's address (`?react=` / `?delete=`: the no-JavaScript path). */
    opened?: "react" | "delete" | null;
    /** The message a link opened the page on (a search result). */
    highlighted?: boolean;
  };

/**
 * One message's row; inside, MessageBody (a system message's: SystemMessage). No state here: the server renders this for every
 * message of every page, and a component with hooks costs several times one without.
 */
export function MessageItem(props: MessageItemProps) {
  const { m } = props;
  // A join, a rename…: its own small row, without avatar or actions.
  if (m.kind === "system") return <SystemMessage m={m} highlighted={props.highlighted} />;
  const mine = m.author.id === props.me.id;
  return (
    <li
      id={`m${m.seq}`}
      data-seq={m.seq}
      data-deleted={m.deletedAt !== null ? "true" : undefined}
      data-highlighted={props.highlighted ? "true" : undefined}
      aria-current={props.highlighted ? "true" : undefined}
      class={`group msg ${props.highlighted ? "msg-hl" : "msg-idle"}${props.head ? " pt-3" : ""}`}
    >
      <MessageBody
        m={m}
        head={props.head}
        me={props.me}
        people={props.people}
        names={props.names}
        // Only your own message opens as an editor (an address may name anyone's).
        editing={props.editing && mine}
        actions={props.actions}
        paletteOpen={props.opened === "react"}
        // Only your own message opens its delete confirmation from the address.
        confirmOpen={props.opened === "delete" && mine}
      />
    </li>
  );
}
