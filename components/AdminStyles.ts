/** The class strings the /admin page's parts share (components/Admin*.tsx), in light and dark. */
export const card =
  "rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700";
export const button =
  "rounded-lg px-3 py-1.5 text-sm font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";
export const primary = `${button} bg-indigo-600 text-white hover:bg-indigo-500`;
export const secondary =
  `${button} text-slate-700 dark:text-slate-200 ring-1 ring-slate-300 dark:ring-slate-600 hover:bg-slate-50 dark:hover:bg-slate-800`;
export const danger =
  `${button} text-red-700 dark:text-red-300 ring-1 ring-red-300 dark:ring-red-800 hover:bg-red-50 dark:hover:bg-red-950`;
/** A text field (no margin: `mt-1` under its label's words). */
export const input =
  "block w-full rounded-lg border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-800 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
export const muted = "text-slate-600 dark:text-slate-400";
export const link = "font-medium text-indigo-600 dark:text-indigo-400 hover:text-indigo-500";
/** The one button that does what cannot be undone. */
export const dangerSolid = `${button} bg-red-600 text-white hover:bg-red-500`;
