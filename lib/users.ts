import { z } from "zod";
import { isTooGuessable } from "./password_strength.ts";
import { ulid } from "ulid";
import { ConflictError, NotFoundError } from "./errors.ts";
import { hashPassword, type PasswordHash } from "./passwords.ts";
import { commitRetryingLocks, commitWithRetry, getManyChunked } from "./kv.ts";

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
export const displayNameSchema = z.string().trim().min(1, "Enter a display name.").max(
  64,
  "Use at most 64 characters.",
);

/** What anyone may see of a user. */
export type User = { id: string; username: string; displayName: string };

type UserRecord = User & { password: PasswordHash | null; createdAt: string };

const userKey = (id: string) => ["user", id];
const usernameKey = (username: string) => ["user_by_name", username.toLowerCase()];

function toPublic(record: UserRecord): User {
  return { id: record.id, username: record.username, displayName: record.displayName };
}

/** Creates an account. Throws ConflictError("username_taken") when the name is in use. */
export async function createUser(
  kv: Deno.Kv,
  input: { username: string; password: string; displayName?: string },
): Promise<User> {
  const username = input.username.toLowerCase();
  const record: UserRecord = {
    id: ulid(),
    username,
    displayName: input.displayName?.trim() || username,
    password: await hashPassword(input.password),
    createdAt: new Date().toISOString(),
  };
  const result = await commitRetryingLocks(() =>
    kv.atomic()
      .check({ key: usernameKey(username), versionstamp: null })
      .set(userKey(record.id), record)
      .set(usernameKey(username), record.id)
  );
  if (!result.ok) throw new ConflictError("That username is taken.", "username_taken");
  return toPublic(record);
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

/** The user (with the password hash, for login) by username, case-insensitively, or null. */
export async function getUserCredentialsByUsername(
  kv: Deno.Kv,
  username: string,
): Promise<{ user: User; password: PasswordHash | null } | null> {
  const idEntry = await kv.get<string>(usernameKey(username));
  if (!idEntry.value) return null;
  const entry = await kv.get<UserRecord>(userKey(idEntry.value));
  return entry.value ? { user: toPublic(entry.value), password: entry.value.password } : null;
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
  for await (const entry of kv.list<UserRecord>({ prefix: ["user"] }, { batchSize: 500 })) {
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
  options: { withinCommit?: (op: Deno.AtomicOperation, user: User) => Deno.AtomicOperation } = {},
): Promise<User | null> {
  const username = input.username.toLowerCase();
  const record: UserRecord = {
    id: ulid(),
    username,
    displayName: input.displayName,
    password: null,
    createdAt: new Date().toISOString(),
  };
  const extend = options.withinCommit ?? ((op) => op);
  const result = await commitRetryingLocks(() =>
    extend(
      kv.atomic()
        .check({ key: usernameKey(username), versionstamp: null })
        .set(userKey(record.id), record)
        .set(usernameKey(username), record.id),
      toPublic(record),
    )
  );
  return result.ok ? toPublic(record) : null;
}
