/// <reference lib="dom" />
import type { Signal } from "@preact/signals";
import type { FileMeta } from "../../lib/files/mod.ts";

/** An upload in progress (or failed): what the progress row shows. */
export type Upload = {
  key: string;
  name: string;
  size: number;
  loaded: number;
  error: string | null;
};

function percent(u: Upload): number {
  return Math.min(100, Math.round((u.loaded / Math.max(u.size, 1)) * 100));
}

/**
 * Posts one file as multipart to `url` with XMLHttpRequest (fetch cannot report upload
 * progress). Resolves with the stored file; rejects with the server's words. Progress is the
 * share of the request sent, in the file's bytes, and stops short of all of them: 100% is
 * for when the server has stored it (what the caller shows then).
 */
export function sendFile(
  url: string,
  file: File,
  onProgress: (loaded: number) => void,
): Promise<FileMeta> {
  return new Promise((resolve, reject) => {
    const body = new FormData();
    body.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("accept", "application/json");
    xhr.upload.onprogress = (e) => {
      const share = e.lengthComputable && e.total > 0 ? e.loaded / e.total : 0;
      onProgress(Math.min(share, 0.99) * file.size);
    };
    xhr.onload = () => {
      let parsed: { file?: FileMeta; error?: { message: string } } = {};
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch { /* not JSON: handled below */ }
      if (xhr.status === 201 && parsed.file) resolve(parsed.file);
      else reject(new Error(parsed.error?.message ?? `Upload failed (${xhr.status}).`));
    };
    xhr.onerror = () => reject(new Error("Upload failed: the connection dropped."));
    xhr.send(body);
  });
}

/** One upload's row: its name and a progress bar, or why it failed with a way to dismiss it. */
export function UploadRow(props: { u: Upload; onDismiss: () => void; dismissLabel?: string }) {
  const { u } = props;
  return (
    <li class="rounded-lg border border-slate-200 dark:border-slate-700 p-2 text-sm">
      <div class="flex justify-between gap-2">
        <span class="truncate font-medium">{u.name}</span>
        {u.error || props.dismissLabel
          ? (
            <button
              type="button"
              class="text-xs text-slate-600 dark:text-slate-400 hover:text-slate-900 dark:hover:text-slate-100"
              onClick={props.onDismiss}
              aria-label={`${props.dismissLabel ?? "Dismiss"} ${u.name}`}
            >
              {u.error ? "Dismiss" : props.dismissLabel}
            </button>
          )
          : <span class="text-xs text-slate-600 dark:text-slate-400">{percent(u)}%</span>}
      </div>
      {u.error
        ? <p role="alert" class="mt-1 text-xs text-red-600 dark:text-red-400">{u.error}</p>
        : (
          <div
            role="progressbar"
            aria-label={`Uploading ${u.name}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent(u)}
            class="mt-1.5 h-1.5 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-700"
          >
            {/* No transition: the bar is where the label says, not easing towards it. */}
            <div
              class="h-full rounded-full bg-indigo-600"
              style={{ width: `${percent(u)}%` }}
            />
          </div>
        )}
    </li>
  );
}

/**
 * The uploads in `uploads`, one row each. Dismissing a row (a failed upload, or any row that
 * `dismissLabel` names an action for) takes it out of the list.
 */
export function UploadList<T extends Upload>(props: {
  uploads: Signal<T[]>;
  label: string;
  class: string;
  dismissLabel?: (u: T) => string | undefined;
}) {
  const { uploads } = props;
  if (uploads.value.length === 0) return null;
  return (
    <ul class={props.class} aria-label={props.label}>
      {uploads.value.map((u) => (
        <UploadRow
          key={u.key}
          u={u}
          onDismiss={() => (uploads.value = uploads.peek().filter((x) => x.key !== u.key))}
          dismissLabel={props.dismissLabel?.(u)}
        />
      ))}
    </ul>
  );
}
