/** A fresh in-memory store with people in it, for unit tests below the HTTP layer. */
import { createUser, type User } from "../../lib/accounts/mod.ts";

/** Runs `fn` on a `:memory:` store holding an account per name (closed afterwards). */
export async function withUsers<const N extends string>(
  names: N[],
  fn: (kv: Deno.Kv, users: Record<N, User>) => Promise<void>,
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    const users = {} as Record<N, User>;
    for (const username of names) {
      users[username] = await createUser(kv, { username, password: "correct horse battery" });
    }
    await fn(kv, users);
  } finally {
    kv.close();
  }
}
