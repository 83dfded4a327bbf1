/**
 * The confirmation before deleting an account (/admin/users/:id/delete): what goes, what
 * stays, and, when the account owns projects with other members, who takes them over. The
 * form posts to /api/admin/users/:id/delete (works without JavaScript).
 */
import type { AdminUser, DeletionPreview } from "../lib/admin/mod.ts";
import type { User } from "../lib/accounts/mod.ts";
import { card, dangerSolid, input, link, muted, secondary } from "./AdminStyles.ts";

const FAILED: Record<string, string> = {
  owns_projects:
    "They own projects with other members: name a member of each to take them over, below.",
  bad_transferTo: "Nobody else has that username. Nothing was deleted.",
  invalid_input: "That username will not do. Nothing was deleted.",
  own_account: "You cannot delete your own account here.",
  not_found: "That account no longer exists.",
};

export function AdminDelete(
  props: {
    user: AdminUser;
    preview: DeletionPreview;
    /** The other members of the shared projects (to pick who takes them over). */
    members: User[];
    failed?: string;
  },
) {
  const { user, preview } = props;
  const failed = props.failed ? FAILED[props.failed] : undefined;
  const action = `/api/admin/users/${encodeURIComponent(user.id)}/delete`;
  return (
    <main class="mx-auto max-w-2xl px-4 py-8">
      <p class="mb-4">
        <a href="/admin#people" class={`text-sm ${link}`}>← Back to Site admin</a>
      </p>
      <div class={card}>
        <h1 class="text-xl font-bold tracking-tight">
          Delete {user.displayName} <span class={`font-normal ${muted}`}>(@{user.username})</span>?
        </h1>
        {failed && (
          <p
            role="alert"
            class="mt-3 rounded-lg bg-red-50 dark:bg-red-950 px-4 py-2 text-sm text-red-800 dark:text-red-200 ring-1 ring-red-200 dark:ring-red-900"
          >
            {failed}
          </p>
        )}
        <ul class={`mt-3 list-disc space-y-1 pl-5 text-sm ${muted}`}>
          <li>
            They are signed out everywhere at once, and the username becomes free for someone else.
          </li>
          <li>
            Their messages and files stay in the conversations, shown as by “Deleted user”.
          </li>
          <li>They leave every conversation and project.</li>
          {preview.deleted.length > 0 && (
            <li>
              Projects only they are in are deleted, with their files:{" "}
              <span class="font-medium text-slate-900 dark:text-slate-100">
                {preview.deleted.join(", ")}
              </span>.
            </li>
          )}
        </ul>
        <p class="mt-3 text-sm font-medium">This cannot be undone.</p>
        <form method="post" action={action} class="mt-4 space-y-4">
          {preview.shared.length > 0 && (
            <div>
              <label class="block text-sm font-medium">
                Who takes over {preview.shared.map((p) => p.name).join(", ")}
                <input
                  class={`${input} mt-1 max-w-xs`}
                  name="transferTo"
                  required
                  list="transfer-members"
                  placeholder="username"
                  autocomplete="off"
                />
              </label>
              <datalist id="transfer-members">
                {props.members.map((m) => <option key={m.id} value={m.username} />)}
              </datalist>
              <p class={`mt-1 text-xs ${muted}`}>
                A member of {preview.shared.length > 1 ? "each of these projects" : "the project"}
                {" "}
                becomes its owner
                {props.members.length > 0 &&
                  `: ${props.members.map((m) => `@${m.username}`).join(", ")}`}.
              </p>
            </div>
          )}
          <div class="flex flex-wrap gap-2">
            <button type="submit" class={dangerSolid}>
              Delete the account
            </button>
            <a href="/admin#people" class={secondary}>Cancel</a>
          </div>
        </form>
      </div>
    </main>
  );
}
