/**
 * A person's email address: given (`requestEmail`, which queues a confirmation link valid a
 * day), confirmed (`confirmEmail`: the link was opened; one account per address), used for
 * missed-message emails unless they unsubscribed, and for password resets. Links in mails
 * start with PUBLIC_URL, else with the origin of the signed-in request that gave the address
 * (never a Host header from a request anyone could send).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import {
  commitWithRetry,
  emailOwnerKey,
  emailTokenKey,
  getManyChunked,
  userEmailKey,
} from "../storage/mod.ts";
import { type Mail, queueMail } from "../outbound/mod.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { timingSafeEqual } from "./passwords.ts";

/** What `userEmailKey` holds. */
export type EmailRecord = {
  address: string;
  /** When the link was opened; null while it waits. */
  confirmedAt: string | null;
  /** Asked for no more missed-message emails (the unsubscribe link, or the account page). */
  unsubscribed: boolean;
  /** Where links point when PUBLIC_URL is not set: the origin the address was given from. */
  origin: string;
  /** The secret half of the unsubscribe link (random; a new one with every new address). */
  unsubscribeSecret: string;
};

/** What the account page and `GET /api/me/email` show. */
export type EmailState = { address: string | null; confirmed: boolean; notifications: boolean };

export const CONFIRM_TTL_MS = 24 * 60 * 60_000;

export const emailAddressSchema = z.string().trim().max(254, "Use at most 254 characters.").pipe(
  z.email("Enter an email address, such as ann@example.com."),
);

/** A fresh link token (256 random bits, base64url) and the hash it is stored under. */
export function newToken(): { token: string; hash: string } {
  const token = crypto.getRandomValues(new Uint8Array(32)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
  return { token, hash: hashToken(token) };
}

/** A link token's hash (what KV keeps), or null for text that cannot be one of ours. */
export function tokenHashOf(token: string): string | null {
  return /^[A-Za-z0-9_-]{43}$/.test(token) ? hashToken(token) : null;
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** The start of every link mailed to this person. */
export function linkBase(publicUrl: string | undefined, record: { origin: string }): string {
  return (publicUrl ?? record.origin).replace(/\/+$/, "");
}

export async function getEmailRecord(kv: Deno.Kv, userId: string): Promise<EmailRecord | null> {
  return (await kv.get<EmailRecord>(userEmailKey(userId))).value;
}

export async function getEmailState(kv: Deno.Kv, userId: string): Promise<EmailState> {
  const record = await getEmailRecord(kv, userId);
  return {
    address: record?.address ?? null,
    confirmed: Boolean(record?.confirmedAt),
    notifications: record ? !record.unsubscribed : true,
  };
}

/**
 * Where to email each person about missed messages, in the order of `userIds`: their
 * confirmed address, or null (none, not confirmed yet, or unsubscribed).
 */
export async function getConfirmedEmails(
  kv: Deno.Kv,
  userIds: string[],
): Promise<(string | null)[]> {
  const entries = await getManyChunked<EmailRecord>(kv, userIds.map(userEmailKey));
  return entries.map((e) => e.value?.confirmedAt && !e.value.unsubscribed ? e.value.address : null);
}

/** The account whose confirmed address this is (any case), or null. */
export async function findUserIdByEmail(kv: Deno.Kv, address: string): Promise<string | null> {
  return (await kv.get<string>(emailOwnerKey(address))).value;
}

const TAKEN = "That address is already used by another account.";

/**
 * Gives the person a new address (unconfirmed; a confirmed one it replaces stops counting)
 * and queues the confirmation mail in the same commit. An address another account confirmed
 * is refused (409 `email_taken`), saying nobody's name. The same address, confirmed already:
 * nothing changes, and no mail; returns false then.
 */
export async function requestEmail(
  kv: Deno.Kv,
  userId: string,
  input: { address: string; origin: string; publicUrl?: string; siteName: string },
): Promise<boolean> {
  const address = input.address;
  const { token, hash } = newToken();
  return await commitWithRetry(async () => {
    const [current, owner] = await kv.getMany<[EmailRecord, string]>([
      userEmailKey(userId),
      emailOwnerKey(address),
    ]);
    if (owner.value && owner.value !== userId) throw new ConflictError(TAKEN, "email_taken");
    const was = current.value;
    if (was?.confirmedAt && was.address.toLowerCase() === address.toLowerCase()) return false;
    const record: EmailRecord = {
      address,
      confirmedAt: null,
      unsubscribed: was?.unsubscribed ?? false,
      origin: input.origin,
      unsubscribeSecret: newToken().token,
    };
    const op = kv.atomic().check(current, owner).set(userEmailKey(userId), record);
    if (was?.confirmedAt) op.delete(emailOwnerKey(was.address));
    op.set(emailTokenKey(hash), { userId, address, expiresAt: Date.now() + CONFIRM_TTL_MS }, {
      expireIn: CONFIRM_TTL_MS,
    });
    const link = `${linkBase(input.publicUrl, record)}/email/confirm/${token}`;
    queueMail(op, confirmationMail(address, link, input.siteName));
    return (await op.commit()).ok ? true : null;
  });
}

function confirmationMail(to: string, link: string, siteName: string): Mail {
  return {
    to,
    subject: `Confirm your email address for ${siteName}`,
    text: [
      `Someone (we hope you) gave this address to their account on ${siteName}.`,
      "",
      `To confirm it, open this link within a day:`,
      link,
      "",
      "If it was not you, ignore this mail: nothing happens until the link is opened.",
    ].join("\n"),
  };
}

type EmailToken = { userId: string; address: string; expiresAt: number };

/**
 * Opens a confirmation link: the address becomes the person's confirmed one. Throws
 * NotFoundError for a link unknown, used, expired or for an address since replaced, and
 * ConflictError(`email_taken`) when another account confirmed the address meanwhile.
 */
export async function confirmEmail(
  kv: Deno.Kv,
  token: string,
): Promise<{ userId: string; address: string }> {
  const hash = tokenHashOf(token);
  const gone = new NotFoundError("This link is not valid any more: it was used, or it expired.");
  if (!hash) throw gone;
  return await commitWithRetry(async () => {
    const tokenEntry = await kv.get<EmailToken>(emailTokenKey(hash));
    const t = tokenEntry.value;
    if (!t || t.expiresAt < Date.now()) throw gone;
    const [current, owner] = await kv.getMany<[EmailRecord, string]>([
      userEmailKey(t.userId),
      emailOwnerKey(t.address),
    ]);
    if (!current.value || current.value.address !== t.address) throw gone;
    if (owner.value && owner.value !== t.userId) throw new ConflictError(TAKEN, "email_taken");
    const record: EmailRecord = {
      ...current.value,
      confirmedAt: current.value.confirmedAt ?? new Date().toISOString(),
    };
    const result = await kv.atomic().check(tokenEntry, current, owner)
      .delete(emailTokenKey(hash))
      .set(userEmailKey(t.userId), record)
      .set(emailOwnerKey(t.address), t.userId)
      .commit();
    return result.ok ? { userId: t.userId, address: t.address } : null;
  });
}

/** Forgets the person's address (and frees it for another account). */
export async function removeEmail(kv: Deno.Kv, userId: string): Promise<void> {
  await commitWithRetry(async () => {
    const current = await kv.get<EmailRecord>(userEmailKey(userId));
    if (!current.value) return true;
    const op = kv.atomic().check(current).delete(userEmailKey(userId));
    if (current.value.confirmedAt) op.delete(emailOwnerKey(current.value.address));
    return (await op.commit()).ok ? true : null;
  });
}

/** Turns missed-message emails on or off. NotFoundError when there is no address. */
export async function setEmailNotifications(
  kv: Deno.Kv,
  userId: string,
  on: boolean,
): Promise<void> {
  await commitWithRetry(async () => {
    const current = await kv.get<EmailRecord>(userEmailKey(userId));
    if (!current.value) throw new NotFoundError("Give an email address first.");
    const record = { ...current.value, unsubscribed: !on };
    return (await kv.atomic().check(current).set(userEmailKey(userId), record).commit()).ok
      ? true
      : null;
  });
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The unsubscribe link's token for a record: `<userId>.<secret>`. */
export function unsubscribeToken(userId: string, record: EmailRecord): string {
  return `${userId}.${record.unsubscribeSecret}`;
}

/**
 * An unsubscribe link opened: missed-message emails stop for its person. False for a link
 * that names nobody (a wrong secret, an address since replaced or removed).
 */
export async function unsubscribeByToken(
  kv: Deno.Kv,
  token: string,
  options: { apply: boolean } = { apply: true },
): Promise<boolean> {
  const m = /^([0-9A-Z]{26})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return false;
  const [, userId, secret] = m;
  let found = false;
  await commitWithRetry(async () => {
    const current = await kv.get<EmailRecord>(userEmailKey(userId));
    const record = current.value;
    found = record !== null && timingSafeEqual(utf8(record.unsubscribeSecret), utf8(secret));
    if (!found || !options.apply || record!.unsubscribed) return true;
    const changed = { ...record!, unsubscribed: true };
    return (await kv.atomic().check(current).set(userEmailKey(userId), changed).commit()).ok
      ? true
      : null;
  });
  return found;
}
