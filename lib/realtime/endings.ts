import { AccountEventWatcher, getActiveUserById } from "../accounts/mod.ts";
import type { Connections } from "./connection.ts";

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
 * Watches the account events (written by the admin CLI or another process) and closes the
 * sockets of an account that was disabled or deleted. When more happened than the events
 * keep, every user with a socket here is checked again.
 */
export function watchAccountEndings(
  kv: Deno.Kv,
  conns: Connections,
  options: { pollMs: number },
): { close(): void } {
  return new AccountEventWatcher(kv, {
    onUser: (userId) => endUserHere(conns, userId),
    onMissed: () => void recheckAccounts(kv, conns),
  }, options);
}

async function recheckAccounts(kv: Deno.Kv, conns: Connections): Promise<void> {
  for (const userId of conns.userIds()) {
    const active = await getActiveUserById(kv, userId).catch(() => true);
    if (!active) endUserHere(conns, userId);
  }
}
