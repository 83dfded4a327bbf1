/**
 * The conversation header's pins: a link to the pins page (`/conversations/:id/pins`)
 * until the chat room's island has hydrated, then a button that opens the pinned messages
 * in a panel under it (read fresh each time it opens; on a phone, across the screen's
 * width below the header). For islands/chat/RoomHeader.tsx:
 * `<PinsButton conversationId={…} meId={…} hydrated={props.hydrated} />`.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Message } from "../lib/shared/message.ts";
import { Icon } from "./Icon.tsx";
import { PIN_ICON, PinsList } from "./PinsList.tsx";

const BUTTON =
  "inline-flex items-center gap-1 rounded-lg px-2 py-1 text-xs font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-slate-100";

type Loaded = { state: "loading" } | { state: "ready"; messages: Message[] } | {
  state: "failed";
};

export function PinsButton(props: { conversationId: string; meId: string; hydrated: boolean }) {
  const href = `/conversations/${props.conversationId}/pins`;
  const [open, setOpen] = useState(false);
  const [loaded, setLoaded] = useState<Loaded>({ state: "loading" });
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    let live = true;
    setLoaded({ state: "loading" });
    fetch(`/api/conversations/${props.conversationId}/pins`, {
      headers: { accept: "application/json" },
    })
      .then(async (res) => {
        if (!res.ok) throw new Error(String(res.status));
        const { messages } = await res.json() as { messages: Message[] };
        if (live) setLoaded({ state: "ready", messages });
      })
      .catch(() => live && setLoaded({ state: "failed" }));
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("mousedown", onDown);
    return () => {
      live = false;
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("mousedown", onDown);
    };
  }, [open, props.conversationId]);

  if (!props.hydrated) {
    return (
      <a
        href={href}
        class={BUTTON}
        aria-label="Pins"
        title="Pinned messages"
        data-testid="pins-button"
      >
        <Icon d={PIN_ICON} />
        <span class="hidden sm:inline">Pins</span>
      </a>
    );
  }
  const panelId = `pins-${props.conversationId}`;
  return (
    <div class="relative" ref={box}>
      <button
        ref={button}
        type="button"
        class={BUTTON}
        aria-label="Pins"
        title="Pinned messages"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
        data-testid="pins-button"
      >
        <Icon d={PIN_ICON} />
        <span class="hidden sm:inline">Pins</span>
      </button>
      {open && (
        <div
          id={panelId}
          role="region"
          aria-label="Pinned messages"
          class="fixed inset-x-3 top-16 z-30 max-h-[70vh] overflow-y-auto sm:absolute sm:inset-x-auto sm:right-0 sm:top-full sm:mt-2 sm:w-96 rounded-xl border border-slate-200 bg-white p-2 shadow-lg dark:border-slate-700 dark:bg-slate-900"
          data-testid="pins-panel"
        >
          <div class="flex items-center justify-between px-3 py-1">
            <h2 class="text-sm font-semibold text-slate-900 dark:text-slate-100">
              Pinned messages
            </h2>
            <a
              href={href}
              class="rounded text-xs font-medium text-indigo-700 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300"
            >
              Open as a page
            </a>
          </div>
          {loaded.state === "loading" && (
            <p class="px-3 py-4 text-sm text-slate-600 dark:text-slate-400" role="status">
              Loading…
            </p>
          )}
          {loaded.state === "failed" && (
            <p class="px-3 py-4 text-sm text-red-700 dark:text-red-300" role="alert">
              The pins could not be loaded.{" "}
              <a href={href} class="underline">Open them as a page</a>.
            </p>
          )}
          {loaded.state === "ready" && (
            <PinsList
              messages={loaded.messages}
              meId={props.meId}
              onOpen={() => setOpen(false)}
            />
          )}
        </div>
      )}
    </div>
  );
}
