import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { JSX } from "preact";
import type { FileMeta } from "../../lib/files/mod.ts";
import type { User } from "../../lib/shared/user.ts";
import type { fullTime, shortTime } from "../../components/people.tsx";
import type { sendFile, Upload, UploadList } from "../parts/uploads.tsx";
import type { kindOf } from "../../components/file_kind.ts";
import type { formatSize, PREVIEW_TYPES } from "../../lib/shared/limits.ts";
import { chatSocket } from "../parts/chat_socket.ts";

/**
 * What the file manager shares with app.js (file_parts.ts gathers them), handed to it: an
 * import would keep them in a chunk of their own on every signed-in page.
 */
export type FileParts = {
  fullTime: typeof fullTime;
  shortTime: typeof shortTime;
  sendFile: typeof sendFile;
  UploadList: typeof UploadList;
  kindOf: typeof kindOf;
  formatSize: typeof formatSize;
  PREVIEW_TYPES: typeof PREVIEW_TYPES;
};

export type FileManagerProps = {
  projectId: string;
  me: User;
  canManage: boolean;
  maxUploadBytes: number;
  files: FileMeta[];
};

/** The file manager made with app.js's parts (file_parts.ts; the server: FileManager.tsx). */
export function makeFileManager(parts: FileParts) {
  const { fullTime, shortTime, sendFile, UploadList, kindOf, formatSize, PREVIEW_TYPES } = parts;
  /**
   * The project's shared files: list, download, delete, and upload by picker or drag and drop
   * with a progress bar per file, kept live: another member's upload, attachment or delete is
   * listed as it happens (a `files_changed` frame reads the list again, as does a reconnect).
   * Without JavaScript the form posts the file and the page comes back with it listed.
   */
  return function FileManager(props: FileManagerProps) {
    const files = useSignal(props.files);
    const uploads = useSignal<Upload[]>([]);
    const dragging = useSignal(false);
    const base = `/api/projects/${props.projectId}/files`;
    // Counts this page's own changes to the list (a file stored, a file deleted): a list read
    // that began before one of them is stale when it arrives, and is read again, not shown.
    const localChanges = useRef(0);

    useEffect(() => {
      let reading = false;
      let again = false;
      /** The list as it is now (one read at a time; one asked for meanwhile runs after). */
      async function reread() {
        if (reading) return void (again = true);
        reading = true;
        try {
          do {
            again = false;
            const began = localChanges.current;
            const res = await fetch(base);
            if (!res.ok) break;
            const listed = (await res.json()).files;
            // Read before this page's own upload or delete landed: it would drop the one
            // just stored (or bring back the one just deleted) until the next read.
            if (localChanges.current !== began) again = true;
            else files.value = listed;
          } while (again);
        } catch {
          /* offline: the reconnect reads it again */
        } finally {
          reading = false;
        }
      }
      const socket = chatSocket();
      const off = socket.on((frame) => {
        if (frame.type === "files_changed" && frame.areaId === props.projectId) void reread();
      });
      // Each time the socket opens (the first time too: the page was drawn before it could
      // hear anything), what changed meanwhile is read.
      const offState = socket.onState((s) => s === "open" && void reread());
      return () => {
        off();
        offState();
      };
    }, []);

    function update(key: string, patch: Partial<Upload>) {
      uploads.value = uploads.value.map((u) => (u.key === key ? { ...u, ...patch } : u));
    }

    function upload(file: File) {
      const key = crypto.randomUUID();
      const entry: Upload = { key, name: file.name, size: file.size, loaded: 0, error: null };
      uploads.value = [...uploads.value, entry];
      if (file.size > props.maxUploadBytes) {
        update(key, { error: `Too large: the limit is ${formatSize(props.maxUploadBytes)}.` });
        return;
      }
      sendFile(base, file, (loaded) => update(key, { loaded })).then(
        (stored) => {
          localChanges.current++;
          files.value = [stored, ...files.value.filter((f) => f.id !== stored.id)];
          uploads.value = uploads.value.filter((u) => u.key !== key);
        },
        (err: Error) => update(key, { error: err.message }),
      );
    }

    function onPick(event: JSX.TargetedEvent<HTMLInputElement>) {
      for (const file of event.currentTarget.files ?? []) upload(file);
      event.currentTarget.value = "";
    }

    function onDrop(event: JSX.TargetedDragEvent<HTMLDivElement>) {
      event.preventDefault();
      dragging.value = false;
      for (const file of event.dataTransfer?.files ?? []) upload(file);
    }

    async function remove(file: FileMeta) {
      if (!confirm(`Delete ${file.name}?`)) return;
      const res = await fetch(`${base}/${file.id}`, { method: "DELETE" });
      if (!res.ok) return;
      localChanges.current++;
      files.value = files.value.filter((f) => f.id !== file.id);
    }

    return (
      <section aria-labelledby="files-title" class="space-y-3">
        <h2
          id="files-title"
          class="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400"
        >
          Files
        </h2>
        <div
          data-member-only
          onDragOver={(e) => {
            e.preventDefault();
            dragging.value = true;
          }}
          onDragLeave={() => (dragging.value = false)}
          onDrop={onDrop}
          class={`rounded-xl border-2 border-dashed p-4 text-center text-sm ${
            dragging.value
              ? "border-indigo-500 bg-indigo-50 dark:bg-indigo-950"
              : "border-slate-300 dark:border-slate-600 bg-slate-50 dark:bg-slate-800"
          }`}
        >
          <form method="post" action={base} encType="multipart/form-data" class="space-y-2">
            <p class="text-slate-600 dark:text-slate-400">Drop files here, or</p>
            <label class="inline-block cursor-pointer rounded-lg bg-white dark:bg-slate-900 px-3 py-1.5 font-medium text-indigo-700 dark:text-indigo-300 shadow-sm ring-1 ring-slate-300 dark:ring-slate-600 hover:bg-indigo-50 dark:hover:bg-slate-800">
              Choose files
              <input type="file" name="file" multiple class="sr-only" onChange={onPick} />
            </label>
            <noscript>
              <button
                type="submit"
                class="ml-2 rounded-lg bg-indigo-600 px-3 py-1.5 font-semibold text-white"
              >
                Upload
              </button>
            </noscript>
            <p class="text-xs text-slate-500 dark:text-slate-400">
              Up to {formatSize(props.maxUploadBytes)} each
            </p>
          </form>
        </div>
        <UploadList uploads={uploads} label="Uploads" class="space-y-2" />
        {files.value.length === 0
          ? <p class="text-sm text-slate-500 dark:text-slate-400">No files yet.</p>
          : (
            <ul class="divide-y divide-slate-100 dark:divide-slate-800" aria-label="Project files">
              {files.value.map((f) => (
                <li key={f.id} class="flex items-center gap-3 py-2">
                  {PREVIEW_TYPES.includes(f.contentType)
                    ? (
                      <img
                        src={`${base}/${f.id}?inline=1`}
                        alt=""
                        loading="lazy"
                        class="h-10 w-10 shrink-0 rounded-md object-cover ring-1 ring-slate-200 dark:ring-slate-700"
                      />
                    )
                    : (
                      <span class="inline-flex h-10 w-10 shrink-0 items-center justify-center rounded-md bg-slate-100 dark:bg-slate-800 text-[10px] font-bold text-slate-600 dark:text-slate-400">
                        {kindOf(f.contentType).slice(0, 4)}
                      </span>
                    )}
                  <div class="min-w-0 flex-1">
                    <a
                      href={`${base}/${f.id}`}
                      download={f.name}
                      class="block truncate text-sm font-medium text-indigo-700 dark:text-indigo-300 hover:underline"
                    >
                      {f.name}
                    </a>
                    <p class="truncate text-xs text-slate-600 dark:text-slate-400">
                      {formatSize(f.size)} · {kindOf(f.contentType)} ·{" "}
                      <bdi>{f.uploadedBy.displayName}</bdi> ·{" "}
                      {/* Its full date on hover, like a message's time (MessageContent). */}
                      <time dateTime={f.createdAt} title={fullTime(f.createdAt)}>
                        {shortTime(f.createdAt)}
                      </time>
                    </p>
                  </div>
                  {(props.canManage || f.uploadedBy.id === props.me.id) && (
                    <form
                      method="post"
                      data-member-only
                      action={`${base}/${f.id}/delete`}
                      onSubmit={(e) => (e.preventDefault(), remove(f))}
                    >
                      <button
                        type="submit"
                        class="rounded px-2 py-1 text-xs text-slate-600 dark:text-slate-400 hover:bg-red-50 hover:text-red-700"
                        aria-label={`Delete ${f.name}`}
                      >
                        Delete
                      </button>
                    </form>
                  )}
                </li>
              ))}
            </ul>
          )}
      </section>
    );
  };
}
