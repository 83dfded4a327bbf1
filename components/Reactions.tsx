import type { Message } from "../lib/shared/message.ts";
import type { User } from "../lib/shared/user.ts";
import type { MessageActions } from "./message_actions.ts";
import { instead } from "./instead.ts";

/** "Ann Lee, Ben Ode reacted with 👍", named from the conversation's participants. */
function reactedLabel(userIds: string[], people: Map<string, User>, emoji: string): string {
  const names = userIds.map((id) => people.get(id)?.displayName ?? "Someone who left");
  return `${names.join(", ")} reacted with ${emoji}`;
}

/**
 * A message's reactions as chips, yours pressed. Each chip is a form button (without
 * JavaScript it posts the toggle and the page comes back to the message), so this part is
 * rendered for each viewer, not kept with the message's shared markup.
 */
export function Reactions(props: {
  m: Message;
  meId: string;
  people: Map<string, User>;
  actions?: MessageActions;
}) {
  const { m } = props;
  const api = `/api/conversations/${m.conversationId}/messages/${m.seq}`;
  return (
    <form
      method="post"
      action={`/conversations/${m.conversationId}#m${m.seq}`}
      class="mt-1 flex flex-wrap gap-1"
      aria-label="Reactions"
      role="group"
    >
      {m.reactions.map((r) => {
        const on = r.userIds.includes(props.meId);
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
            onClick={instead(() => props.actions?.react(m.seq, r.emoji, !on))}
            class={on ? "chip chip-on" : "chip chip-off"}
          >
            <span>{r.emoji}</span>
            <span>{r.userIds.length}</span>
          </button>
        );
      })}
    </form>
  );
}
