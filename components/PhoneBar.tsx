import { Logo } from "./Logo.tsx";

/**
 * A phone's way back to the conversation list from a page that shows only its main pane
 * (components/ChatShell.tsx): a bar over the page, hidden where the sidebar is beside it.
 */
export function PhoneBar() {
  return (
    <nav
      aria-label="Back"
      class="flex shrink-0 items-center gap-3 border-b border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 px-5 py-3 md:hidden"
    >
      <a
        href="/"
        class="flex items-center gap-2 rounded-md text-sm font-medium text-slate-700 dark:text-slate-200 hover:text-slate-900 dark:hover:text-white focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        <span aria-hidden="true">←</span>
        <Logo />
        Conversations
      </a>
    </nav>
  );
}
