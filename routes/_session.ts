import { createSession, revokeSession } from "../lib/accounts/mod.ts";
import { type AppCtx, readSessionCookie, writeSessionCookie } from "./_http.ts";
import { clientAddress } from "./_request.ts";

/**
 * Signs `userId` in on this response: a fresh session (rotation: the old one, if any, is
 * revoked) and its cookie. Every way in (password, OAuth) goes through here.
 */
export async function signIn(c: AppCtx, userId: string): Promise<void> {
  const { kv, config } = c.get("ctx");
  const old = readSessionCookie(c);
  if (old) await revokeSession(kv, old);
  const session = await createSession(kv, userId, {
    ttlMs: config.sessionTtlMs,
    idleMs: config.sessionIdleMs,
    userAgent: c.req.header("user-agent") ?? "",
    address: clientAddress(c),
  });
  writeSessionCookie(c, session.token, session.expiresAt);
}
