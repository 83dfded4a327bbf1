/**
 * The site admin's view of the people on the site (GET/PATCH/DELETE /api/admin/users and the
 * /admin page): a page of accounts with their state, and the changes an admin may make, with
 * the rules that keep the site administrable (someone must stay admin; nobody locks
 * themself out from here).
 */
import {
  type Account,
  getAccountByUsername,
  getUsersByIds,
  listAccounts,
  listSessions,
  type User,
} from "../accounts/mod.ts";
import { listMemberIds, listProjectsForUser } from "../projects/mod.ts";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import {
  deleteAccount,
  type DeletionReport,
  disableAccount,
  enableAccount,
  OwnsProjectsError,
  setSiteAdmin,
} from "./accounts.ts";

/** An account as the admin API shows it. */
export type AdminUser = User & {
  isAdmin: boolean;
  disabled: boolean;
  createdAt: string;
  /** When one of its sessions was last used (to the few minutes sessions note it), or null. */
  lastSeenAt: string | null;
};

export const PEOPLE_PAGE_SIZE = 50;

/** True when `user` (the signed-in one) holds the site-admin role. */
export async function isSiteAdmin(kv: Deno.Kv, user: User): Promise<boolean> {
  if (user.isAdmin !== undefined) return user.isAdmin;
  // A session user from before `isAdmin` was on every User: the account record says.
  return (await getAccountByUsername(kv, user.username))?.siteAdmin ?? false;
}

/** Throws ForbiddenError("forbidden") unless `user` is a site admin. */
export async function requireSiteAdmin(kv: Deno.Kv, user: User): Promise<void> {
  if (!(await isSiteAdmin(kv, user))) {
    throw new ForbiddenError("Only a site admin may do that.", "forbidden");
  }
}

/** The account with this id. Throws NotFoundError. */
export async function accountById(kv: Deno.Kv, userId: string): Promise<Account> {
  // Ids come from URLs: one no account could have names none (and keeps keys short).
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(userId)) throw new NotFoundError("There is no such account.");
  const [user] = await getUsersByIds(kv, [userId]);
  const account = user && await getAccountByUsername(kv, user.username);
  if (!account || account.id !== userId) throw new NotFoundError("There is no such account.");
  return account;
}

/** The admin API's shape of an account (lastSeenAt from its most recently used session). */
export async function adminView(kv: Deno.Kv, account: Account): Promise<AdminUser> {
  const { createdAt, siteAdmin, disabledAt, hasPassword: _, ...user } = account;
  const sessions = disabledAt ? [] : await listSessions(kv, account.id);
  return {
    ...user,
    isAdmin: siteAdmin,
    disabled: disabledAt !== null,
    createdAt,
    lastSeenAt: sessions[0]?.lastSeenAt ?? null,
  };
}

/**
 * A page of accounts in creation order, those whose username or display name contains
 * `search` (case-insensitive) when given, after the account `cursor` names. Scans the
 * accounts (as searchUsers does): fine for a team's few thousand.
 */
export async function listPeople(
  kv: Deno.Kv,
  options: { search?: string; cursor?: string; limit?: number } = {},
): Promise<{ users: AdminUser[]; nextCursor: string | null }> {
  const limit = options.limit ?? PEOPLE_PAGE_SIZE;
  const needle = (options.search ?? "").trim().toLowerCase();
  const matching = (await listAccounts(kv)).filter((a) =>
    (!options.cursor || a.id > options.cursor) &&
    (!needle || a.username.includes(needle) || a.displayName.toLowerCase().includes(needle))
  );
  const shown = matching.slice(0, limit);
  return {
    users: await Promise.all(shown.map((a) => adminView(kv, a))),
    nextCursor: matching.length > limit ? shown[shown.length - 1].id : null,
  };
}

/** Site admins whose accounts are not disabled. */
export async function activeAdminIds(kv: Deno.Kv): Promise<string[]> {
  return (await listAccounts(kv)).filter((a) => a.siteAdmin && !a.disabledAt).map((a) => a.id);
}

const OWN_ACCOUNT =
  "You cannot do that to your own account here. Another site admin can, or use `deno task admin`.";

/**
 * An admin's change to an account: the admin role, the disabled state (disabling ends its
 * sessions and sockets at once). The last active admin cannot give up the role (409
 * last_admin); nobody disables their own account here (409 own_account).
 */
export async function changeAccount(
  kv: Deno.Kv,
  actor: User,
  userId: string,
  change: { isAdmin?: boolean; disabled?: boolean },
): Promise<AdminUser> {
  let account = await accountById(kv, userId);
  const self = account.id === actor.id;
  if (self && change.disabled === true) throw new ConflictError(OWN_ACCOUNT, "own_account");
  if (change.isAdmin === false && account.siteAdmin) {
    const others = (await activeAdminIds(kv)).filter((id) => id !== account.id);
    if (others.length === 0) {
      throw new ConflictError(
        self
          ? "You are the only site admin: make someone else admin before giving up the role."
          : "This is the only active site admin.",
        "last_admin",
      );
    }
  }
  const activeAdmin = (a: Account) => a.siteAdmin && !a.disabledAt;
  const wasActiveAdmin = activeAdmin(account);
  if (change.isAdmin !== undefined && change.isAdmin !== account.siteAdmin) {
    account = await setSiteAdmin(kv, account.id, change.isAdmin);
  }
  if (change.disabled === true && !account.disabledAt) {
    account = await disableAccount(kv, account.id);
  } else if (change.disabled === false && account.disabledAt) {
    account = await enableAccount(kv, account.id);
  }
  // Two admins taking the role from each other (or themselves) at the same moment each saw
  // the other still there. Whoever finds nobody left after its own change puts it back: the
  // last to look always sees both changes, so one admin stays whatever the interleaving.
  if (wasActiveAdmin && !activeAdmin(account) && (await activeAdminIds(kv)).length === 0) {
    if (!account.siteAdmin) await setSiteAdmin(kv, account.id, true);
    if (account.disabledAt) await enableAccount(kv, account.id);
    throw new ConflictError("That would leave the site without an active admin.", "last_admin");
  }
  return await adminView(kv, account);
}

/**
 * Deletes an account as `deno task admin delete` does (lib/admin/accounts.ts), refusing the
 * admin's own (409 own_account). Projects it owns with other members go to `transferTo` (a
 * username, a member of each); without one the deletion is refused before anything changes
 * (409 owns_projects, naming the projects).
 */
export async function deleteAccountAsAdmin(
  kv: Deno.Kv,
  actor: User,
  userId: string,
  options: { transferTo?: string } = {},
): Promise<DeletionReport> {
  const account = await accountById(kv, userId);
  if (account.id === actor.id) throw new ConflictError(OWN_ACCOUNT, "own_account");
  let transferTo: Account | undefined;
  if (options.transferTo) {
    const found = await getAccountByUsername(kv, options.transferTo);
    if (!found || found.id === account.id) {
      const message = `Nobody else is called @${options.transferTo}.`;
      throw new ValidationError(message, { transferTo: message });
    }
    transferTo = found;
  }
  try {
    return await deleteAccount(kv, account.id, { transferTo });
  } catch (err) {
    if (!(err instanceof OwnsProjectsError)) throw err;
    throw new OwnsProjectsError(err.projects, {
      message: `@${account.username} owns projects that have other members: ${
        err.projects.join(", ")
      }. Name a member of each to hand them to (transferTo), then delete the account.`,
    });
  }
}

/** What deleting an account would do to the projects it owns (the confirmation page says). */
export type DeletionPreview = {
  /** Owned with nobody else: deleted with everything in them. */
  deleted: string[];
  /** Owned with other members: handed to one of them (`others`: their user ids). */
  shared: { name: string; others: string[] }[];
};

export async function deletionPreview(kv: Deno.Kv, userId: string): Promise<DeletionPreview> {
  const owned = (await listProjectsForUser(kv, userId)).filter((p) => p.role === "owner");
  const preview: DeletionPreview = { deleted: [], shared: [] };
  for (const p of owned) {
    const others = (await listMemberIds(kv, p.id)).filter((id) => id !== userId);
    if (others.length) preview.shared.push({ name: p.name, others });
    else preview.deleted.push(p.name);
  }
  return preview;
}
