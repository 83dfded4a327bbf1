import { h } from "preact";
import type { Message } from "../lib/shared/message.ts";

/** Where a kept copy of a message has the author's "Remove preview" put in (message_fragments). */
export const PREVIEW_REMOVE_SLOT = "<hearth-preview-remove></hearth-preview-remove>";

/** Only a web address is a link (the server stores nothing else; this is the second lock). */
function webUrl(url: string): string | null {
  return /^https?:\/\//i.test(url) ? url : null;
}

/** Only the app's own image path is an image source (the CSP would refuse any other). */
function appImage(src: string | undefined): string | null {
  return src && src.startsWith("/api/previews/") ? src : null;
}

/**
 * The card under a message for its first link (Message.preview, found by the server): the
 * site's name, the title as a link to the page (a new tab, no referrer, no follow), two or
 * three lines of description and the page's image through the app (lazy, a fixed shape, no
 * alt: the title says it). Width follows the column (a phone's 375 px too).
 *
 * `remove`: what goes where the author's "Remove preview" is: the button (yours), the slot
 * marker (the server's kept copy, filled in per reader) or nothing (someone else's).
 */
export function LinkPreview(props: { m: Message; remove: "button" | "slot" | null }) {
  const p = props.m.preview;
  if (!p) return null;
  const href = webUrl(p.url);
  const image = appImage(p.image);
  const title = p.title || p.siteName || p.url;
  return (
    <div
      data-preview={p.url}
      role="group"
      aria-label="Link preview"
      class="mt-1.5 flex max-w-md flex-col gap-1 overflow-hidden rounded-lg border-l-4 border-indigo-300 dark:border-indigo-700 bg-slate-50 dark:bg-slate-900 py-1.5 pl-3 pr-2 ring-1 ring-slate-200 dark:ring-slate-800"
    >
      <div class="flex min-w-0 items-center gap-2">
        <span class="min-w-0 flex-1 truncate text-xs font-medium text-slate-500 dark:text-slate-400">
          {p.siteName || hostOf(p.url)}
        </span>
        {props.remove === "button"
          ? <RemovePreview m={props.m} />
          : props.remove === "slot"
          ? h("hearth-preview-remove", null)
          : null}
      </div>
      {href
        ? (
          <a
            href={href}
            target="_blank"
            rel="noopener noreferrer nofollow"
            class="break-words text-sm font-semibold text-indigo-700 dark:text-indigo-300 hover:underline"
          >
            {title}
          </a>
        )
        : <span class="break-words text-sm font-semibold">{title}</span>}
      {p.description && (
        // Three lines at most (twind has no line-clamp here: the height of three lines).
        <p class="max-h-[3.75rem] overflow-hidden break-words text-sm leading-5 text-slate-600 dark:text-slate-300">
          {p.description}
        </p>
      )}
      {image && (
        <img
          src={image}
          alt=""
          loading="lazy"
          decoding="async"
          class="mt-1 block aspect-[1.91/1] w-full max-w-sm rounded-md bg-slate-200 dark:bg-slate-800 object-cover"
        />
      )}
    </div>
  );
}

/**
 * The author's "Remove preview": a form posting to the no-JavaScript twin (303 back to the
 * message); with JavaScript the DELETE, the card hidden at once and gone for everyone when
 * the change arrives (if the DELETE fails, the form is posted and its page says why).
 * No hooks: the server renders it into kept copies (message_fragments.tsx).
 */
export function RemovePreview(props: { m: Message }) {
  const { m } = props;
  const api = `/api/conversations/${m.conversationId}/messages/${m.seq}/preview`;
  return (
    <form method="post" action={`${api}/remove`} class="shrink-0">
      <button
        type="submit"
        data-remove-preview=""
        class="rounded px-1.5 py-0.5 text-xs text-slate-500 dark:text-slate-400 hover:bg-slate-200 hover:text-slate-800 dark:hover:bg-slate-800 dark:hover:text-slate-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
        onClick={(e) => {
          e.preventDefault();
          const button = e.currentTarget as HTMLButtonElement;
          const card = button.closest<HTMLElement>("[data-preview]");
          // CSSOM, not a style attribute: the CSP allows it (`hidden` would lose to `flex`).
          if (card) card.style.display = "none";
          fetch(api, { method: "DELETE" }).then((res) => {
            if (!res.ok) throw new Error(String(res.status));
          }).catch(() => {
            if (card) card.style.display = "";
            button.form?.submit();
          });
        }}
      >
        Remove preview
      </button>
    </form>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}

/** Whether two messages' cards render alike (the fragment cache compares with it). */
export function samePreview(a: Message["preview"], b: Message["preview"]): boolean {
  if (!a || !b) return !a && !b;
  return a.url === b.url && a.title === b.title && a.description === b.description &&
    a.siteName === b.siteName && a.image === b.image;
}
