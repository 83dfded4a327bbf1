import { Avatar, BotBadge } from "./people.tsx";
import type { Member, Project } from "../lib/projects/mod.ts";
import type { User } from "../lib/shared/user.ts";
import AddMember from "../islands/AddMember.tsx";
import MemberPresence from "../islands/MemberPresence.tsx";
import { MemberDot } from "../islands/list/marks.tsx";
import { island } from "../lib/web/mod.ts";

const AddMemberIsland = island("AddMember", AddMember);
const MemberPresenceIsland = island("MemberPresence", MemberPresence);

/** The code a form post gets back for a username nobody has (others are the error's code). */
export const UNKNOWN_USER = "unknown_user";

/** A failed try at adding someone, as the project page's address carries it. */
export type AddMemberError = { code: string; username: string };

/**
 * Where a failed "add a person" form post goes (no JavaScript): the project page, with the
 * error's code and what was typed, for the form to say by its field.
 */
export function addMemberErrorPath(projectId: string, code: string, typed: string): string {
  const query = new URLSearchParams({ add_error: code, add: typed.slice(0, 64) });
  return `/projects/${projectId}?${query}#add-member`;
}

/**
 * What the form says for an error code. The typed name is shown only when it looks like a
 * username, so a crafted link cannot make the page say anything else.
 */
export function addMemberErrorText(error: AddMemberError): string {
  const name = error.username.trim().replace(/^@/, "");
  const who = /^[a-z0-9_.-]{1,32}$/i.test(name) ? `@${name.toLowerCase()}` : null;
  switch (error.code) {
    case UNKNOWN_USER:
      return who ? `Nobody is called ${who}.` : "Nobody has that username.";
    case "already_member":
      return `${who ?? "They"} ${who ? "is" : "are"} already a member.`;
    case "blocked":
      return `${who ?? "They"} ${who ? "does" : "do"} not take conversations from you.`;
    case "rate_limited":
      return "You have added many people just now. Please wait a while and try again.";
    case "invalid_input":
      return "Enter a username, like @carol: letters, digits, '_', '.' or '-'.";
    case "forbidden":
      return "Only the project's owner and admins add people.";
    default:
      return "That did not work. Please try again.";
  }
}

const ROLE_BADGE = {
  owner: "bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-100",
  admin: "bg-indigo-100 text-indigo-800",
  member: "bg-slate-100 dark:bg-slate-800 text-slate-600 dark:text-slate-400",
} as const;

/** Members with their roles; owners and admins get the add form and remove buttons. */
export function MemberList(
  props: { project: Project; members: Member[]; me: User; addError?: AddMemberError | null },
) {
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
            <span class="relative shrink-0">
              <Avatar user={m.user} size="sm" />
              <MemberDot userId={m.user.id} />
            </span>
            <span class="min-w-0 flex-1 truncate text-sm">
              <bdi>{m.user.displayName}</bdi> {m.user.isBot && <>{<BotBadge />}{" "}</>}
              <span class="text-xs text-slate-500 dark:text-slate-400">@{m.user.username}</span>
            </span>
            <span class={`rounded-full px-2 py-0.5 text-[11px] font-medium ${ROLE_BADGE[m.role]}`}>
              {m.role}
            </span>
            {mayRemove(m) && (
              <form
                method="post"
                action={`/api/projects/${project.id}/members/${m.user.id}/remove`}
                data-member-only
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
      <MemberPresenceIsland userIds={props.members.map((m) => m.user.id)} />
      {manager && (
        <div data-member-only>
          <AddMemberIsland
            projectId={project.id}
            error={props.addError ? addMemberErrorText(props.addError) : null}
            value={props.addError?.username ?? ""}
          />
        </div>
      )}
    </section>
  );
}
