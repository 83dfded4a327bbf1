/**
 * The /admin page: People, Invites, Settings, and the notice a form post came back with
 * (`?done=` or `?failed=`: codes only, so a crafted link cannot make the page say anything).
 */
import type { ComponentChildren } from "preact";
import type { SiteSettings, User } from "../lib/accounts/mod.ts";
import type { AdminUser } from "../lib/admin/mod.ts";
import { AdminPeople } from "./AdminPeople.tsx";
import { AdminSettings } from "./AdminSettings.tsx";
import { link, muted } from "./AdminStyles.ts";

type Section = "people" | "invites" | "settings";

const DONE: Record<string, [Section, string]> = {
  created: ["people", "The account is created. Tell them their username and password."],
  disabled: ["people", "The account is disabled: signed out everywhere, it cannot sign in."],
  enabled: ["people", "The account is enabled: it can sign in again."],
  made_admin: ["people", "They are a site admin now."],
  removed_admin: ["people", "They are no longer a site admin."],
  deleted: [
    "people",
    "The account is deleted. Its messages and files stay, shown as by “Deleted user”.",
  ],
  settings_saved: ["settings", "Settings saved."],
  // Said by the invite panel's forms (routes/api/invites.ts).
  invite_created: ["invites", "Invite link created: copy it and send it to the people you invite."],
  invite_revoked: ["invites", "Invite revoked: its link no longer works."],
};

const FAILED: Record<string, [Section, string]> = {
  last_admin: [
    "people",
    "You are the only site admin: make someone else admin before giving up the role.",
  ],
  own_account: ["people", "You cannot disable or delete your own account here."],
  username_taken: ["people", "That username is taken. Nothing was created."],
  bad_username: [
    "people",
    "That username will not do: use 3 to 32 letters, digits, '_', '.' or '-'. Nothing was created.",
  ],
  bad_password: [
    "people",
    "Choose a password of 8 to 256 characters that is not one of the most common ones. Nothing was created.",
  ],
  bad_displayName: ["people", "Use a display name of at most 64 characters."],
  not_found: ["people", "That account no longer exists."],
  invalid_input: ["people", "Some of what you entered is not valid. Nothing was changed."],
  bad_name: ["settings", "Enter a site name of 1 to 60 characters. Nothing was saved."],
  bad_registration: ["settings", "Choose who may create an account. Nothing was saved."],
  bad_membersMayInvite: ["settings", "That setting is not valid. Nothing was saved."],
};

/** A notice for the outcome `done` or `failed` names, when it belongs to `section`. */
export function outcomeNotice(
  outcome: { done?: string; failed?: string },
  section: Section,
): ComponentChildren {
  const failed = outcome.failed ? FAILED[outcome.failed] : undefined;
  const done = outcome.done ? DONE[outcome.done] : undefined;
  const space = section === "invites" ? "mb-3" : "mt-3";
  if (failed?.[0] === section) {
    return (
      <p
        role="alert"
        class={`${space} rounded-lg bg-red-50 dark:bg-red-950 px-4 py-2 text-sm text-red-800 dark:text-red-200 ring-1 ring-red-200 dark:ring-red-900`}
      >
        {failed[1]}
      </p>
    );
  }
  if (done?.[0] === section) {
    return (
      <p
        role="status"
        class={`${space} rounded-lg bg-emerald-50 dark:bg-emerald-950 px-4 py-2 text-sm text-emerald-800 dark:text-emerald-200 ring-1 ring-emerald-200 dark:ring-emerald-900`}
      >
        {done[1]}
      </p>
    );
  }
  return null;
}

export function AdminPage(
  props: {
    me: User;
    siteName: string;
    people: {
      users: AdminUser[];
      search: string;
      cursor?: string;
      nextCursor: string | null;
      soleAdmin: boolean;
    };
    settings: SiteSettings;
    /** The Invites section (the invite panel). */
    invites: ComponentChildren;
    outcome: { done?: string; failed?: string };
  },
) {
  const { outcome } = props;
  return (
    <main class="mx-auto max-w-4xl px-4 py-8">
      <p class="mb-4">
        <a href="/" class={`text-sm ${link}`}>← Back to chat</a>
      </p>
      <h1 class="text-2xl font-bold tracking-tight">Site admin</h1>
      <p class={`mt-1 text-sm ${muted}`}>
        People, invites and settings of <span class="font-medium">{props.siteName}</span>.
      </p>
      <nav class="mt-4 flex flex-wrap gap-2 text-sm" aria-label="Sections">
        {[["people", "People"], ["invites", "Invites"], ["settings", "Settings"]].map((
          [id, label],
        ) => (
          <a
            key={id}
            href={`#${id}`}
            class="rounded-full bg-white dark:bg-slate-900 px-3 py-1 font-medium text-slate-700 dark:text-slate-200 ring-1 ring-slate-200 dark:ring-slate-700 hover:bg-slate-50 dark:hover:bg-slate-800"
          >
            {label}
          </a>
        ))}
      </nav>
      <AdminPeople me={props.me} {...props.people} notice={outcomeNotice(outcome, "people")} />
      {/* The invite panel is a section of its own (components/InvitePanel.tsx). */}
      <div id="invites" class="mt-6">
        {outcomeNotice(outcome, "invites")}
        {props.invites}
      </div>
      <AdminSettings settings={props.settings} notice={outcomeNotice(outcome, "settings")} />
    </main>
  );
}
