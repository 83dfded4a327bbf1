/**
 * Personal access tokens: what a program sends as `Authorization: Bearer hth_…` instead of a
 * session cookie. Like sessions, KV keeps only the SHA-256 of the secret (a copy of the store
 * holds no usable token); the secret is shown once, when the token is made. A token ends at
 * its expiry (1–365 days; a bot's own token: never) or when revoked; every request reads it
 * again, so a revocation holds at once in every process, and the revocation's account event
 * closes the token's sockets everywhere (realtime/endings.ts).
 */
import { createHash } from "node:crypto";
import { monotonicFactory } from "ulid";
import { z } from "zod";
import { ConflictError } from "../errors.ts";
import {
  apiTokenKey,
  commitWithRetry,
  getManyChunked,
  LruCache,
  userTokenKey,
  userTokensPrefix,
} from "../storage/mod.ts";
import { activeUserOf, botOf, requireActiveAccount, type User, userRecordKey } from "./users.ts";
import { withAccountEvent } from "./events.ts";
import type { AlsoRead } from "./sessions.ts";
import { cleanName } from "../shared/names.ts";

/** What KV keeps at apiTokenKey(hash). */
type TokenRecord = {
  id: string;
  userId: string;
  name: string;
  createdAt: string;
  /** null: never expires (a bot's own token). */
  expiresAt: string | null;
  lastUsedAt: string | null;
};

/** A token as its owner sees it in the list (never the secret). */
export type TokenInfo = Omit<TokenRecord, "userId">;

/** How many tokens one person may hold (409 `limit_reached` past it). */
export const MAX_TOKENS = 20;
export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 365;
/** How stale `lastUsedAt` may get before a request writes it again. */
const TOUCH_MS = 60_000;
const DAY_MS = 86_400_000;
/** Ids in creation order, also within one millisecond (the list is newest first by id). */
const nextId = monotonicFactory();

/** Every secret starts so (a leaked one is easy to recognise, e.g. by secret scanners). */
const PREFIX = "hth_";
/** `hth_` and 32 random bytes, base64url without padding (43 characters). */
const SECRET_SHAPE = /^hth_[A-Za-z0-9_-]{43}$/;

/** A token's name as its owner gives it (the same cleaning as a display name). */
export const tokenNameSchema = z.string().transform(cleanName).pipe(
  z.string().min(1, "Name the token (what will use it?).").max(64, "Use at most 64 characters."),
);
export const tokenDaysSchema = z.coerce.number().int("Give whole days.").min(
  1,
  "A token lasts at least a day.",
).max(MAX_TOKEN_DAYS, `A token lasts at most ${MAX_TOKEN_DAYS} days.`);

/** The id a token's sockets carry as their `sessionId` (see endings.ts, ws.ts). */
export function tokenSessionId(tokenId: string): string {
  return `token:${tokenId}`;
}

/** The token id in a socket's `sessionId`, or null for a cookie session's. */
export function tokenIdOfSession(sessionId: string): string | null {
  return sessionId.startsWith("token:") ? sessionId.slice(6) : null;
}

/** SHA-256, base64url (synchronous, like sessions.ts: every bearer request hashes its secret). */
function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("base64url");
}

function newSecret(): string {
  return PREFIX + crypto.getRandomValues(new Uint8Array(32)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
}

function remainingMs(record: TokenRecord, now: number): number {
  return record.expiresAt === null ? Infinity : Date.parse(record.expiresAt) - now;
}

/** KV's expireIn for a token's keys (none for one that never expires). */
function expiry(record: TokenRecord, now: number): { expireIn?: number } {
  const ms = remainingMs(record, now);
  return Number.isFinite(ms) ? { expireIn: Math.max(1, Math.ceil(ms)) } : {};
}

function infoOf(record: TokenRecord): TokenInfo {
  const { userId: _, ...info } = record;
  return info;
}

/** A token about to be written: its record, its secret, and the writes that store it. */
export function prepareToken(
  userId: string,
  input: { name: string; expiresInDays: number | null },
  now: Date,
): { info: TokenInfo; secret: string; write: (op: Deno.AtomicOperation) => Deno.AtomicOperation } {
  const secret = newSecret();
  const hash = hashSecret(secret);
  const record: TokenRecord = {
    id: nextId(now.getTime()),
    userId,
    name: input.name,
    createdAt: now.toISOString(),
    expiresAt: input.expiresInDays === null
      ? null
      : new Date(now.getTime() + input.expiresInDays * DAY_MS).toISOString(),
    lastUsedAt: null,
  };
  const options = expiry(record, now.getTime());
  return {
    info: infoOf(record),
    secret,
    write: (op) =>
      op.check({ key: apiTokenKey(hash), versionstamp: null })
        .set(apiTokenKey(hash), record, options)
        .set(userTokenKey(userId, record.id), hash, options),
  };
}

/**
 * Makes a token for the user: `{token, secret}` (the secret is never stored and never shown
 * again). Throws ConflictError("limit_reached") past MAX_TOKENS, ForbiddenError
 * ("account_disabled") or NotFoundError for an account that cannot sign in. Two creations at
 * the same moment may both pass the count (a limit against clutter, not a security bound).
 */
export async function createToken(
  kv: Deno.Kv,
  userId: string,
  input: { name: string; expiresInDays?: number },
  options: { now?: Date } = {},
): Promise<{ token: TokenInfo; secret: string }> {
  const now = options.now ?? new Date();
  if ((await listTokens(kv, userId, { now })).length >= MAX_TOKENS) {
    throw new ConflictError(
      `You have ${MAX_TOKENS} tokens, as many as one may have. Revoke one first.`,
      "limit_reached",
    );
  }
  const made = prepareToken(userId, {
    name: input.name,
    expiresInDays: input.expiresInDays ?? DEFAULT_TOKEN_DAYS,
  }, now);
  await commitWithRetry(async () => {
    // Checked in the commit: no token starts for an account disabled meanwhile.
    const account = await requireActiveAccount(kv, userId);
    return (await made.write(kv.atomic().check(account)).commit()).ok ? true : null;
  });
  return { token: made.info, secret: made.secret };
}

/**
 * Whose each recently used token is, and for a bot's, its owner (hashes and ids only; these
 * never change for a token).
 */
const owners = new LruCache<string, { userId: string; botOwnerId: string | null }>({
  maxEntries: 10_000,
});

/**
 * The user a bearer secret signs in as, and the token's id; null when the secret is malformed,
 * unknown, revoked or expired, or the account is disabled or gone (a bot's: or its owner's).
 * A use is recorded in `lastUsedAt` at most once a minute, best-effort (a failed write never
 * fails the request). `also`: keys the request reads next, read in the same getMany when the
 * token's owners are known (as sessions.ts's AlsoRead).
 */
export async function getUserByToken(
  kv: Deno.Kv,
  secret: string,
  options: { now?: Date; also?: AlsoRead } = {},
): Promise<{ user: User; tokenId: string } | null> {
  if (!SECRET_SHAPE.test(secret)) return null;
  const hash = hashSecret(secret);
  // A token seen before: the records of its user (and a bot's owner) come in the same getMany
  // (one round trip); all are read on every request, so a change anywhere counts at once.
  const known = owners.get(hash);
  const keys: Deno.KvKey[] = [apiTokenKey(hash)];
  if (known) keys.push(userRecordKey(known.userId));
  if (known?.botOwnerId) keys.push(userRecordKey(known.botOwnerId));
  const ours = keys.length;
  const also = known ? options.also?.keys(known.userId) : null;
  if (also && also.length + ours <= 10) keys.push(...also);
  const read = await kv.getMany<unknown[]>(keys);
  const entry = read[0] as Deno.KvEntryMaybe<TokenRecord>;
  if (!entry.value) {
    owners.delete(hash);
    return null;
  }
  const record = entry.value;
  const now = (options.now ?? new Date()).getTime();
  // KV's expireIn deletes lazily; the stored expiry is the one that counts.
  if (remainingMs(record, now) <= 0) return null;
  const userEntry = known?.userId === record.userId
    ? read[1]
    : await kv.get(userRecordKey(record.userId));
  const user = activeUserOf(userEntry);
  if (!user) return null;
  // A bot acts for its owner: a disabled or deleted owner's bots are refused too.
  const botOwnerId = botOf(userEntry)?.ownerId || null;
  owners.set(hash, { userId: record.userId, botOwnerId });
  if (botOwnerId) {
    const ownerEntry = known?.botOwnerId === botOwnerId
      ? read[2]
      : await kv.get(userRecordKey(botOwnerId));
    if (!activeUserOf(ownerEntry)) return null;
  }
  if (record.lastUsedAt === null || now - Date.parse(record.lastUsedAt) > TOUCH_MS) {
    const touched = { ...record, lastUsedAt: new Date(now).toISOString() };
    // Checked: a token revoked meanwhile is not written back. A lost race is fine to ignore.
    await kv.atomic().check(entry).set(apiTokenKey(hash), touched, expiry(touched, now))
      .commit().catch(() => {});
  }
  // Read for this user, in the snapshot that found the token and the accounts as they are.
  if (read.length > ours && known?.userId === record.userId && options.also) {
    options.also.entries = read.slice(ours);
  }
  return { user, tokenId: record.id };
}

/** The hashes of the user's tokens, by id (expired ones too, until KV drops them). */
async function hashesOf(kv: Deno.Kv, userId: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for await (const e of kv.list<string>({ prefix: userTokensPrefix(userId) })) {
    found.set(String(e.key[2]), e.value);
  }
  return found;
}

/** The user's live tokens, newest first. */
export async function listTokens(
  kv: Deno.Kv,
  userId: string,
  options: { now?: Date } = {},
): Promise<TokenInfo[]> {
  const hashes = [...(await hashesOf(kv, userId)).values()];
  const records = await getManyChunked<TokenRecord>(kv, hashes.map(apiTokenKey));
  const now = (options.now ?? new Date()).getTime();
  return records
    .flatMap((e) =>
      e.value && e.value.userId === userId && remainingMs(e.value, now) > 0 ? [infoOf(e.value)] : []
    )
    .sort((a, b) => b.id.localeCompare(a.id));
}

/**
 * Revokes the user's token `tokenId`; false when they have none of that id. Every hub hears
 * of it in the same commit and closes the token's sockets.
 */
export async function revokeToken(kv: Deno.Kv, userId: string, tokenId: string): Promise<boolean> {
  // Ids come from URLs: one that cannot be a ulid names no token (and keeps keys short).
  if (!/^[0-9A-Z]{26}$/.test(tokenId)) return false;
  const index = await kv.get<string>(userTokenKey(userId, tokenId));
  if (!index.value) return false;
  const hash = index.value;
  await commitWithRetry(async () => {
    const op = kv.atomic().delete(apiTokenKey(hash)).delete(userTokenKey(userId, tokenId));
    await withAccountEvent(kv, op, { userId, kind: "sessions" });
    return (await op.commit()).ok ? true : null;
  });
  owners.delete(hash);
  return true;
}

/** Revokes every token of the user (a bot being deleted); returns their ids. */
export async function revokeAllTokens(kv: Deno.Kv, userId: string): Promise<string[]> {
  const hashes = [...(await hashesOf(kv, userId))];
  for (let i = 0; i < hashes.length; i += 50) {
    const chunk = hashes.slice(i, i + 50);
    await commitWithRetry(async () => {
      const op = kv.atomic();
      for (const [id, hash] of chunk) op.delete(apiTokenKey(hash)).delete(userTokenKey(userId, id));
      await withAccountEvent(kv, op, { userId, kind: "sessions" });
      return (await op.commit()).ok ? true : null;
    });
  }
  return hashes.map(([id]) => id);
}

/**
 * Which of these tokens (each with its owner) are live: the rest were revoked or expired. A
 * hub asks this of its token sockets when told some of a user's sessions ended.
 */
export async function liveTokenIds(
  kv: Deno.Kv,
  tokens: { userId: string; tokenId: string }[],
  options: { now?: Date } = {},
): Promise<Set<string>> {
  const index = await getManyChunked<string>(
    kv,
    tokens.map((t) => userTokenKey(t.userId, t.tokenId)),
  );
  const known = tokens.flatMap((t, i) => index[i].value ? [{ ...t, hash: index[i].value! }] : []);
  const records = await getManyChunked<TokenRecord>(kv, known.map((t) => apiTokenKey(t.hash)));
  const now = (options.now ?? new Date()).getTime();
  return new Set(known.flatMap((t, i) => {
    const record = records[i].value;
    return record && record.userId === t.userId && remainingMs(record, now) > 0 ? [t.tokenId] : [];
  }));
}
