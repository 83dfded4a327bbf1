import { commitRetryingLocks } from "./kv.ts";
import { getUserById, type User } from "./users.ts";

/**
 * Sessions live in KV keyed by the SHA-256 of their token, so a copy of the store holds no
 * usable cookie. Tokens are 256 random bits; a new one is issued at every login (rotation).
 */
type SessionRecord = { userId: string; createdAt: string; expiresAt: string };

const sessionKey = (tokenHash: string) => ["session", tokenHash];
const userSessionKey = (userId: string, tokenHash: string) => ["user_session", userId, tokenHash];

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** The id a session is known by on the server (the token's hash; the token stays secret). */
export async function sessionIdOf(token: string): Promise<string> {
  return await hashToken(token);
}

async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return base64url(new Uint8Array(digest));
}

/** Starts a session for the user; returns the token for the cookie. */
export async function createSession(
  kv: Deno.Kv,
  userId: string,
  options: { ttlMs: number; now?: Date },
): Promise<{ token: string; expiresAt: Date }> {
  const now = options.now ?? new Date();
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const tokenHash = await hashToken(token);
  const expiresAt = new Date(now.getTime() + options.ttlMs);
  const record: SessionRecord = {
    userId,
    createdAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
  await commitRetryingLocks(() =>
    kv.atomic()
      .set(sessionKey(tokenHash), record, { expireIn: options.ttlMs })
      .set(userSessionKey(userId, tokenHash), true, { expireIn: options.ttlMs })
  );
  return { token, expiresAt };
}

/** The signed-in user for a session token, or null when unknown, revoked or expired. */
export async function getUserBySession(
  kv: Deno.Kv,
  token: string,
  options: { now?: Date } = {},
): Promise<User | null> {
  if (!token || token.length > 128) return null;
  const entry = await kv.get<SessionRecord>(sessionKey(await hashToken(token)));
  if (!entry.value) return null;
  // KV's expireIn deletes lazily; the stored expiry is the one that counts.
  if (new Date(entry.value.expiresAt) <= (options.now ?? new Date())) return null;
  return await getUserById(kv, entry.value.userId);
}

/** Revokes one session (logout). Unknown tokens are ignored. */
export async function revokeSession(kv: Deno.Kv, token: string): Promise<void> {
  const tokenHash = await hashToken(token);
  const entry = await kv.get<SessionRecord>(sessionKey(tokenHash));
  await commitRetryingLocks(() => {
    const op = kv.atomic().delete(sessionKey(tokenHash));
    if (entry.value) op.delete(userSessionKey(entry.value.userId, tokenHash));
    return op;
  });
}
