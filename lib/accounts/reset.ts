/**
 * Password reset by email. Asking (`requestPasswordReset`) does the same work whoever is
 * named: it queues one job (a commit of the same size, nothing read), so neither the answer
 * (always 202) nor its timing says whether an account exists. The job, run by the mail
 * worker that has the store (the "mail_digest" queue, see lib/notify/digest.ts), finds the
 * account by username or confirmed email and mails a link to its confirmed address: one use,
 * an hour, and void once the password changes in any other way. Opening it
 * (`completePasswordReset`) sets the new password and ends every session and socket.
 */
import { createHash } from "node:crypto";
import {
  commitWithRetry,
  emailOwnerKey,
  resetTokenKey,
  userEmailKey,
  userKey,
  usernameKey,
} from "../storage/mod.ts";
import { enqueue, type Mail, queueMail } from "../outbound/mod.ts";
import { hitRateLimit } from "../ops/mod.ts";
import { NotFoundError, RateLimitError } from "../errors.ts";
import { hashPassword, type PasswordHash } from "./passwords.ts";
import { type EmailRecord, linkBase, newToken, tokenHashOf } from "./email.ts";
import { revokeAllSessions } from "./sessions.ts";
import { publishAccountEvent } from "./events.ts";

/** The queue whose worker has the store (digest.ts runs these jobs beside the digests). */
export const RESET_QUEUE = "mail_digest";
/** Reset jobs' ids start with this (a digest's id is a user id, which never does). */
export const RESET_JOB_PREFIX = "reset-";

export const RESET_TTL_MS = 60 * 60_000;

/** A reset job's payload: who was named, as typed. */
export type ResetRequest = { reset: { login: string } };

type ResetToken = { userId: string; expiresAt: number; stamp: string };
/** The part of the user record a reset reads and writes. */
type UserRow = { password: PasswordHash | null; disabledAt?: string | null; isBot?: boolean };

/** Queues a reset for `login` (a username or an email address): one commit, whoever it is. */
export async function requestPasswordReset(kv: Deno.Kv, login: string): Promise<void> {
  const op = kv.atomic();
  enqueue<ResetRequest>(op, RESET_QUEUE, { reset: { login: login.trim().slice(0, 254) } }, {
    id: `${RESET_JOB_PREFIX}${crypto.randomUUID()}`,
  });
  await op.commit();
}

/** Which password a token was made against: a stale token stops working after any change. */
function stampOf(password: PasswordHash | null): string {
  return createHash("sha256").update(password?.hash ?? "none").digest("base64url").slice(0, 22);
}

/**
 * Runs a reset job: finds the account (a username, or an address some account confirmed),
 * and mails its confirmed address a link, at most 3 an hour per account. Nobody found, no
 * confirmed address, a disabled account or a bot: nothing is sent, and nobody is told.
 */
export async function runResetRequest(
  kv: Deno.Kv,
  request: ResetRequest,
  options: { publicUrl?: string; siteName: string; rateLimitScale: number },
): Promise<void> {
  const login = request.reset.login.toLowerCase();
  if (!login) return;
  const byEmail = login.includes("@");
  const id = await kv.get<string>(byEmail ? emailOwnerKey(login) : usernameKey(login));
  if (!id.value) return;
  const userId = id.value;
  const [user, email] = await kv.getMany<[UserRow, EmailRecord]>([
    userKey(userId),
    userEmailKey(userId),
  ]);
  // No password (a bot, an account that signs in through GitHub or OIDC): none to reset.
  if (!user.value?.password || user.value.disabledAt || user.value.isBot) return;
  if (!email.value?.confirmedAt) return;
  try {
    await hitRateLimit(kv, ["reset_mail", userId], {
      limit: 3,
      windowMs: 60 * 60_000,
      scale: options.rateLimitScale,
    });
  } catch (err) {
    if (err instanceof RateLimitError) return;
    throw err;
  }
  const { token, hash } = newToken();
  const record: ResetToken = {
    userId,
    expiresAt: Date.now() + RESET_TTL_MS,
    stamp: stampOf(user.value.password),
  };
  const link = `${linkBase(options.publicUrl, email.value)}/reset/${token}`;
  const op = kv.atomic().set(resetTokenKey(hash), record, { expireIn: RESET_TTL_MS });
  queueMail(op, resetMail(email.value.address, link, options.siteName));
  await op.commit();
}

function resetMail(to: string, link: string, siteName: string): Mail {
  return {
    to,
    subject: `Reset your password on ${siteName}`,
    text: [
      `Someone asked to reset the password of your account on ${siteName}.`,
      "",
      "To choose a new password, open this link within an hour (it works once):",
      link,
      "",
      "Choosing a new password signs you out everywhere.",
      "If it was not you, ignore this mail: your password stays as it is.",
    ].join("\n"),
  };
}

/** The account a reset link is for, or null when it is unknown, used, expired or stale. */
export async function checkResetToken(kv: Deno.Kv, token: string): Promise<string | null> {
  const hash = tokenHashOf(token);
  if (!hash) return null;
  const entry = await kv.get<ResetToken>(resetTokenKey(hash));
  if (!entry.value || entry.value.expiresAt < Date.now()) return null;
  const user = await kv.get<UserRow>(userKey(entry.value.userId));
  if (!user.value || user.value.disabledAt) return null;
  return stampOf(user.value.password) === entry.value.stamp ? entry.value.userId : null;
}

const INVALID =
  "This reset link is not valid any more: it was used, or it expired. Ask for a new one.";

/**
 * Sets the new password through a reset link (used up by it) and ends every session of the
 * account (each hub closes its sockets). Returns the ended session ids, for this process's
 * hub to close at once. NotFoundError for a link that does not work (any more).
 */
export async function completePasswordReset(
  kv: Deno.Kv,
  token: string,
  password: string,
): Promise<{ userId: string; endedSessions: string[] }> {
  const hash = tokenHashOf(token);
  if (!hash || !(await checkResetToken(kv, token))) {
    throw new NotFoundError(INVALID, "reset_invalid");
  }
  const newHash = await hashPassword(password);
  const userId = await commitWithRetry(async () => {
    const entry = await kv.get<ResetToken>(resetTokenKey(hash));
    const t = entry.value;
    if (!t || t.expiresAt < Date.now()) throw new NotFoundError(INVALID, "reset_invalid");
    const user = await kv.get<UserRow>(userKey(t.userId));
    if (!user.value || user.value.disabledAt || stampOf(user.value.password) !== t.stamp) {
      throw new NotFoundError(INVALID, "reset_invalid");
    }
    const result = await kv.atomic().check(entry, user)
      .delete(resetTokenKey(hash))
      .set(userKey(t.userId), { ...user.value, password: newHash })
      .commit();
    return result.ok ? t.userId : null;
  });
  const endedSessions = await revokeAllSessions(kv, userId);
  await publishAccountEvent(kv, userId);
  return { userId, endedSessions };
}
