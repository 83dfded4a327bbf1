import { Avatar } from "./people.tsx";
import type { Member, Project } from "../lib/projects/mod.ts";
import type { User } from "../lib/shared/user.ts";

const ROLE_BADGE = {
  owner: "bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-100",
  admin: "bg-indigo-100 text-indigo-800",
  member: "bg-slate-100 dark:bg-slate-800 text-slate-600 dark:text-slate-400",
} as const;

/** Members with their roles; owners and admins get the add form and remove buttons. */
export function MemberList(props: { project: Project; members: Member[]; me: User }) {
  const { project, me } = props;
  const manager = project.role === "owner" || project.role === "admin";
  const mayRemove = (m: Member) =>
    m.role !== "owner" &&
    (m.user.id === me.id || (manager && (m.role !== "admin" || project.role === "owner")));
  return (
    <section aria-labelledby="members-title" class="space-y-3">
      <h2
        id="members-title"
        class="text-sm font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400"
      >
        Members ({props.members.length})
      </h2>
      <ul class="space-y-1" aria-label="Members">
        {props.members.map((m) => (
          <li key={m.user.id} class="flex items-center gap-2">
            <Avatar user={m.user} size="sm" />
            <span class="min-w-0 flex-1 truncate text-sm">
              <bdi>{m.user.displayName}</bdi>{" "}
              <span class="text-xs text-slate-500 dark:text-slate-400">@{m.user.username}</span>
            </span>
            <span class={`rounded-full px-2 py-0.5 text-[11px] font-medium ${ROLE_BADGE[m.role]}`}>
              {m.role}
            </span>
            {mayRemove(m) && (
              <form
                method="post"
                action={`/api/projects/${project.id}/members/${m.user.id}/remove`}
              >
                <button
                  type="submit"
                  class="rounded px-1.5 py-0.5 text-xs text-slate-600 dark:text-slate-400 hover:bg-red-50 hover:text-red-700"
                  aria-label={m.user.id === me.id
                    ? "Leave project"
                    : `Remove ${m.user.displayName}`}
                >
                  {m.user.id === me.id ? "Leave" : "Remove"}
                </button>
              </form>
            )}
          </li>
        ))}
      </ul>
      {manager && (
        <form method="post" action={`/api/projects/${project.id}/members`} class="flex gap-2">
          <label for="member-username" class="sr-only">Username to add</label>
          <input
            id="member-username"
            name="username"
            required
            placeholder="username"
            class="min-w-0 flex-1 rounded-lg border border-slate-300 dark:border-slate-600 px-2 py-1.5 text-sm"
          />
          <label for="member-role" class="sr-only">Role</label>
          <select
            id="member-role"
            name="role"
            class="rounded-lg border border-slate-300 dark:border-slate-600 px-2 py-1.5 text-sm"
          >
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
          <button
            type="submit"
            class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500"
          >
            Add
          </button>
        </form>
      )}
    </section>
  );
}
