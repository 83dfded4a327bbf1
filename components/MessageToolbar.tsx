import { useEffect, useRef, useState } from "preact/hooks";
import type { Message } from "../lib/shared/message.ts";
import { type MessageActions, QUICK_EMOJI } from "./message_actions.ts";
import { SpriteIcon } from "./Icon.tsx";

/** Component classes (lib/web/style_shortcuts.ts): what repeats on every message is one name. */
const TOOL = "msg-tool";
/** Hidden unless the row (the nearest `group`) is yours. */
const OWN_TOOL = "msg-tool group-[:not([data-mine])]:hidden";

/**
 * A message's actions, shown on hover or keyboard focus: React (its palette of quick
 * reactions), and on your own messages Edit and Delete (on every message, shown only in a row
 * marked `data-mine`: the same markup for every reader). Without JavaScript the buttons are a
 * form: they open the same palette, editor and confirmation through the address (`?react=`
 * and so on). A GET form's action keeps its fragment: `#m<seq>` comes back to this message.
 */
export function MessageToolbar(props: {
  m: Message;
  meId: string;
  actions?: MessageActions;
  /** Opened by the page's address (`?react=`: the no-JavaScript path). */
  paletteOpen: boolean;
  /** The delete confirmation is open (the bar stays shown meanwhile). */
  confirming: boolean;
  onDelete: () => void;
}) {
  const { m, actions } = props;
  const [palette, setPalette] = useState(props.paletteOpen);
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
        class={OWN_TOOL}
      >
        <SpriteIcon name="pencil" />
      </button>
      <button
        type="submit"
        name="delete"
        value={m.seq}
        aria-label="Delete"
        title="Delete"
        onClick={(e) => {
          e.preventDefault();
          props.onDelete();
        }}
        class={OWN_TOOL}
      >
        <SpriteIcon name="trash" />
      </button>
    </form>
  );
}
