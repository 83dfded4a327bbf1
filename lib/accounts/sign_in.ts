import { ForbiddenError, UnauthorizedError } from "../errors.ts";
import { needsRehash, verifyAgainstDummy, verifyPassword } from "./passwords.ts";
import { describeError, hitRateLimit, log } from "../ops/mod.ts";
import {
  ACCOUNT_DISABLED_MESSAGE,
  getUserCredentialsByUsername,
  upgradePasswordHash,
  type User,
} from "./users.ts";

/**
 * Checks a username and password. Throws RateLimitError after too many attempts for the
 * username or the client address, UnauthorizedError("invalid_credentials") on a mismatch
 * (unknown usernames cost the same time as wrong passwords), and, only after the right
 * password, ForbiddenError("account_disabled") for a disabled account. A hash made before
 * Argon2id (PBKDF2) is replaced by an Argon2id one of the password just verified.
 */
export async function authenticate(
  kv: Deno.Kv,
  input: { username: string; password: string },
  options: { clientAddress: string; rateLimitScale: number },
): Promise<User> {
  const username = input.username.trim().toLowerCase();
  const scale = options.rateLimitScale;
  await hitRateLimit(kv, ["login_user", username], { limit: 10, windowMs: 15 * 60_000, scale });
  await hitRateLimit(kv, ["login_addr", options.clientAddress], {
    limit: 50,
    windowMs: 15 * 60_000,
    scale,
  });
  const found = await getUserCredentialsByUsername(kv, username);
  const stored = found?.password;
  const ok = stored
    ? await verifyPassword(input.password, stored)
    : await verifyAgainstDummy(input.password);
  if (!found || !ok) {
    throw new UnauthorizedError("That username and password do not match.", "invalid_credentials");
  }
  if (found.disabled) throw new ForbiddenError(ACCOUNT_DISABLED_MESSAGE, "account_disabled");
  if (stored && needsRehash(stored)) {
    // The sign-in stands either way (the old hash still verifies): tried again next time.
    await upgradePasswordHash(kv, found.user.id, stored, input.password).catch((err) =>
      log("warn", "password hash upgrade failed", describeError(err))
    );
  }
  return found.user;
}
