/**
 * What a site administrator does to accounts (`deno task admin`): create, reset a password,
 * grant or revoke the site-admin role, disable, enable, delete. Ending an account's access
 * also publishes an account event, so every running hub closes its sockets within about a
 * second, even in another process (lib/accounts/events.ts).
 */
import {
  type Account,
  createUser,
  deleteBot,
  deleteUserRecord,
  getAccountByUsername,
  listBots,
  publishAccountEvent,
  removeEmail,
  revokeAllSessions,
  revokeAllTokens,
  setPassword,
  unlinkAllIdentities,
  updateAccountFlags,
} from "../accounts/mod.ts";
import { leaveAllConversations } from "../conversations/mod.ts";
import { deleteAllDrafts, deleteAllSaved } from "../messages/mod.ts";
import { deleteAllNotifySettings, deleteAllPushSubscriptions } from "../notify/mod.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { deletePrefix, missedPrefix } from "../storage/mod.ts";
import {
  deleteProject,
  getProjectForUser,
  listMemberIds,
  listProjectsForUser,
  removeProjectMember,
  transferOwnership,
} from "../projects/mod.ts";

/** The account with this username. Throws NotFoundError. */
export async function requireAccount(kv: Deno.Kv, username: string): Promise<Account> {
  const account = await getAccountByUsername(kv, username);
  if (!account) throw new NotFoundError(`There is no account named "${username}".`);
  return account;
}

/**
 * Creates an account (ConflictError "username_taken"), a site admin when asked (the store's
 * first account is one anyway: lib/accounts/founding.ts).
 */
export async function createAccount(
  kv: Deno.Kv,
  input: { username: string; password: string; displayName?: string; siteAdmin?: boolean },
): Promise<Account> {
  const user = await createUser(kv, input);
  const siteAdmin = (input.siteAdmin ?? false) || (user.isAdmin ?? false);
  return await updateAccountFlags(kv, user.id, { siteAdmin });
}

/** Sets a new password and signs the account out everywhere (its sockets too). */
export async function resetPassword(kv: Deno.Kv, userId: string, password: string) {
  await setPassword(kv, userId, password);
  await endAccess(kv, userId);
}

/** Grants or revokes the site-admin role. */
export async function setSiteAdmin(kv: Deno.Kv, userId: string, on: boolean): Promise<Account> {
  return await updateAccountFlags(kv, userId, { siteAdmin: on });
}

/**
 * Disables an account: it can no longer sign in (403 account_disabled), its sessions are
 * deleted and its sockets end at once.
 */
export async function disableAccount(kv: Deno.Kv, userId: string): Promise<Account> {
  const account = await updateAccountFlags(kv, userId, { disabled: true });
  await endAccess(kv, userId);
  return account;
}

/** Lets a disabled account sign in again. */
export async function enableAccount(kv: Deno.Kv, userId: string): Promise<Account> {
  return await updateAccountFlags(kv, userId, { disabled: false });
}

async function endAccess(kv: Deno.Kv, userId: string): Promise<void> {
  await revokeAllSessions(kv, userId);
  await publishAccountEvent(kv, userId);
}

/** The refusal to delete an account that owns projects with other members (409 owns_projects). */
export class OwnsProjectsError extends ConflictError {
  constructor(readonly projects: string[], options: { message?: string } = {}) {
    super(
      options.message ?? `The account owns projects with other members: ${projects.join(", ")}. ` +
          "Name a member of each to hand them to (--transfer-to).",
      "owns_projects",
    );
  }
}

/** What deleting an account did. */
export type DeletionReport = {
  conversationsLeft: number;
  projectsLeft: number;
  projectsDeleted: number;
  projectsTransferred: number;
};

/**
 * Deletes an account. Its personal data goes: the user record (the username is free again),
 * sessions, linked identities, read marks, conversation and project memberships. Its messages
 * and files stay, shown as by "Deleted user" (the history of the others stays whole).
 * Projects it owns: one with no other member is deleted with everything in it; one with
 * other members is handed to `transferTo` (a member; the owner role), else the deletion is
 * refused (OwnsProjectsError, 409 "owns_projects") before anything is changed.
 */
export async function deleteAccount(
  kv: Deno.Kv,
  userId: string,
  options: { transferTo?: Account } = {},
): Promise<DeletionReport> {
  const projects = await listProjectsForUser(kv, userId);
  const owned = projects.filter((p) => p.role === "owner");
  const shared: string[] = [];
  const stuck: string[] = [];
  for (const p of owned) {
    const others = (await listMemberIds(kv, p.id)).filter((id) => id !== userId);
    if (others.length === 0) continue;
    shared.push(p.id);
    if (!options.transferTo || !others.includes(options.transferTo.id)) stuck.push(p.name);
  }
  if (stuck.length) throw new OwnsProjectsError(stuck);
  // From here on the account cannot sign in, and its open sockets close.
  await disableAccount(kv, userId);
  const report: DeletionReport = {
    conversationsLeft: 0,
    projectsLeft: 0,
    projectsDeleted: 0,
    projectsTransferred: 0,
  };
  for (const p of projects) {
    if (p.role === "owner" && !shared.includes(p.id)) {
      await deleteProject(kv, p.id);
      report.projectsDeleted++;
      continue;
    }
    if (p.role === "owner") {
      await transferOwnership(kv, p.id, { fromUserId: userId, toUserId: options.transferTo!.id });
      report.projectsTransferred++;
    }
    const project = await getProjectForUser(kv, p.id, userId);
    await removeProjectMember(kv, project, { actorId: userId, userId });
    report.projectsLeft++;
  }
  report.conversationsLeft = (await leaveAllConversations(kv, userId)).length;
  await deleteAllSaved(kv, userId);
  await deleteAllDrafts(kv, userId);
  await removeEmail(kv, userId);
  await deleteAllPushSubscriptions(kv, userId);
  await deleteAllNotifySettings(kv, userId);
  await deletePrefix(kv, missedPrefix(userId));
  await unlinkAllIdentities(kv, userId);
  // Programs lose their way in: the person's tokens, and the bots they own (disabled, their
  // messages kept, like the person's).
  await revokeAllTokens(kv, userId);
  const self = { id: userId, username: "", displayName: "" };
  for (const bot of await listBots(kv, userId)) await deleteBot(kv, self, bot.id);
  await revokeAllSessions(kv, userId); // any that raced with the disabling
  if (!(await deleteUserRecord(kv, userId))) {
    throw new ConflictError("The account changed meanwhile. Run the deletion again.");
  }
  return report;
}
