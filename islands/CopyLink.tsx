import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";

export type CopyLinkProps = { url: string; label: string };

/**
 * A link to share: a read-only field (select it and copy, without JavaScript too) and, once
 * the page is live, a Copy button that puts it on the clipboard.
 */
export default function CopyLink(props: CopyLinkProps) {
  const live = useSignal(false);
  const copied = useSignal(false);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    live.value = true;
  }, []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(props.url);
    } catch {
      // No clipboard (plain http, or refused): select it for the person to copy.
      field.current?.select();
      document.execCommand?.("copy");
    }
    copied.value = true;
    setTimeout(() => (copied.value = false), 2000);
  }
  return (
    <span class="flex min-w-0 items-center gap-2">
      <input
        ref={field}
        type="text"
        readOnly
        value={props.url}
        aria-label={props.label}
        onFocus={(e) => e.currentTarget.select()}
        class="min-w-0 flex-1 rounded-md border border-slate-300 dark:border-slate-600 bg-slate-50 dark:bg-slate-800 px-2 py-1 font-mono text-xs text-slate-800 dark:text-slate-200"
      />
      {live.value && (
        <button
          type="button"
          onClick={copy}
          data-copy-link
          class="shrink-0 rounded-md px-2 py-1 text-xs font-semibold text-indigo-700 dark:text-indigo-300 ring-1 ring-indigo-300 dark:ring-indigo-700 hover:bg-indigo-50 dark:hover:bg-slate-800"
        >
          <span aria-live="polite">{copied.value ? "Copied" : "Copy"}</span>
        </button>
      )}
    </span>
  );
}
