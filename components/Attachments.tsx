import type { Attachment } from "../lib/shared/message.ts";
import { formatSize, PREVIEW_TYPES } from "../lib/shared/limits.ts";
import { kindOf } from "./file_kind.ts";

/**
 * The files a message carries: raster images as previews (served inline only for those
 * types), other files as download chips, a deleted file as "removed".
 */
export function Attachments(props: { conversationId: string; files: Attachment[] }) {
  const base = `/api/conversations/${props.conversationId}/files`;
  return (
    <ul class="mt-1 flex flex-wrap items-end gap-2" aria-label="Attachments">
      {props.files.map((a) => (
        <li key={a.id} data-attachment={a.name} data-removed={a.removed ? "true" : undefined}>
          {a.removed
            ? (
              <span class="inline-flex items-center gap-1 rounded-lg border border-dashed border-slate-300 dark:border-slate-600 px-2.5 py-1.5 text-xs italic text-slate-500 dark:text-slate-400">
                <bdi class="line-through">{a.name}</bdi> was removed
              </span>
            )
            : PREVIEW_TYPES.includes(a.contentType)
            ? (
              <a href={`${base}/${a.id}?inline=1`} target="_blank" rel="noopener" title={a.name}>
                <img
                  src={`${base}/${a.id}?inline=1`}
                  alt={a.name}
                  loading="lazy"
                  class="block h-40 w-auto max-w-full rounded-lg bg-slate-100 dark:bg-slate-800 object-contain ring-1 ring-slate-200 dark:ring-slate-700"
                />
              </a>
            )
            : (
              <a
                href={`${base}/${a.id}`}
                download={a.name}
                class="inline-flex max-w-xs items-center gap-2 rounded-lg border border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 px-2.5 py-1.5 text-sm hover:border-indigo-300 hover:bg-indigo-50 dark:hover:bg-slate-800"
              >
                <span class="rounded bg-slate-100 dark:bg-slate-800 px-1 text-[10px] font-bold text-slate-600 dark:text-slate-300">
                  {kindOf(a.contentType).slice(0, 4)}
                </span>
                <bdi class="truncate font-medium text-indigo-700 dark:text-indigo-300">
                  {a.name}
                </bdi>
                <span class="shrink-0 text-xs text-slate-500 dark:text-slate-400">
                  {formatSize(a.size)}
                </span>
              </a>
            )}
        </li>
      ))}
    </ul>
  );
}
