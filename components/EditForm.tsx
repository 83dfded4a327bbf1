import type { JSX } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Message } from "../lib/shared/message.ts";
import { MAX_MESSAGE_CHARS } from "../lib/shared/limits.ts";
import type { MessageActions } from "./message_actions.ts";
import { instead } from "./instead.ts";

/** The message as a textarea: Enter saves, Shift+Enter is a new line, Esc cancels. */
export function EditForm(props: { m: Message; actions: MessageActions }) {
  const [text, setText] = useState(props.m.content);
  const [problem, setProblem] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  // As the editor commits, not after the next paint: a key pressed meanwhile (typing at
  // once after Up, or a test's fill) must not have its caret moved to the end afterwards.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
    el.scrollIntoView({ block: "nearest" });
  }, []);

  function save(event?: JSX.TargetedEvent<HTMLFormElement>) {
    event?.preventDefault();
    setProblem(props.actions.saveEdit(props.m.seq, text));
  }

  function onKeyDown(event: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      props.actions.cancelEdit();
    }
  }

  return (
    <form
      method="post"
      action={`/api/conversations/${props.m.conversationId}/messages/${props.m.seq}/edit`}
      onSubmit={save}
      class="mt-0.5"
      aria-label="Edit message"
    >
      <textarea
        ref={area}
        name="content"
        aria-label="Edit message"
        rows={Math.min(8, Math.max(2, text.split("\n").length))}
        maxLength={MAX_MESSAGE_CHARS}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={onKeyDown}
        class="w-full resize-y rounded-lg border border-indigo-300 px-3 py-2 text-sm shadow-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200"
      />
      {problem && <p role="alert" class="text-xs text-red-600 dark:text-red-400">{problem}</p>}
      <div class="mt-1 flex items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
        <button
          type="submit"
          class="rounded-md bg-indigo-600 px-2.5 py-1 font-semibold text-white hover:bg-indigo-500"
        >
          Save
        </button>
        <a
          href={`/conversations/${props.m.conversationId}#m${props.m.seq}`}
          onClick={instead(() => props.actions.cancelEdit())}
          class="rounded-md border border-slate-300 dark:border-slate-600 px-2.5 py-1 font-medium text-slate-700 dark:text-slate-300 hover:bg-slate-100 dark:hover:bg-slate-800"
        >
          Cancel
        </a>
        <span>Enter to save · Shift+Enter for a new line · Esc to cancel</span>
      </div>
    </form>
  );
}
