import type { ComponentChildren } from "preact";
import { getCookie } from "hono/cookie";
import { Layout } from "../components/Layout.tsx";
import { SiteContext } from "../components/site_context.ts";
import { installFragmentCache, renderPage } from "../lib/web/mod.ts";
import { MESSAGE_FRAGMENT_BOUNDS, messageFragments } from "../components/message_fragments.tsx";
import { type AppCtx, FORM_ERROR_CODES } from "./_http.ts";
import { EARLY_SOCKET_SCRIPT } from "./_early_socket.ts";

// Pages render each message's content once and keep it (one entry per message, whoever reads).
installFragmentCache(messageFragments, MESSAGE_FRAGMENT_BOUNDS);

const FORM_ERRORS: Record<string, string> = {
  invalid_input:
    "That did not work: some of what you entered is not valid. Please check it and try again.",
  conflict: "That already exists.",
  already_member: "That person is already a member.",
  forbidden: "You are not allowed to do that here.",
  not_found: "That could not be found.",
  rate_limited: "Too many attempts. Please wait a minute and try again.",
  file_too_large: "That file is too large to upload.",
  quota_exceeded:
    "The storage for files (the project's, or yours) is full. Delete some files first.",
  storage_full:
    "The server cannot save anything right now (its storage is full). Nothing was saved: try again in a minute.",
  wrong_password: "That is not your current password. Your password was not changed.",
  name_taken: "A channel with that name exists already. Choose another name.",
  archived:
    "This channel is archived: it is read-only. A channel's creator or a site admin can unarchive it.",
  blocked: "Someone you named does not take conversations from you.",
  leave_project: "This is a project's conversation: leave the project instead.",
  direct_conversation:
    "A direct conversation cannot be changed or left: block the person to hide it.",
  project_conversation:
    "A project's conversation follows the project's members: change those instead.",
  not_a_channel: "Only channels can be joined like that.",
  unknown_command: "There is no such command. Type /help to see the commands.",
  address_refused:
    "That address is refused: webhooks go only to public https addresses, never to this network's own.",
  limit_reached: "You have as many of those as one may have. Delete one first.",
  username_taken: "That username is taken. Choose another.",
  weak_password:
    "Choose a new password of 8 to 256 characters that is not one of the most common ones (a few unrelated words work well).",
};

/**
 * The theme chosen on this device (islands/ThemeToggle.tsx writes the `theme` cookie), set on
 * the page's root as it is rendered; none (the system's choice) when there is no such cookie.
 */
export function chosenTheme(c: AppCtx): "light" | "dark" | undefined {
  const theme = getCookie(c, "theme");
  return theme === "light" || theme === "dark" ? theme : undefined;
}

/** The site's name: what an admin set, else SITE_NAME (loadSession read it for this request). */
export function siteName(c: AppCtx): string {
  return c.get("site")?.name ?? c.get("ctx").config.siteName;
}

/**
 * Answers with a full HTML page in the app's layout, titled "<title> · <site name>", the site
 * given to every component through SiteContext. Pages hold private data: no caching.
 */
export function page(
  c: AppCtx,
  options: {
    title: string;
    status?: 200 | 400 | 401 | 403 | 404 | 409 | 429 | 500 | 503;
    children: ComponentChildren;
  },
): Response {
  const code = c.req.query("error");
  const notice = code && FORM_ERROR_CODES.has(code) ? FORM_ERRORS[code] : null;
  const site = { name: siteName(c) };
  const { html, link } = renderPage(
    (slot) => (
      <Layout title={options.title} siteName={site.name} assetsId={c.get("ctx").assets.id}>
        {slot}
      </Layout>
    ),
    <SiteContext.Provider value={site}>
      {notice && (
        <div
          role="alert"
          class="fixed inset-x-0 top-0 z-50 bg-red-600 px-4 py-2 text-center text-sm font-medium text-white"
        >
          {notice}
        </div>
      )}
      {options.children}
    </SiteContext.Provider>,
    c.get("ctx").assets,
    { earlySocket: EARLY_SOCKET_SCRIPT, rootClass: chosenTheme(c) },
  );
  c.header("Cache-Control", "no-store");
  if (link) c.header("Link", link);
  return c.html(html, options.status ?? 200);
}
