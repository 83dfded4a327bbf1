/// <reference lib="dom" />
/**
 * The thread panel, loaded when a page first shows a thread: its code (thread_panel.tsx,
 * thread_model.ts, use_thread.ts) is a chunk of its own, which the chat page does not load
 * until a thread opens (issue 21's JavaScript budget). The server renders the panel itself,
 * so a page whose address opens a thread (`?thread=`) works without JavaScript as before.
 */
import type { ComponentType } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ThreadPanelProps } from "./thread_panel.tsx";
import { threadParts } from "./thread_parts.ts";
import { threadAside } from "./thread_aside.tsx";

type Panel = ComponentType<ThreadPanelProps>;
/** The reply box's id, in the server's markup and in the panel (thread_panel.tsx). */
const REPLY_BOX = "thread-composer";
let panel: Panel | undefined;
let loading: Promise<Panel> | undefined;

/** The panel, its chunk loaded once (a failed load is tried again next time). */
export function loadThreadPanel(): Promise<Panel> {
  loading ??= import("./thread_panel.tsx").then(
    (m) => (panel = m.makeThreadPanel(threadParts)),
    (err) => {
      loading = undefined;
      throw err;
    },
  );
  return loading;
}

// The server renders pages synchronously: it has the panel before its first page.
if (typeof document === "undefined") await loadThreadPanel();
// A page whose address opens a thread asks for the chunk as the room's code runs.
else if (new URLSearchParams(location.search).has("thread")) void loadThreadPanel().catch(() => {});

/**
 * The thread panel, or its frame while its chunk loads: "Loading the thread…", or, on a page
 * that came with the thread rendered, the server's markup as it is (hydrating keeps it), so
 * nothing moves until the panel takes its place.
 */
export function LazyThreadPanel(props: ThreadPanelProps) {
  const [Loaded, setLoaded] = useState<Panel | undefined>(() => panel);
  const [failed, setFailed] = useState(false);
  const [kept] = useState(() =>
    panel ? null : document.getElementById("thread")?.innerHTML ?? null
  );
  /** What was typed into the server's reply box while the chunk loaded, and whether it had focus. */
  const typed = useRef<{ text: string; focused: boolean } | null>(null);
  useEffect(() => {
    if (Loaded) return;
    let live = true;
    loadThreadPanel().then((p) => {
      if (!live) return;
      const box = document.getElementById(REPLY_BOX) as HTMLTextAreaElement | null;
      if (box && box.value !== box.defaultValue) {
        typed.current = { text: box.value, focused: document.activeElement === box };
      }
      setLoaded(() => p);
    }, () => live && setFailed(true));
    return () => void (live = false);
  }, []);
  // The panel in place: it says so (data-hydrated, as islands do), and what was typed meanwhile
  // goes on in its reply box, as if typed there (its input handler takes it, draft and all).
  useEffect(() => {
    if (!Loaded) return;
    document.getElementById("thread")?.setAttribute("data-hydrated", "");
    const was = typed.current;
    typed.current = null;
    const box = document.getElementById(REPLY_BOX) as HTMLTextAreaElement | null;
    if (!was || !box) return;
    box.value = was.text;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    if (was.focused) {
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    }
  }, [Loaded]);
  if (Loaded) return <Loaded {...props} />;
  const aside = threadAside(props.parentSeq, props.standalone);
  if (kept !== null && !failed) {
    return <aside {...aside} dangerouslySetInnerHTML={{ __html: kept }} />;
  }
  return (
    <aside {...aside} aria-busy={failed ? undefined : "true"}>
      <p role="status" class="px-5 py-4 text-sm text-slate-500 dark:text-slate-400">
        {failed ? "The thread could not load. " : "Loading the thread…"}
        {failed && (
          <a
            href={`/conversations/${props.conversationId}/threads/${props.parentSeq}`}
            class="font-medium text-indigo-600 dark:text-indigo-400 hover:text-indigo-500"
          >
            Open it on its own page
          </a>
        )}
      </p>
    </aside>
  );
}
