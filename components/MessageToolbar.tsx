import { h } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Message } from "../lib/shared/message.ts";
import { type MessageActions, QUICK_EMOJI } from "./message_actions.ts";
import { SpriteIcon } from "./Icon.tsx";
import { instead } from "./instead.ts";

/** Component classes (lib/web/style_shortcuts.ts): what repeats on every message is one name. */
const TOOL = "msg-tool";

/** Where a kept copy of the toolbar has Edit and Delete put in, on your own messages only. */
export const OWN_TOOLS_SLOT = "<hearth-own-tools></hearth-own-tools>";

/**
 * A message's actions, shown on hover or keyboard focus: React (its palette of quick
 * reactions), Reply in thread (top-level messages), Pin or Unpin, Save, and on your own
 * messages Edit and Delete. Reply is `?thread=<seq>` without JavaScript; Pin and Save post
 * their forms (`on=1|0`, answered with a 303 back). Without JavaScript the buttons are a
 * form: they open the same palette, editor and confirmation through the address (`?react=`
 * and so on). A GET form's action keeps its fragment: `#m<seq>` comes back to this message.
 */
export function MessageToolbar(props: {
  m: Message;
  meId: string;
  /** Renders the slot marker instead of Edit and Delete (the server's kept copy only). */
  ownToolsSlot?: boolean;
  actions?: MessageActions;
  /** Opened by the page's address (`?react=`: the no-JavaScript path). */
  paletteOpen: boolean;
  /** The delete confirmation is open (the bar stays shown meanwhile). */
  confirming: boolean;
  onDelete: () => void;
}) {
  const { m, actions } = props;
  const [palette, setPalette] = useState(props.paletteOpen);
  // Whether you saved it is yours alone (not on the message): the room reads yours once live.
  const [pressed, setSaved] = useState<boolean | null>(null);
  const saved = actions?.isSaved ? actions.isSaved(m.seq) : pressed ?? false;
  const reactButton = useRef<HTMLButtonElement>(null);
  const firstEmoji = useRef<HTMLButtonElement>(null);
  // Opening the palette moves focus into it (once, not at every render).
  useEffect(() => void (palette && firstEmoji.current?.focus()), [palette]);
  const api = `/api/conversations/${m.conversationId}/messages/${m.seq}`;
  const mineOn = (emoji: string) =>
    m.reactions.some((r) => r.emoji === emoji && r.userIds.includes(props.meId));

  function closePalette(focus: boolean) {
    setPalette(false);
    if (focus) reactButton.current?.focus();
  }

  return (
    <form
      action={`#m${m.seq}`}
      role="toolbar"
      aria-label="Message actions"
      class={palette || props.confirming ? "msg-bar" : "msg-bar msg-bar-idle"}
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
              onClick={instead(() => {
                closePalette(true);
                actions?.react(m.seq, emoji, !mineOn(emoji));
              })}
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
        onClick={instead(() => palette ? closePalette(false) : setPalette(true))}
        class={TOOL}
      >
        <SpriteIcon name="smile" />
      </button>
      {!m.parentSeq && (
        <button
          type="submit"
          name="thread"
          value={m.seq}
          aria-label="Reply in thread"
          title="Reply in thread"
          onClick={actions?.openThread ? instead(() => actions.openThread!(m.seq)) : undefined}
          class={TOOL}
        >
          <SpriteIcon name="reply" />
        </button>
      )}
      <button
        type="submit"
        formMethod="post"
        formAction={`${api}/pin`}
        name="on"
        value={m.pinned ? "0" : "1"}
        aria-label={m.pinned ? "Unpin" : "Pin"}
        title={m.pinned ? "Unpin" : "Pin to the conversation"}
        onClick={actions?.pin ? instead(() => actions.pin!(m.seq, !m.pinned)) : undefined}
        class={TOOL}
      >
        <SpriteIcon name="pin" class={m.pinned ? ON_PIN : undefined} />
      </button>
      <button
        type="submit"
        formMethod="post"
        formAction={`/api/saved/${m.conversationId}/${m.seq}`}
        name="on"
        value={saved ? "0" : "1"}
        aria-label={saved ? "Unsave" : "Save"}
        title={saved ? "Remove from saved messages" : "Save for later"}
        onClick={actions?.save
          ? instead(() => {
            actions.save!(m.seq, !saved);
            setSaved(!saved);
          })
          : undefined}
        class={TOOL}
      >
        <SpriteIcon name="save" class={saved ? ON_SAVE : undefined} />
      </button>
      {props.ownToolsSlot ? h("hearth-own-tools", null) : m.author.id === props.meId &&
        ownTools(m.seq, () => actions?.startEdit(m.seq), props.onDelete)}
    </form>
  );
}

/** A pinned or saved message's tool is coloured: which way the button goes shows at a glance. */
const ON_PIN = "h-4 w-4 text-amber-600 dark:text-amber-400";
const ON_SAVE = "h-4 w-4 text-indigo-600 dark:text-indigo-400";

const OWN_TOOLS = {
  edit: { label: "Edit", icon: "pencil" },
  delete: { label: "Delete", icon: "trash" },
} as const;

/**
 * Edit and Delete on your own message, as the toolbar renders them (the server also puts them
 * into kept copies in place of OWN_TOOLS_SLOT: components/message_fragments.tsx).
 */
export function ownTools(seq: number, onEdit: () => void, onDelete: () => void) {
  return [ownTool("edit", seq, onEdit), ownTool("delete", seq, onDelete)];
}

/**
 * Edit or Delete: without JavaScript it submits `?edit=<seq>` (or `?delete=`), which opens
 * the same editor or confirmation through the address. A plain function, not a component:
 * a page has two for each message of yours.
 */
function ownTool(action: keyof typeof OWN_TOOLS, seq: number, run: () => void) {
  const { label, icon } = OWN_TOOLS[action];
  return (
    <button
      type="submit"
      name={action}
      value={seq}
      aria-label={label}
      title={label}
      key={action}
      onClick={instead(run)}
      class={TOOL}
    >
      <SpriteIcon name={icon} />
    </button>
  );
}
