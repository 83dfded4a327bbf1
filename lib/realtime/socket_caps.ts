/**
 * How many sockets one account and one address may hold open on a process (issue 15, 18):
 * each costs memory and a share of every fan-out, and an account's tabs need few. Counted
 * from the upgrade (before the socket opens, so a burst of upgrades cannot pass together)
 * to its close. Scaled like the other limits (RATE_LIMIT_SCALE; 0 turns them off).
 */
export const SOCKETS_PER_USER = 20;
export const SOCKETS_PER_ADDRESS = 100;

export class SocketCaps {
  #byUser = new Map<string, number>();
  #byAddress = new Map<string, number>();

  /**
   * Takes a place for a new socket of `userId` from `address`: the function that gives it
   * back (call it once the socket closed; more calls do nothing), or null when either is
   * at its cap.
   */
  take(userId: string, address: string, scale: number): (() => void) | null {
    if (scale > 0) {
      const users = this.#byUser.get(userId) ?? 0;
      const addresses = this.#byAddress.get(address) ?? 0;
      if (users >= Math.max(1, Math.round(SOCKETS_PER_USER * scale))) return null;
      if (addresses >= Math.max(1, Math.round(SOCKETS_PER_ADDRESS * scale))) return null;
    }
    bump(this.#byUser, userId, 1);
    bump(this.#byAddress, address, 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      bump(this.#byUser, userId, -1);
      bump(this.#byAddress, address, -1);
    };
  }

  /** Sockets counted for the user here (tests, metrics). */
  ofUser(userId: string): number {
    return this.#byUser.get(userId) ?? 0;
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}
