/**
 * Component classes: one short class name for a utility list that repeats on every message
 * of a page (a 50-message page wrote these lists 50 times each). Twind defines each once in
 * the stylesheet (lib/styles.ts); the markup names it like any class. A variant inside
 * (`hover:`, `dark:`, `group-hover:`) works as in the list it replaces.
 */
export const SHORTCUTS: [string, string][] = [
  // One message (components/MessageItem.tsx); `group` stays on the element itself.
  ["msg", "relative -mx-2 flex gap-3 rounded-lg px-2"],
  [
    "msg-idle",
    "hover:bg-slate-50 dark:hover:bg-slate-800 focus-within:bg-slate-50 dark:focus-within:bg-slate-800",
  ],
  ["msg-hl", "bg-amber-50 dark:bg-amber-950 ring-2 ring-amber-300 dark:ring-amber-700"],
  ["msg-name", "text-sm font-semibold text-slate-900 dark:text-slate-100"],
  ["msg-meta", "text-xs text-slate-500 dark:text-slate-400"],
  ["msg-text", "break-words text-sm leading-relaxed text-slate-800 dark:text-slate-200"],
  // A grouped message's time of day, beside it where the avatar would be, on hover or focus.
  [
    "msg-clock",
    "invisible block pt-0.5 text-[10px] leading-5 text-slate-500 dark:text-slate-400 group-hover:visible group-focus-within:visible",
  ],
  ["msg-gone", "text-sm italic leading-relaxed text-slate-500 dark:text-slate-400"],
  // Its actions: shown on hover or keyboard focus (`msg-bar-idle`), or while one is open.
  [
    "msg-bar",
    "absolute -top-3 right-2 z-10 flex items-center gap-0.5 rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-0.5 shadow-sm",
  ],
  ["msg-bar-idle", "opacity-0 group-hover:opacity-100 group-focus-within:opacity-100"],
  [
    "msg-tool",
    "rounded-md p-1.5 text-sm leading-none text-slate-500 dark:text-slate-400 hover:bg-slate-100 dark:hover:bg-slate-800 hover:text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-300",
  ],
  // A reaction chip, yours (`chip-on`) or others' only.
  ["chip", "inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium"],
  [
    "chip-on",
    "border-indigo-300 bg-indigo-50 dark:bg-indigo-950 text-indigo-700 hover:border-indigo-400",
  ],
  [
    "chip-off",
    "border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 text-slate-600 dark:text-slate-400 hover:border-slate-300",
  ],
  // A person's initials (components/people.tsx); size and colour are added beside it.
  [
    "avatar",
    "inline-flex shrink-0 select-none items-center justify-center rounded-lg font-semibold text-white",
  ],
];
