/**
 * The People section of /admin: search, a page of accounts with their state, and for each
 * the admin's buttons (plain forms to /api/admin/users/…: they work without JavaScript and
 * come back to /admin with a notice). Deleting goes through a confirmation page first.
 */
import type { ComponentChildren } from "preact";
import type { AdminUser } from "../lib/admin/mod.ts";
import type { User } from "../lib/accounts/mod.ts";
import { Avatar } from "./people.tsx";
import { card, danger, input, link, muted, primary, secondary } from "./AdminStyles.ts";

function day(iso: string): string {
  return iso.slice(0, 10);
}

function minute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function Badge(props: { tone: "admin" | "off" | "you" | "bot"; children: ComponentChildren }) {
  const tones = {
    admin: "bg-indigo-100 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-200",
    off: "bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-200",
    you: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200",
    bot: "bg-slate-200 text-slate-800 dark:bg-slate-700 dark:text-slate-100",
  };
  return (
    <span class={`rounded-full px-2 py-0.5 text-xs font-semibold ${tones[props.tone]}`}>
      {props.children}
    </span>
  );
}

/** One button in its own form, posting `field=value` to the account's PATCH twin. */
function Toggle(
  props: { user: AdminUser; field: "isAdmin" | "disabled"; value: boolean; label: string },
) {
  const { user } = props;
  const look = props.field === "disabled" && props.value ? danger : secondary;
  return (
    <form method="post" action={`/api/admin/users/${encodeURIComponent(user.id)}`}>
      <input type="hidden" name={props.field} value={String(props.value)} />
      <button
        type="submit"
        class={look}
        aria-label={`${props.label}: ${user.displayName} (@${user.username})`}
      >
        {props.label}
      </button>
    </form>
  );
}

function PersonRow(props: { user: AdminUser; me: User; soleAdmin: boolean }) {
  const { user, me } = props;
  const self = user.id === me.id;
  return (
    <li class="flex flex-col gap-3 py-4 sm:flex-row sm:items-center">
      <div class="flex min-w-0 flex-1 items-center gap-3">
        <Avatar user={user} />
        <div class="min-w-0">
          <p class="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm">
            <span class="font-medium">{user.displayName}</span>
            <span class={muted}>@{user.username}</span>
            {user.isAdmin && <Badge tone="admin">Admin</Badge>}
            {user.disabled && <Badge tone="off">Disabled</Badge>}
            {user.isBot && <Badge tone="bot">Bot</Badge>}
            {self && <Badge tone="you">You</Badge>}
          </p>
          <p class={`mt-0.5 text-xs ${muted}`}>
            Joined {day(user.createdAt)} ·{" "}
            {user.lastSeenAt ? `last active ${minute(user.lastSeenAt)}` : "not signed in now"}
          </p>
        </div>
      </div>
      <div class="flex flex-wrap gap-2 pl-12 sm:justify-end sm:pl-0">
        {user.isAdmin
          ? !(self && props.soleAdmin) &&
            <Toggle user={user} field="isAdmin" value={false} label="Remove admin" />
          : !user.disabled &&
            <Toggle user={user} field="isAdmin" value label="Make admin" />}
        {!self && (user.disabled
          ? <Toggle user={user} field="disabled" value={false} label="Enable" />
          : <Toggle user={user} field="disabled" value label="Disable" />)}
        {!self && (
          <a
            href={`/admin/users/${encodeURIComponent(user.id)}/delete`}
            class={danger}
            aria-label={`Delete ${user.displayName} (@${user.username})…`}
          >
            Delete…
          </a>
        )}
      </div>
    </li>
  );
}

/** Links to the next page (and back to the first), keeping the search. */
function Paging(props: { search: string; cursor?: string; nextCursor: string | null }) {
  const href = (cursor?: string) => {
    const q = new URLSearchParams();
    if (props.search) q.set("search", props.search);
    if (cursor) q.set("cursor", cursor);
    const query = q.toString();
    return `/admin${query ? `?${query}` : ""}#people`;
  };
  if (!props.cursor && !props.nextCursor) return null;
  return (
    <nav class="mt-3 flex justify-between text-sm" aria-label="Pages of people">
      {props.cursor ? <a class={link} href={href()}>← First page</a> : <span />}
      {props.nextCursor && <a class={link} href={href(props.nextCursor)}>Next page →</a>}
    </nav>
  );
}

function AddPerson() {
  return (
    <details class="mt-4 rounded-lg ring-1 ring-slate-200 dark:ring-slate-700">
      <summary class="cursor-pointer px-4 py-2 text-sm font-semibold">Create an account</summary>
      <form method="post" action="/api/admin/users" class="grid gap-3 px-4 pb-4 sm:grid-cols-3">
        <label class="block text-sm font-medium">
          Username
          <input
            class={`${input} mt-1`}
            name="username"
            required
            minLength={3}
            maxLength={32}
            autocomplete="off"
          />
        </label>
        <label class="block text-sm font-medium">
          Display name <span class={`font-normal ${muted}`}>(optional)</span>
          <input class={`${input} mt-1`} name="displayName" maxLength={64} autocomplete="off" />
        </label>
        <label class="block text-sm font-medium">
          Password
          <input
            class={`${input} mt-1`}
            type="password"
            name="password"
            required
            minLength={8}
            maxLength={256}
            autocomplete="new-password"
          />
        </label>
        <p class={`text-xs sm:col-span-2 ${muted}`}>
          Tell them their username and password; they can change the password on their account page.
        </p>
        <div class="sm:text-right">
          <button type="submit" class={primary}>Create account</button>
        </div>
      </form>
    </details>
  );
}

export function AdminPeople(
  props: {
    me: User;
    users: AdminUser[];
    search: string;
    cursor?: string;
    nextCursor: string | null;
    soleAdmin: boolean;
    notice?: ComponentChildren;
  },
) {
  return (
    <section id="people" class={`mt-6 ${card}`} aria-labelledby="people-title">
      <h2 id="people-title" class="text-lg font-semibold">People</h2>
      {props.notice}
      <form method="get" action="/admin#people" class="mt-3 flex gap-2" role="search">
        <label for="people-search" class="sr-only">Search people</label>
        <input
          id="people-search"
          class={`${input} flex-1`}
          type="search"
          name="search"
          value={props.search}
          placeholder="Name or username"
          maxLength={100}
        />
        <button type="submit" class={secondary}>Search</button>
      </form>
      {props.search && (
        <p class={`mt-2 text-sm ${muted}`}>
          Showing people matching “{props.search}”.{" "}
          <a class={link} href="/admin#people">Show everyone</a>
        </p>
      )}
      {props.users.length === 0
        ? <p class={`mt-4 text-sm ${muted}`}>Nobody matches.</p>
        : (
          <ul class="mt-2 divide-y divide-slate-100 dark:divide-slate-800" aria-label="People">
            {props.users.map((u) => (
              <PersonRow key={u.id} user={u} me={props.me} soleAdmin={props.soleAdmin} />
            ))}
          </ul>
        )}
      <Paging search={props.search} cursor={props.cursor} nextCursor={props.nextCursor} />
      <AddPerson />
    </section>
  );
}
