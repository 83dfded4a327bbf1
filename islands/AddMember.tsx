import { useSignal } from "@preact/signals";
import type { JSX } from "preact";
import { useRef } from "preact/hooks";
import type { User } from "../lib/shared/user.ts";
import { Avatar } from "../components/people.tsx";

export type AddMemberProps = {
  /** A project's member form (a username and a role)… */
  projectId?: string;
  /** …or a group's or channel's (POST /api/conversations/:id/members, no role). */
  conversationId?: string;
  /** What went wrong with the last try (a form post without JavaScript), said by the field. */
  error: string | null;
  /** What was typed then. */
  value: string;
};

const FIELD =
  "block rounded-lg border px-2 py-1.5 text-sm bg-white text-slate-900 dark:bg-slate-800 dark:text-slate-100";

/**
 * A project's "add a person" form: a username (`carol` or `@carol`) and a role. Typing
 * offers the same people search as "New conversation" (name or username); a name nobody has,
 * or any other refusal, is said under the field. Without JavaScript the same form posts and
 * the page comes back with the error by the field (routes/api/projects.ts). A group or
 * channel (`conversationId`) has the same form without the role; a refusal without
 * JavaScript comes back as the page's notice (`?error=`).
 */
export default function AddMember(props: AddMemberProps) {
  const value = useSignal(props.value);
  const error = useSignal<string | null>(props.error);
  const results = useSignal<User[]>([]);
  const busy = useSignal(false);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const role = useRef<HTMLSelectElement>(null);
  const project = props.projectId !== undefined;
  const action = project
    ? `/api/projects/${props.projectId}/members`
    : `/api/conversations/${props.conversationId}/members`;

  function type(text: string) {
    value.value = text;
    error.value = null;
    clearTimeout(timer.current);
    const search = text.trim().replace(/^@/, "");
    if (!search) {
      results.value = [];
      return;
    }
    timer.current = setTimeout(async () => {
      const res = await fetch(`/api/conversations/users?search=${encodeURIComponent(search)}`)
        .catch(() => null);
      if (res?.ok && value.peek() === text) results.value = (await res.json()).users;
    }, 150);
  }

  function pick(user: User) {
    value.value = `@${user.username}`;
    results.value = [];
    error.value = null;
  }

  async function submit(event: JSX.TargetedEvent<HTMLFormElement>) {
    event.preventDefault();
    clearTimeout(timer.current);
    results.value = [];
    busy.value = true;
    const body = project
      ? { username: value.value, role: role.current?.value ?? "member" }
      : { usernames: [value.value.trim().replace(/^@/, "")] };
    const res = await fetch(action, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).catch(() => null);
    if (res?.ok) {
      location.reload();
      return;
    }
    busy.value = false;
    const answer = await res?.json().catch(() => null);
    const fields = answer?.error?.fields;
    error.value = fields?.username ?? fields?.usernames ?? answer?.error?.message ??
      "Could not add them. Check your connection and try again.";
  }

  const invalid = error.value !== null;
  return (
    <form
      id="add-member"
      method="post"
      action={action}
      onSubmit={submit}
      class="space-y-1 pt-2"
    >
      <label
        for="member-username"
        class="block text-sm font-medium text-slate-700 dark:text-slate-300"
      >
        {project ? "Add a person" : "Add people"}
      </label>
      <div class="flex gap-2">
        <input
          id="member-username"
          name={project ? "username" : "usernames"}
          required
          autocomplete="off"
          placeholder="Name or @username"
          value={value.value}
          onInput={(e) => type(e.currentTarget.value)}
          aria-invalid={invalid}
          aria-describedby={invalid ? "member-username-error" : undefined}
          aria-controls="member-suggestions"
          class={`${FIELD} min-w-0 flex-1 ${
            invalid
              ? "border-red-500 dark:border-red-400"
              : "border-slate-300 dark:border-slate-600"
          }`}
        />
        {project && (
          <>
            <label for="member-role" class="sr-only">Role</label>
            <select
              id="member-role"
              name="role"
              ref={role}
              class={`${FIELD} shrink-0 border-slate-300 dark:border-slate-600`}
            >
              <option value="member">member</option>
              <option value="admin">admin</option>
            </select>
          </>
        )}
        <button
          type="submit"
          disabled={busy.value}
          class="rounded-lg bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
        >
          Add
        </button>
      </div>
      {invalid && (
        <p id="member-username-error" role="alert" class="text-sm text-red-700 dark:text-red-400">
          {error.value}
        </p>
      )}
      <ul id="member-suggestions" aria-label="People" class="max-h-60 space-y-1 overflow-y-auto">
        {results.value.map((u) => (
          <li key={u.id}>
            <button
              type="button"
              onClick={() => pick(u)}
              class="flex w-full items-center gap-3 rounded-lg px-2 py-1.5 text-left hover:bg-slate-50 dark:hover:bg-slate-800"
            >
              <Avatar user={u} size="sm" />
              <span class="min-w-0 truncate text-sm font-medium">{u.displayName}</span>
              <span class="text-xs text-slate-600 dark:text-slate-400">@{u.username}</span>
            </button>
          </li>
        ))}
      </ul>
    </form>
  );
}
