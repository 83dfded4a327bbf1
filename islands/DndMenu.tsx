import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { Icon } from "../components/Icon.tsx";
import { announceNotify, DND_EVENT, type DndChange, onNotify } from "../lib/shared/notify_prefs.ts";

/** A crescent moon: do not disturb. */
const MOON = "M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8Z";

type Preset = "30m" | "1h" | "tomorrow" | "off";

/** When a preset ends in this browser's time (9:00 tomorrow is the reader's 9:00). */
function presetEnd(preset: Preset, now = new Date()): Date | null {
  if (preset === "off") return null;
  if (preset === "30m") return new Date(now.getTime() + 30 * 60_000);
  if (preset === "1h") return new Date(now.getTime() + 60 * 60_000);
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
}

/** "14:30", or "Sat 09:00" when it is not today (the reader's clock once hydrated). */
function until(iso: string, local: boolean): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  const [h, m, day, today] = local
    ? [d.getHours(), d.getMinutes(), d.getDay(), new Date().getDay()]
    : [d.getUTCHours(), d.getUTCMinutes(), d.getUTCDay(), new Date().getUTCDay()];
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  return `${day === today ? "" : `${days[day]} `}${pad(h)}:${pad(m)}${local ? "" : " UTC"}`;
}

const CHOICES: { preset: Preset; label: string }[] = [
  { preset: "30m", label: "For 30 minutes" },
  { preset: "1h", label: "For 1 hour" },
  { preset: "tomorrow", label: "Until tomorrow, 9:00" },
];

/**
 * Do not disturb, in the sidebar above your account: a menu of how long (30 minutes, an
 * hour, until 9:00 tomorrow in your time) and, while it is on, when it ends and "Resume".
 * Plain forms to `POST /api/me/dnd` without JavaScript; with it, a PUT of the end time, and
 * the list (which holds back in-tab notifications meanwhile) hears of it at once.
 */
export default function DndMenu(props: { until: string | null }) {
  const end = useSignal(props.until);
  const local = useSignal(false);
  const offset = useSignal(0);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    local.value = true;
    offset.value = new Date().getTimezoneOffset();
  }, []);
  // Changed in another tab: shown here too.
  useEffect(() => onNotify<DndChange>(DND_EVENT, ({ until }) => (end.value = until)), []);
  // Over by itself: shown off again when its time comes.
  useEffect(() => {
    if (!end.value) return;
    const left = Date.parse(end.value) - Date.now();
    if (left > 2 ** 31 - 1) return;
    const t = setTimeout(() => (end.value = null), Math.max(0, left));
    return () => clearTimeout(t);
  }, [end.value]);

  async function choose(preset: Preset) {
    const next = presetEnd(preset)?.toISOString() ?? null;
    error.value = null;
    const res = await fetch("/api/me/dnd", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ until: next }),
    }).catch(() => null);
    if (!res?.ok) return void (error.value = "Could not save. Try again.");
    end.value = next;
    announceNotify(DND_EVENT, { until: next } satisfies DndChange);
    const open = document.querySelector<HTMLDetailsElement>("[data-testid=dnd-menu]");
    if (open) open.open = false;
  }
  function onSubmit(e: SubmitEvent) {
    const button = e.submitter as HTMLButtonElement | null;
    if (!button || button.name !== "for") return;
    e.preventDefault();
    choose(button.value as Preset);
  }

  const on = end.value !== null;
  return (
    <details class="relative mx-4 mb-2" data-testid="dnd-menu" data-dnd={on ? "on" : "off"}>
      <summary
        class={`flex cursor-pointer list-none items-center gap-2 rounded-lg px-2 py-1.5 text-xs hover:bg-slate-800 ${
          on ? "bg-slate-800 font-semibold text-amber-300" : "text-slate-400 hover:text-white"
        }`}
      >
        <Icon class="h-4 w-4 shrink-0" d={MOON} />
        <span class="truncate" role={on ? "status" : undefined}>
          {on ? `Do not disturb until ${until(end.value!, local.value)}` : "Pause notifications"}
        </span>
      </summary>
      <form
        method="post"
        action="/api/me/dnd"
        onSubmit={onSubmit}
        class="absolute bottom-full left-0 z-30 mb-1 w-full rounded-xl bg-slate-800 p-1 text-sm text-slate-100 shadow-lg ring-1 ring-slate-700"
      >
        <input type="hidden" name="tzOffset" value={String(offset.value)} />
        <p class="px-3 pb-1 pt-2 text-xs font-semibold uppercase tracking-wide text-slate-400">
          Do not disturb
        </p>
        {CHOICES.map((c) => (
          <button
            key={c.preset}
            type="submit"
            name="for"
            value={c.preset}
            class="block w-full rounded-lg px-3 py-2 text-left hover:bg-slate-700"
          >
            {c.label}
          </button>
        ))}
        {on && (
          <button
            type="submit"
            name="for"
            value="off"
            class="block w-full rounded-lg px-3 py-2 text-left font-semibold text-amber-300 hover:bg-slate-700"
          >
            Resume notifications
          </button>
        )}
        {error.value && <p class="px-3 py-1 text-xs text-red-300" role="alert">{error.value}</p>}
      </form>
    </details>
  );
}
