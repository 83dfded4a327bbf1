import {
  AccountEventWatcher,
  getActiveUserById,
  liveSessionIds,
  liveTokenIds,
  tokenIdOfSession,
} from "../accounts/mod.ts";
import { describeError, log } from "../ops/mod.ts";
import type { Connection, Connections } from "./connection.ts";

/** Closes the sockets here of a session that ended (sign-out). */
export function endSessionHere(conns: Connections, sessionId: string): void {
  for (const conn of conns.all()) {
    if (conn.sessionId === sessionId) conn.close(1008, "signed out");
  }
}

/** Closes the sockets here of an account that was disabled or deleted. */
export function endUserHere(conns: Connections, userId: string): void {
  for (const conn of conns.ofUser(userId)) conn.close(1008, "account closed");
}

/**
 * Watches the account events (written by the admin CLI, a revocation of sessions, another
 * process) and closes the sockets of an account that was disabled or deleted, and those of
 * every session that ended (sign-out, sign out everywhere, a password change, a sign-in that
 * replaced it), whichever process ended it. When more happened than the events keep, every
 * socket here is checked again.
 */
export function watchAccountEndings(
  kv: Deno.Kv,
  conns: Connections,
  options: { pollMs: number },
): { close(): void } {
  return new AccountEventWatcher(kv, {
    onUser: (userId) => endUserHere(conns, userId),
    onSessions: (userId) => void endEndedSessions(kv, [...conns.ofUser(userId)]),
    onMissed: () => void recheckAccounts(kv, conns),
  }, options);
}

/**
 * Closes those of the sockets whose session ended (one read of their sessions). A socket
 * signed in with an access token carries `token:<id>` (routes/api/ws.ts): its token is
 * looked up instead (revoked or expired ends it).
 */
export async function endEndedSessions(kv: Deno.Kv, sockets: Connection[]): Promise<void> {
  if (sockets.length === 0) return;
  try {
    const tokens = sockets.flatMap((c) => {
      const tokenId = tokenIdOfSession(c.sessionId);
      return tokenId ? [{ userId: c.user.id, tokenId }] : [];
    });
    const sessions = sockets.filter((c) => !tokenIdOfSession(c.sessionId)).map((c) => c.sessionId);
    const [live, liveTokens] = await Promise.all([
      liveSessionIds(kv, [...new Set(sessions)]),
      liveTokenIds(kv, tokens),
    ]);
    for (const conn of sockets) {
      const tokenId = tokenIdOfSession(conn.sessionId);
      const alive = tokenId ? liveTokens.has(tokenId) : live.has(conn.sessionId);
      if (!alive) conn.close(1008, "session ended");
    }
  } catch (err) {
    log("warn", "session re-check failed", describeError(err));
  }
}

async function recheckAccounts(kv: Deno.Kv, conns: Connections): Promise<void> {
  for (const userId of conns.userIds()) {
    const active = await getActiveUserById(kv, userId).catch(() => true);
    if (!active) endUserHere(conns, userId);
  }
  await endEndedSessions(kv, [...conns.all()]);
}
