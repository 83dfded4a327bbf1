import { ForbiddenError, UnauthorizedError } from "../errors.ts";
import { verifyAgainstDummy, verifyPassword } from "./passwords.ts";
import { hitRateLimit } from "../ops/rate_limit.ts";
import { ACCOUNT_DISABLED_MESSAGE, getUserCredentialsByUsername, type User } from "./users.ts";

/**
 * Checks a username and password. Throws RateLimitError after too many attempts for the
 * username or the client address, UnauthorizedError("invalid_credentials") on a mismatch
 * (unknown usernames cost the same time as wrong passwords), and, only after the right
 * password, ForbiddenError("account_disabled") for a disabled account.
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
  const ok = found?.password
    ? await verifyPassword(input.password, found.password)
    : await verifyAgainstDummy(input.password);
  if (!found || !ok) {
    throw new UnauthorizedError("That username and password do not match.", "invalid_credentials");
  }
  if (found.disabled) throw new ForbiddenError(ACCOUNT_DISABLED_MESSAGE, "account_disabled");
  return found.user;
}
