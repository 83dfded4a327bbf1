import {
  announceNotify,
  defaultPref,
  NOTIFY_PREF_EVENT,
  type NotifyPref,
  type PrefChange,
} from "../../lib/shared/notify_prefs.ts";
import { Icon } from "../../components/Icon.tsx";
import { BELL, BELL_OFF } from "../chat/NotifyMenu.tsx";

/**
 * Mute or unmute a conversation from its sidebar row: a small button over the row's time,
 * shown on hover or focus. A plain form without JavaScript (back to the page); with it, a
 * PUT, and the list and the header's bell follow at once (NOTIFY_PREF_EVENT).
 */
export function MuteToggle(
  props: { id: string; kind: string; name: string; notifications?: NotifyPref },
) {
  const pref = props.notifications ?? defaultPref(props.kind);
  const next = { ...pref, muted: !pref.muted };
  const label = `${pref.muted ? "Unmute" : "Mute"} ${props.name}`;
  async function onSubmit(e: SubmitEvent) {
    e.preventDefault();
    const res = await fetch(`/api/conversations/${props.id}/notifications`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(next),
    }).catch(() => null);
    if (!res?.ok) return;
    announceNotify(
      NOTIFY_PREF_EVENT,
      {
        conversationId: props.id,
        notifications: next,
      } satisfies PrefChange,
    );
  }
  return (
    <form
      method="post"
      action={`/api/conversations/${props.id}/notifications`}
      onSubmit={onSubmit}
      class="absolute right-1 top-1 rounded-md bg-slate-800 pl-4 opacity-0 focus-within:opacity-100 group-hover:opacity-100"
    >
      <input type="hidden" name="muted" value={next.muted ? "1" : "0"} />
      <button
        type="submit"
        aria-label={label}
        title={label}
        class="rounded-md bg-slate-700 p-1 text-slate-200 hover:bg-slate-600 hover:text-white"
      >
        <Icon class="h-3.5 w-3.5" d={pref.muted ? BELL : BELL_OFF} />
      </button>
    </form>
  );
}
