import { batch, useSignal } from "@preact/signals";
import type { JSX } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { FileMeta } from "../../lib/files/mod.ts";
import type { Attachment } from "../../lib/shared/message.ts";
import type { User } from "../../lib/shared/user.ts";
import {
  formatSize,
  MAX_ATTACHMENTS,
  MAX_MESSAGE_CHARS,
  MESSAGE_TOO_LONG,
} from "../../lib/shared/limits.ts";
import { Icon } from "../../components/Icon.tsx";
import { chatSocket } from "../parts/chat_socket.ts";
import { sendFile, type Upload, UploadList } from "../parts/uploads.tsx";
import { mentionOptionId, type MentionQuery, mentionQuery, pickMention } from "./mention_query.ts";
import { useDraftSync } from "./draft_sync.ts";
import { readComposerText } from "../../lib/shared/commands.ts";
import { usePickers } from "./use_pickers.ts";
import { commandOptionId } from "./slash_commands.ts";
import { useSlashCommands } from "./use_slash_commands.ts";

/** A file picked for the next message: uploading (progress), failed, or stored (`file`). */
type Staged = Upload & { file: FileMeta | null };

/**
 * The message being written: text (Enter sends, Shift+Enter is a new line, `@` suggests
 * people, `/` at the start suggests commands, run on the server instead of sent), and files
 * picked, pasted or dropped, uploaded at once with progress. Without JavaScript it is a
 * plain form posting the text (the server runs a command it holds).
 */
export function Composer(props: {
  conversationId: string;
  title: string;
  me: User;
  people: User[];
  maxUploadBytes?: number;
  error: string | null;
  setError: (message: string | null) => void;
  /** `also`: a thread's reply is also sent to the conversation. */
  onSend: (content: string, attachments: Attachment[], also: boolean) => void;
  /** Up in an empty composer: edit your last message (says whether there was one). */
  onEditLast: () => boolean;
  editing: boolean;
  onCancelEdit: () => void;
  /** The textarea's id (the conversation's is `composer`; a thread's has its own). */
  id?: string;
  /** Replies in this thread: "Reply…", with "Also send to the conversation". */
  thread?: { parentSeq: number };
  /** Your draft here as the page came (the conversation's; a thread's is read as it opens). */
  savedDraft?: string | null;
}) {
  const id = props.id ?? "composer";
  const also = useSignal(false);
  const draft = useSignal(props.savedDraft ?? "");
  // Kept on the server as you type, and on your other tabs and devices (draft_sync.ts).
  const drafts = useDraftSync(draft, {
    conversationId: props.conversationId,
    parentSeq: props.thread?.parentSeq ?? null,
    saved: props.thread ? undefined : props.savedDraft ?? null,
  });
  const suggest = useSignal<MentionQuery | null>(null);
  const slash = useSlashCommands({
    id,
    conversationId: props.conversationId,
    parentSeq: props.thread?.parentSeq,
    draft,
    setError: props.setError,
    sent: () => drafts.sent(),
  });
  const { commands, help, notice } = slash;
  const staged = useSignal<Staged[]>([]);
  const dragging = useSignal(false);
  /** The attach button works only with JavaScript: it shows once the island runs. */
  const hydrated = useSignal(false);
  const filePicker = useRef<HTMLInputElement>(null);
  const lastTypingSent = useRef(0);
  const url = `/api/conversations/${props.conversationId}`;

  useLayoutEffect(() => {
    // Anything typed before hydration is only in the DOM: keep it (a re-render would clear it).
    const typed = (document.getElementById(id) as HTMLTextAreaElement | null)?.value;
    if (typed) draft.value = typed;
    hydrated.value = true;
  }, []);

  function updateStaged(key: string, patch: Partial<Staged>) {
    staged.value = staged.peek().map((u) => (u.key === key ? { ...u, ...patch } : u));
  }

  /** Uploads picked, pasted or dropped files to the conversation's files, with progress. */
  function attach(files: Iterable<File>) {
    for (const file of files) {
      if (staged.peek().length >= MAX_ATTACHMENTS) {
        props.setError(`Attach at most ${MAX_ATTACHMENTS} files to one message.`);
        return;
      }
      const key = crypto.randomUUID();
      const limit = props.maxUploadBytes ?? Infinity;
      const tooLarge = file.size > limit;
      staged.value = [...staged.peek(), {
        key,
        name: file.name || "pasted file",
        size: file.size,
        loaded: 0,
        error: tooLarge ? `Too large: the limit is ${formatSize(limit)}.` : null,
        file: null,
      }];
      if (tooLarge) continue;
      sendFile(`${url}/files`, file, (loaded) => updateStaged(key, { loaded })).then(
        (stored) => updateStaged(key, { file: stored, loaded: file.size }),
        (err: Error) => updateStaged(key, { error: err.message }),
      );
    }
  }

  function submit(event: JSX.TargetedEvent<HTMLFormElement>) {
    event.preventDefault();
    const content = draft.value.trim();
    const files = staged.peek();
    if (files.some((u) => !u.file && !u.error)) {
      props.setError("Wait for the files to finish uploading.");
      return;
    }
    const attachments = files.flatMap((u) =>
      u.file
        ? [{ id: u.file.id, name: u.file.name, size: u.file.size, contentType: u.file.contentType }]
        : []
    );
    if (!content && attachments.length === 0) return;
    const read = readComposerText(content);
    if (read.kind === "command") {
      if (files.length) props.setError("A command cannot carry files: send them as a message.");
      else void slash.run(content);
      return;
    }
    // `//etc` sends `/etc`.
    if (read.content !== content) return send(read.content, attachments);
    if (content.length > MAX_MESSAGE_CHARS) {
      props.setError(MESSAGE_TOO_LONG);
      return;
    }
    send(content, attachments);
  }

  function send(content: string, attachments: Attachment[]) {
    batch(() => {
      draft.value = "";
      staged.value = [];
      slash.clear();
      props.onSend(content, attachments, also.value);
      also.value = false;
      drafts.sent();
    });
  }

  /** Puts `@username ` in place of what was typed, caret after it. */
  function pick(user: User) {
    const s = suggest.peek();
    const el = document.getElementById(id) as HTMLTextAreaElement | null;
    if (!s || !el) return;
    const { text, caret } = pickMention(draft.peek(), s, user);
    batch(() => {
      draft.value = text;
      suggest.value = null;
    });
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(caret, caret);
    });
  }

  /** Arrows, Enter, Tab and Esc while the list of people shows; says whether it took the key. */
  function onPickerKey(event: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>): boolean {
    const s = suggest.peek();
    if (!s) return false;
    const n = s.items.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : n - 1;
      suggest.value = { ...s, index: (s.index + step) % n };
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.isComposing) {
      pick(s.items[s.index]);
    } else if (event.key === "Escape") {
      suggest.value = null;
    } else return false;
    event.preventDefault();
    return true;
  }

  function onKeyDown(event: JSX.TargetedKeyboardEvent<HTMLTextAreaElement>) {
    if (onPickerKey(event) || slash.onKey(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      event.currentTarget.form?.requestSubmit();
    } else if (event.key === "ArrowUp" && event.currentTarget.value === "") {
      // As in most chat apps: Up in an empty composer edits your last message.
      if (props.onEditLast()) event.preventDefault();
    } else if (event.key === "Escape" && props.editing) {
      event.preventDefault();
      props.onCancelEdit();
    }
  }

  function onInput(event: JSX.TargetedEvent<HTMLTextAreaElement>) {
    const el = event.currentTarget;
    draft.value = el.value;
    slash.typed(el.value);
    suggest.value = mentionQuery(
      el.value,
      el.selectionStart ?? el.value.length,
      props.people,
      props.me.id,
    );
    const now = Date.now();
    if (draft.value && now - lastTypingSent.current > 2500) {
      lastTypingSent.current = now;
      chatSocket().send({ type: "typing", conversationId: props.conversationId });
    }
  }

  const s = suggest.value;
  const choice = commands.value;
  // Drawn once their chunk is there (the first time, a moment after the list opens).
  const pickers = usePickers(Boolean(s || choice || help.value));
  return (
    <form
      method="post"
      action={`${url}/messages`}
      onSubmit={submit}
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes("Files")) return;
        e.preventDefault();
        dragging.value = true;
      }}
      onDragLeave={() => (dragging.value = false)}
      onDrop={(e) => {
        if (!e.dataTransfer?.files.length) return;
        e.preventDefault();
        dragging.value = false;
        attach(e.dataTransfer.files);
      }}
      class={`border-t px-5 py-3 ${
        dragging.value
          ? "border-indigo-400 bg-indigo-50 dark:bg-indigo-950"
          : "border-slate-200 dark:border-slate-700"
      }`}
    >
      <UploadList
        uploads={staged}
        label="Files to send"
        class="mb-2 grid gap-2 sm:grid-cols-2"
        dismissLabel={(u) => u.file ? "Remove" : undefined}
      />
      {props.error && (
        <p role="alert" class="mb-2 text-sm text-red-600 dark:text-red-400">{props.error}</p>
      )}
      <p role="status" class="text-sm text-slate-600 dark:text-slate-400 empty:hidden">
        {notice.value}
      </p>
      {help.value && pickers && (
        <pickers.CommandHelp commands={help.value} onClose={() => (help.value = null)} />
      )}
      {s && pickers && <pickers.MentionPicker query={s} onPick={pick} />}
      {choice && pickers && (
        <pickers.CommandPicker id={slash.listId} choice={choice} onPick={slash.pick} />
      )}
      {props.thread && <input type="hidden" name="parentSeq" value={props.thread.parentSeq} />}
      <div class="flex items-end gap-2">
        <input
          ref={filePicker}
          type="file"
          multiple
          class="hidden"
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => {
            attach(e.currentTarget.files ?? []);
            e.currentTarget.value = "";
          }}
        />
        <button
          type="button"
          hidden={!hydrated.value}
          onClick={() => filePicker.current?.click()}
          aria-label="Attach files"
          title="Attach files (or paste or drop them here)"
          class="h-[42px] rounded-xl border border-slate-300 dark:border-slate-600 px-2.5 text-slate-600 dark:text-slate-300 shadow-sm hover:bg-slate-50 dark:hover:bg-slate-800"
        >
          <Icon
            class="h-5 w-5"
            d="m21 11-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7"
          />
        </button>
        <label for={id} class="sr-only">{props.thread ? "Reply" : "Message"}</label>
        <textarea
          id={id}
          name="content"
          rows={1}
          required={staged.value.length === 0}
          maxLength={MAX_MESSAGE_CHARS}
          placeholder={props.thread ? "Reply…" : `Message ${props.title}`}
          value={draft.value}
          onInput={onInput}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            const files = e.clipboardData?.files;
            if (!files || files.length === 0) return;
            e.preventDefault();
            attach(files);
          }}
          onBlur={() => {
            suggest.value = null;
            commands.value = null;
          }}
          aria-autocomplete="list"
          // The list it names, once drawn.
          aria-controls={!pickers
            ? undefined
            : s
            ? "mention-options"
            : choice
            ? slash.listId
            : undefined}
          aria-activedescendant={!pickers
            ? undefined
            : s
            ? mentionOptionId(s.items[s.index])
            : choice
            ? commandOptionId(slash.listId, choice.items[choice.index])
            : undefined}
          class="max-h-40 min-h-[42px] flex-1 resize-none rounded-xl border border-slate-300 dark:border-slate-600 px-3 py-2 text-sm shadow-sm outline-none focus:border-indigo-500 focus:ring-2 focus:ring-indigo-200"
        />
        <button
          type="submit"
          class="rounded-xl bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-50"
        >
          Send
        </button>
      </div>
      {props.thread && (
        <label class="mt-2 flex items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
          <input
            type="checkbox"
            name="alsoToConversation"
            value="true"
            checked={also.value}
            onChange={(e) => (also.value = e.currentTarget.checked)}
            class="h-4 w-4 rounded border-slate-300 dark:border-slate-600"
          />
          Also send to {props.title}
        </label>
      )}
    </form>
  );
}
