import { createHash } from "node:crypto";
import {
  commitWithRetry,
  getManyChunked,
  LruCache,
  sessionKey,
  userSessionKey,
  userSessionsPrefix,
} from "../storage/mod.ts";
import {
  activeUserOf,
  getActiveUserById,
  requireActiveAccount,
  type User,
  userRecordKey,
} from "./users.ts";
import { withAccountEvent } from "./events.ts";

/**
 * Sessions live in KV keyed by the SHA-256 of their token, so a copy of the store holds no
 * usable cookie. Tokens are 256 random bits; a new one is issued at every login (rotation).
 * A session ends at the first of: its absolute expiry (`expiresAt`, SESSION_TTL_DAYS), being
 * idle for longer than `idleMs` (SESSION_IDLE_DAYS; `lastSeenAt` moves on use, written at
 * most every TOUCH_MS), sign-out, "sign out everywhere", or a password change elsewhere.
 */
type SessionRecord = {
  userId: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt?: string;
  idleMs?: number;
  /** What the sessions page shows to tell devices apart (trimmed; never trusted). */
  userAgent?: string;
  address?: string;
};

/** One of a user's sessions, as the sessions page lists them. `id` is the token's hash. */
export type SessionInfo = {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string;
  address: string;
};

/** How stale `lastSeenAt` may get before a request writes it again. */
const TOUCH_MS = 5 * 60_000;

/** The id a session is known by on the server (the token's hash; the token stays secret). */
export async function sessionIdOf(token: string): Promise<string> {
  return await hashToken(token);
}

/**
 * SHA-256, base64url. Synchronous on purpose: every signed-in request hashes its cookie, and
 * Web Crypto's digest, an async op, cost ~25 µs quiet and far more under load (a hop to
 * another thread and back), against ~3 µs here (bench/all.ts profiles).
 */
function hashToken(token: string): Promise<string> {
  return Promise.resolve(createHash("sha256").update(token).digest("base64url"));
}

/** Until the session's next deadline (idle or absolute, whichever is first). */
function remainingMs(record: SessionRecord, now: number): number {
  const absolute = Date.parse(record.expiresAt) - now;
  const idle = record.idleMs === undefined
    ? absolute
    : Date.parse(record.lastSeenAt ?? record.createdAt) + record.idleMs - now;
  return Math.min(absolute, idle);
}

/** KV's `expireIn` takes whole milliseconds, at least 1. */
function expireInOf(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

/**
 * Starts a session for the user; returns the token for the cookie. The commit checks the
 * user record, so a session cannot start for an account disabled or deleted meanwhile:
 * throws ForbiddenError("account_disabled") or NotFoundError then.
 */
export async function createSession(
  kv: Deno.Kv,
  userId: string,
  options: { ttlMs: number; idleMs?: number; now?: Date; userAgent?: string; address?: string },
): Promise<{ token: string; expiresAt: Date }> {
  const now = options.now ?? new Date();
  const token = crypto.getRandomValues(new Uint8Array(32)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
  const tokenHash = await hashToken(token);
  const expiresAt = new Date(now.getTime() + options.ttlMs);
  const record: SessionRecord = {
    userId,
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
    lastSeenAt: now.toISOString(),
    idleMs: options.idleMs,
    userAgent: options.userAgent?.slice(0, 200),
    address: options.address?.slice(0, 64),
  };
  const expireIn = expireInOf(remainingMs(record, now.getTime()));
  await commitWithRetry(async () => {
    const account = await requireActiveAccount(kv, userId);
    const result = await kv.atomic()
      .check(account)
      .set(sessionKey(tokenHash), record, { expireIn })
      .set(userSessionKey(userId, tokenHash), true, { expireIn: expireInOf(options.ttlMs) })
      .commit();
    return result.ok ? true : null;
  });
  return { token, expiresAt };
}

/**
 * Keys a request reads next, which getUserBySession reads in its own getMany (one KV round
 * trip instead of two): `keys(userId)` names them for the session's owner, `entries` is
 * filled with what was read, in the same snapshot as the session and its account, when the
 * owner was known beforehand and is the one signed in (left unset otherwise: the caller reads
 * them itself). At most MAX_ALSO keys.
 */
export type AlsoRead = {
  keys: (userId: string) => Deno.KvKey[] | null;
  entries?: Deno.KvEntryMaybe<unknown>[];
};

/** KV reads at most 10 keys per getMany (a remote KV refuses more): 2 are the session's. */
const MAX_ALSO = 8;

/**
 * The signed-in user for a session token, or null when unknown, revoked, expired or idle
 * too long. A use moves the idle deadline on (written at most every 5 minutes). `also`:
 * see AlsoRead.
 */
export async function getUserBySession(
  kv: Deno.Kv,
  token: string,
  options: { now?: Date; also?: AlsoRead } = {},
): Promise<User | null> {
  if (!token || token.length > 128) return null;
  const tokenHash = await hashToken(token);
  // A session seen before: its owner's record is read in the same getMany (one KV round
  // trip instead of two per signed-in request; both still read every time, so a revoked
  // session or a disabled account is refused at once, whichever process changed it).
  const owner = owners.get(tokenHash);
  const also = owner ? options.also?.keys(owner) : null;
  const keys = owner ? [sessionKey(tokenHash), userRecordKey(owner)] : [sessionKey(tokenHash)];
  if (also && also.length <= MAX_ALSO) keys.push(...also);
  const read = await kv.getMany<unknown[]>(keys);
  const entry = read[0] as Deno.KvEntryMaybe<SessionRecord>;
  if (!entry.value) {
    owners.delete(tokenHash);
    return null;
  }
  const now = (options.now ?? new Date()).getTime();
  // KV's expireIn deletes lazily; the stored deadlines are the ones that count.
  if (remainingMs(entry.value, now) <= 0) return null;
  const lastSeen = Date.parse(entry.value.lastSeenAt ?? entry.value.createdAt);
  if (entry.value.idleMs !== undefined && now - lastSeen > TOUCH_MS) {
    const touched = { ...entry.value, lastSeenAt: new Date(now).toISOString() };
    // A lost race (another request touched it, or a revocation) is fine to ignore.
    await kv.atomic().check(entry).set(sessionKey(tokenHash), touched, {
      expireIn: expireInOf(remainingMs(touched, now)),
    }).commit().catch(() => {});
  }
  // A disabled account's sessions are deleted; this also covers one racing with that.
  const userId = entry.value.userId;
  if (owner === userId) {
    if (read.length > 2 && options.also) options.also.entries = read.slice(2);
    return activeUserOf(read[1]);
  }
  owners.set(tokenHash, userId);
  return await getActiveUserById(kv, userId);
}

/** Whose each recently used session is (token hashes and user ids only; never changes). */
const owners = new LruCache<string, string>({ maxEntries: 10_000 });

/** Revokes one session (logout). Unknown tokens are ignored. */
export async function revokeSession(kv: Deno.Kv, token: string): Promise<void> {
  await revokeSessionById(kv, await hashToken(token));
}

/** Revokes a session by its id (the token's hash); `userId`, when given, must own it. */
export async function revokeSessionById(
  kv: Deno.Kv,
  tokenHash: string,
  userId?: string,
): Promise<boolean> {
  // Ids come from URLs: one that cannot be a hash (43 base64url characters) names no session,
  // and a long one would exceed KV's key limit (a 500 instead of a 404).
  if (!/^[A-Za-z0-9_-]{43}$/.test(tokenHash)) return false;
  const entry = await kv.get<SessionRecord>(sessionKey(tokenHash));
  if (!entry.value || (userId !== undefined && entry.value.userId !== userId)) return false;
  const owner = entry.value.userId;
  // Every hub, in any process, hears of it in the same commit and closes the session's sockets.
  await commitWithRetry(async () => {
    const op = kv.atomic().delete(sessionKey(tokenHash)).delete(userSessionKey(owner, tokenHash));
    await withAccountEvent(kv, op, { userId: owner, kind: "sessions" });
    return (await op.commit()).ok ? true : null;
  });
  return true;
}

/**
 * Which of these session ids (token hashes) name a live session: the rest ended (revoked,
 * expired, idle too long). A hub asks this of its sockets' sessions when told some ended.
 */
export async function liveSessionIds(
  kv: Deno.Kv,
  ids: string[],
  options: { now?: Date } = {},
): Promise<Set<string>> {
  const records = await getManyChunked<SessionRecord>(kv, ids.map(sessionKey));
  const now = (options.now ?? new Date()).getTime();
  return new Set(ids.filter((_, i) => {
    const record = records[i].value;
    return record !== null && remainingMs(record, now) > 0;
  }));
}

/** The ids of the user's sessions (expired ones too, until KV drops their index entries). */
async function sessionIdsOf(kv: Deno.Kv, userId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: userSessionsPrefix(userId) })) ids.push(String(e.key[2]));
  return ids;
}

/** The user's live sessions, most recently used first. */
export async function listSessions(
  kv: Deno.Kv,
  userId: string,
  options: { now?: Date } = {},
): Promise<SessionInfo[]> {
  const ids = await sessionIdsOf(kv, userId);
  const records = await getManyChunked<SessionRecord>(kv, ids.map(sessionKey));
  const now = (options.now ?? new Date()).getTime();
  const live: SessionInfo[] = [];
  records.forEach((e, i) => {
    if (!e.value || e.value.userId !== userId || remainingMs(e.value, now) <= 0) return;
    live.push({
      id: ids[i],
      createdAt: e.value.createdAt,
      lastSeenAt: e.value.lastSeenAt ?? e.value.createdAt,
      expiresAt: e.value.expiresAt,
      userAgent: e.value.userAgent ?? "",
      address: e.value.address ?? "",
    });
  });
  return live.sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
}

/**
 * Revokes every session of the user except `keep` (a session id), e.g. "sign out
 * everywhere" or a password change. Returns the ids revoked (to close their sockets).
 */
export async function revokeAllSessions(
  kv: Deno.Kv,
  userId: string,
  options: { keep?: string } = {},
): Promise<string[]> {
  const ids = (await sessionIdsOf(kv, userId)).filter((id) => id !== options.keep);
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    // Each chunk tells every hub (see revokeSessionById).
    await commitWithRetry(async () => {
      const op = kv.atomic();
      for (const id of chunk) op.delete(sessionKey(id)).delete(userSessionKey(userId, id));
      await withAccountEvent(kv, op, { userId, kind: "sessions" });
      return (await op.commit()).ok ? true : null;
    });
  }
  return ids;
}
