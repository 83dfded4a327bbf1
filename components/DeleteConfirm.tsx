import { useEffect, useRef } from "preact/hooks";
import { instead } from "./instead.ts";

/**
 * "Delete this message?" in place. Without JavaScript it is a form: Delete posts to the
 * message's delete address, Cancel comes back to the message (GET keeps the `#m` fragment).
 */
export function DeleteConfirm(props: {
  here: string;
  api: string;
  onDelete: () => void;
  onCancel: () => void;
}) {
  const confirmButton = useRef<HTMLButtonElement>(null);
  // Opening the confirmation moves focus into it (once, as it opens).
  useEffect(() => void confirmButton.current?.focus(), []);
  return (
    <form
      method="get"
      action={props.here}
      role="alertdialog"
      aria-label="Delete this message?"
      class="mt-1 flex items-center gap-2 text-sm"
      onKeyDown={(e) => e.key === "Escape" && props.onCancel()}
    >
      <span class="text-slate-700 dark:text-slate-300">Delete this message?</span>
      <button
        type="submit"
        formMethod="post"
        formAction={`${props.api}/delete`}
        ref={confirmButton}
        onClick={instead(props.onDelete)}
        class="rounded-md bg-red-600 px-2.5 py-1 text-xs font-semibold text-white hover:bg-red-500"
      >
        Delete
      </button>
      <button
        type="submit"
        onClick={instead(props.onCancel)}
        class="rounded-md border border-slate-300 dark:border-slate-600 px-2.5 py-1 text-xs font-medium text-slate-700 dark:text-slate-300 hover:bg-slate-100 dark:hover:bg-slate-800"
      >
        Cancel
      </button>
    </form>
  );
}
