/**
 * The ThreadPanel island (the threads page's thread; the chat room shows one beside it):
 * thread/thread_panel.tsx made with the room's parts. The server renders it from here; the
 * browser loads it as a chunk of its own, when a page first shows a thread
 * (thread/lazy_panel.tsx).
 */
import { makeThreadPanel } from "./thread/thread_panel.tsx";
import { threadParts } from "./thread/thread_parts.ts";

export type { ThreadPanelProps } from "./thread/thread_panel.tsx";

const ThreadPanel = makeThreadPanel(threadParts);
export default ThreadPanel;
