/**
 * The thread panel's outer element's attributes (thread_panel.tsx), which its stand-in
 * shares while the panel's chunk loads (lazy_panel.tsx). A .tsx file: the stylesheet is
 * made from the classes the .tsx files name (lib/web/styles.ts).
 */
export function threadAside(parentSeq: number, standalone?: boolean) {
  return {
    id: "thread",
    "aria-label": "Thread",
    "data-thread": parentSeq,
    class: standalone
      ? "flex h-full min-w-0 flex-1 flex-col bg-white dark:bg-slate-900"
      : "fixed inset-0 z-40 flex flex-col bg-white dark:bg-slate-900 md:static md:z-auto md:w-96 md:shrink-0 md:border-l md:border-slate-200 dark:md:border-slate-700",
  };
}
