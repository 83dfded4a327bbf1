import { z } from "zod";
import { isTooGuessable } from "./password_strength.ts";
import { ulid } from "ulid";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import type { User } from "../shared/user.ts";
import { cleanName } from "../shared/names.ts";
import { shownDisplayName } from "./shown_names.ts";
import { hashPassword, type PasswordHash } from "./passwords.ts";
import { type Admission, foundingState, markFounded } from "./founding.ts";
import {
  commitRetryingLocks,
  commitWithRetry,
  getManyChunked,
  profilesRevKey,
  userKey,
  usernameKey,
  usersPrefix,
} from "../storage/mod.ts";

export const usernameSchema = z.string().trim().toLowerCase().min(3, "Use at least 3 characters.")
  .max(32, "Use at most 32 characters.").regex(
    /^[a-z0-9_.-]+$/,
    "Use only letters, digits, '_', '.' and '-'.",
  );
export const passwordSchema = z.string().min(8, "Use at least 8 characters.").max(
  256,
  "Use at most 256 characters.",
).refine(
  (password) => !isTooGuessable(password),
  "That password is one of the most common ones, or too easy to guess. Try a few unrelated words.",
);
/** Cleaned first (no control, bidi or zero-width characters): a name of only those is empty. */
export const displayNameSchema = z.string().transform(cleanName).pipe(
  z.string().min(1, "Enter a display name.").max(64, "Use at most 64 characters."),
);

/** What anyone may see of a user (the browser's type too). */
export type { User };

/**
 * Moves profilesRevKey in `op` (a sum: no conflict). Every commit that changes what others see
 * of an existing account must use it (a deletion, the site-admin role; a rename, when one
 * exists): caches of rendered authors trust their names until that key moves.
 */
export function withProfilesMoved(op: Deno.AtomicOperation): Deno.AtomicOperation {
  return op.sum(profilesRevKey(), 1n);
}

type UserRecord = User & {
  password: PasswordHash | null;
  createdAt: string;
  /** May administer the site (`deno task admin grant-admin`); absent on older records. */
  siteAdmin?: boolean;
  /** When an administrator disabled the account (it cannot sign in); absent or null: active. */
  disabledAt?: string | null;
  /** An integration's account (no password, token sign-in only). */
  isBot?: boolean;
  /** A bot's owner: the person who made it (or the webhook it speaks for, below). */
  ownerId?: string;
  /** A webhook's bot: the incoming or outgoing webhook it posts as (lib/integrations). */
  webhookId?: string;
  /** Who created the invite this account joined with. */
  invitedBy?: string;
};

/** What an administrator sees of an account. */
export type Account = User & {
  createdAt: string;
  siteAdmin: boolean;
  disabledAt: string | null;
  hasPassword: boolean;
};

/** How a message or file of a deleted account names its author. */
export function deletedUser(id: string): User {
  return { id, username: "deleted", displayName: "Deleted user" };
}

export const ACCOUNT_DISABLED_MESSAGE =
  "This account has been disabled. Ask an administrator of this site to enable it again.";

/** As others see the account: the display name cleaned and marked if it mixes scripts. */
function toPublic(record: UserRecord): User {
  return {
    id: record.id,
    username: record.username,
    displayName: shownDisplayName(record.displayName),
    isAdmin: record.siteAdmin ?? false,
    isBot: record.isBot ?? false,
  };
}

/**
 * Creates an account. The store's first account becomes the site admin; any other must pass
 * `admission` (see founding.ts) when one is given. Throws ConflictError("username_taken")
 * when the name is in use, or the admission's refusal.
 */
export async function createUser(
  kv: Deno.Kv,
  input: { username: string; password: string; displayName?: string },
  options: { admission?: Admission } = {},
): Promise<User> {
  const username = input.username.toLowerCase();
  const record: UserRecord = {
    id: ulid(),
    username,
    displayName: cleanName(input.displayName ?? "") || username,
    password: await hashPassword(input.password),
    createdAt: new Date().toISOString(),
  };
  const user = await insertAccount(kv, record, options);
  if (!user) throw new ConflictError("That username is taken.", "username_taken");
  return user;
}

/**
 * Writes a new account in one commit with its username, the founding (first account: site
 * admin), the admission's writes and `withinCommit`'s. Lost races on the founding or the
 * admission (an invite's last use) are tried again; null when the username is taken or a
 * check of `withinCommit` fails.
 */
async function insertAccount(
  kv: Deno.Kv,
  record: UserRecord,
  options: {
    admission?: Admission;
    withinCommit?: (op: Deno.AtomicOperation, user: User) => Deno.AtomicOperation;
  },
): Promise<User | null> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const founding = await foundingState(kv);
    const first = founding.first;
    let step = null;
    if (!first && options.admission?.refusal) throw options.admission.refusal;
    if (!first && options.admission?.prepare) step = await options.admission.prepare();
    const stored: UserRecord = { ...record };
    if (first) stored.siteAdmin = true;
    if (step?.invitedBy) stored.invitedBy = step.invitedBy;
    const user = toPublic(stored);
    const result = await commitRetryingLocks(() => {
      let op = kv.atomic()
        .check({ key: usernameKey(stored.username), versionstamp: null })
        .set(userKey(stored.id), stored)
        .set(usernameKey(stored.username), stored.id);
      if (first) op = markFounded(op, founding.entry, stored.id);
      if (step) op = step.extend(op);
      return options.withinCommit ? options.withinCommit(op, user) : op;
    });
    if (result.ok) return user;
    if ((await kv.get(usernameKey(stored.username))).value) return null;
    // Someone else founded the site meanwhile, or took an invite's use: decide again.
    const raced = first ? !(await foundingState(kv)).first : step !== null;
    if (!raced) return null;
  }
  return null;
}

/** Replaces a user's password (the caller has verified the current one). */
export async function setPassword(kv: Deno.Kv, userId: string, password: string): Promise<void> {
  const hash = await hashPassword(password);
  await commitWithRetry(async () => {
    const entry = await kv.get<UserRecord>(userKey(userId));
    if (!entry.value) throw new NotFoundError("User not found.");
    const result = await kv.atomic().check(entry).set(userKey(userId), {
      ...entry.value,
      password: hash,
    }).commit();
    return result.ok ? true : null;
  });
}

/**
 * Replaces an old or cheaper hash (needsRehash) with a new one of the same password, which
 * the caller has just verified against `old`. Nothing is written when the stored hash is no
 * longer `old` (the password changed meanwhile).
 */
export async function upgradePasswordHash(
  kv: Deno.Kv,
  userId: string,
  old: PasswordHash,
  password: string,
): Promise<void> {
  const hash = await hashPassword(password);
  await commitWithRetry(async () => {
    const entry = await kv.get<UserRecord>(userKey(userId));
    if (entry.value?.password?.hash !== old.hash) return true;
    const result = await kv.atomic().check(entry).set(userKey(userId), {
      ...entry.value,
      password: hash,
    }).commit();
    return result.ok ? true : null;
  });
}

/** The user with this id, or null. */
export async function getUserById(kv: Deno.Kv, id: string): Promise<User | null> {
  const entry = await kv.get<UserRecord>(userKey(id));
  return entry.value ? toPublic(entry.value) : null;
}

/** Many users by id, in the given order; unknown ids are skipped. */
export async function getUsersByIds(kv: Deno.Kv, ids: string[]): Promise<User[]> {
  const entries = await getManyChunked<UserRecord>(kv, ids.map(userKey));
  return entries.flatMap((e) => e.value ? [toPublic(e.value)] : []);
}

/**
 * The user (with the password hash and whether the account is disabled, for login) by
 * username, case-insensitively, or null.
 */
export async function getUserCredentialsByUsername(
  kv: Deno.Kv,
  username: string,
): Promise<{ user: User; password: PasswordHash | null; disabled: boolean } | null> {
  const idEntry = await kv.get<string>(usernameKey(username));
  if (!idEntry.value) return null;
  const entry = await kv.get<UserRecord>(userKey(idEntry.value));
  if (!entry.value) return null;
  return {
    user: toPublic(entry.value),
    password: entry.value.password,
    disabled: Boolean(entry.value.disabledAt),
  };
}

/** The user with this id unless the account is disabled (or gone): null then. */
export async function getActiveUserById(kv: Deno.Kv, id: string): Promise<User | null> {
  return activeUserOf(await kv.get(userKey(id)));
}

/**
 * For callers that read a user's record in one `getMany` with other keys (one KV round trip
 * instead of two on every signed-in request): the record's key, and what it says.
 */
export const userRecordKey = (id: string): Deno.KvKey => userKey(id);
/** The user a record entry holds (null when there is none). */
export function userOf(entry: Deno.KvEntryMaybe<unknown>): User | null {
  return entry.value ? toPublic(entry.value as UserRecord) : null;
}
/** A bot's facts from its record entry (bots.ts): null when the entry holds no bot. */
export function botOf(entry: Deno.KvEntryMaybe<unknown>) {
  const r = entry.value as UserRecord | null;
  if (!r?.isBot) return null;
  const facts = { ownerId: r.ownerId ?? "", webhookId: r.webhookId ?? null };
  return { user: toPublic(r), createdAt: r.createdAt, disabled: Boolean(r.disabledAt), ...facts };
}
/** As userOf, but null for a disabled account too (see getActiveUserById). */
export function activeUserOf(entry: Deno.KvEntryMaybe<unknown>): User | null {
  return (entry.value as UserRecord | null)?.disabledAt ? null : userOf(entry);
}

/**
 * The user's record entry, for a commit that must not succeed once the account is disabled
 * or deleted (check it). Throws ForbiddenError("account_disabled") or NotFoundError.
 */
export async function requireActiveAccount(
  kv: Deno.Kv,
  userId: string,
): Promise<Deno.KvEntry<unknown>> {
  const entry = await kv.get<UserRecord>(userKey(userId));
  if (!entry.value) throw new NotFoundError("User not found.");
  if (entry.value.disabledAt) {
    throw new ForbiddenError(ACCOUNT_DISABLED_MESSAGE, "account_disabled");
  }
  return entry;
}

/** The account as an administrator sees it, by username, or null. */
export async function getAccountByUsername(
  kv: Deno.Kv,
  username: string,
): Promise<Account | null> {
  const idEntry = await kv.get<string>(usernameKey(username));
  if (!idEntry.value) return null;
  const entry = await kv.get<UserRecord>(userKey(idEntry.value));
  return entry.value ? toAccount(entry.value) : null;
}

/** Every account, in id (creation) order. */
export async function listAccounts(kv: Deno.Kv): Promise<Account[]> {
  const found: Account[] = [];
  for await (const e of kv.list<UserRecord>({ prefix: usersPrefix() }, { batchSize: 500 })) {
    found.push(toAccount(e.value));
  }
  return found;
}

function toAccount(record: UserRecord): Account {
  return {
    ...toPublic(record),
    createdAt: record.createdAt,
    siteAdmin: record.siteAdmin ?? false,
    disabledAt: record.disabledAt ?? null,
    hasPassword: record.password !== null,
  };
}

/** Changes the site-admin role or the disabled state. Throws NotFoundError. */
export async function updateAccountFlags(
  kv: Deno.Kv,
  userId: string,
  change: { siteAdmin?: boolean; disabled?: boolean },
): Promise<Account> {
  return await commitWithRetry(async () => {
    const entry = await kv.get<UserRecord>(userKey(userId));
    if (!entry.value) throw new NotFoundError("User not found.");
    const record: UserRecord = { ...entry.value };
    if (change.siteAdmin !== undefined) record.siteAdmin = change.siteAdmin;
    if (change.disabled !== undefined) {
      record.disabledAt = change.disabled
        ? (entry.value.disabledAt ?? new Date().toISOString())
        : null;
    }
    const op = kv.atomic().check(entry).set(userKey(userId), record);
    if ((record.siteAdmin ?? false) !== (entry.value.siteAdmin ?? false)) withProfilesMoved(op);
    const result = await op.commit();
    return result.ok ? toAccount(record) : null;
  });
}

/**
 * Deletes the user record and frees the username, in one commit (`withinCommit` adds to it).
 * Returns false when the record changed meanwhile (nothing written then).
 */
export async function deleteUserRecord(
  kv: Deno.Kv,
  userId: string,
  options: { withinCommit?: (op: Deno.AtomicOperation) => Deno.AtomicOperation } = {},
): Promise<boolean> {
  const entry = await kv.get<UserRecord>(userKey(userId));
  if (!entry.value) throw new NotFoundError("User not found.");
  const username = entry.value.username;
  const extend = options.withinCommit ?? ((op) => op);
  const op = kv.atomic().check(entry).delete(userKey(userId)).delete(usernameKey(username));
  const result = await extend(withProfilesMoved(op)).commit();
  return result.ok;
}

/** Users by username, case-insensitively, keeping the given order; unknown names are skipped. */
export async function getUsersByUsernames(kv: Deno.Kv, usernames: string[]): Promise<User[]> {
  const ids = await getManyChunked<string>(kv, usernames.map(usernameKey));
  return getUsersByIds(kv, ids.flatMap((e) => e.value ? [e.value] : []));
}

/**
 * Up to `limit` users whose username or display name contains `query` (case-insensitive).
 * Scans the user table: fine for a team's few thousand accounts; an index comes with scale.
 */
export async function searchUsers(
  kv: Deno.Kv,
  query: string,
  options: { limit?: number; excludeId?: string } = {},
): Promise<User[]> {
  const limit = options.limit ?? 20;
  const needle = query.trim().toLowerCase();
  const found: User[] = [];
  for await (const entry of kv.list<UserRecord>({ prefix: usersPrefix() }, { batchSize: 500 })) {
    const u = entry.value;
    if (u.id === options.excludeId) continue;
    if (u.username.includes(needle) || u.displayName.toLowerCase().includes(needle)) {
      found.push(toPublic(u));
      if (found.length >= limit) break;
    }
  }
  return found;
}

/**
 * Creates an account with no password (it signs in through a linked OAuth identity only;
 * password sign-in fails for it like a wrong password). `withinCommit` adds its checks and
 * writes to the same atomic commit. Returns null when the username is taken or one of those
 * checks fails, and writes nothing then.
 */
export async function createUserWithoutPassword(
  kv: Deno.Kv,
  input: { username: string; displayName: string },
  options: {
    withinCommit?: (op: Deno.AtomicOperation, user: User) => Deno.AtomicOperation;
    admission?: Admission;
    /** A bot's account (bots.ts): who owns it, and the webhook it posts as, if any. */
    bot?: { ownerId: string; webhookId?: string };
  } = {},
): Promise<User | null> {
  const username = input.username.toLowerCase();
  const record: UserRecord = {
    id: ulid(),
    username,
    displayName: cleanName(input.displayName) || username,
    password: null,
    createdAt: new Date().toISOString(),
    ...(options.bot
      ? {
        isBot: true,
        ownerId: options.bot.ownerId,
        ...(options.bot.webhookId ? { webhookId: options.bot.webhookId } : {}),
      }
      : {}),
  };
  return await insertAccount(kv, record, options);
}
