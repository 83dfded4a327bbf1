/**
 * Invites: a link (`/join/<code>`) that lets a limited number of people create an account
 * until it expires. The code is 128 random bits, URL-safe. A use is counted in the same
 * commit that creates the account (two people racing for the last use: one wins). Revoking
 * deletes the invite; KV drops expired ones a month after they expire.
 */
import { z } from "zod";
import { ulid } from "ulid";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import {
  commitRetryingLocks,
  inviteCodeKey,
  inviteKey,
  invitesPrefix,
  isId,
} from "../storage/mod.ts";
import type { Admission, AdmissionStep } from "./founding.ts";
import { deletedUser, getActiveUserById, getUsersByIds, type User } from "./users.ts";

/** How an invite is kept. */
type InviteRecord = {
  id: string;
  code: string;
  maxUses: number;
  uses: number;
  expiresAt: string;
  createdBy: string;
  createdAt: string;
};

/** What the API and pages show of an invite. */
export type Invite = {
  id: string;
  code: string;
  /** PUBLIC_URL (or the request's origin) + /join/<code>. */
  url: string;
  maxUses: number;
  uses: number;
  expiresAt: string;
  createdAt: string;
  createdBy: User;
};

export const INVITE_DEFAULTS = { maxUses: 1, expiresInDays: 7 } as const;
/** Expired invites stay listed (marked) this long, then KV drops them. */
const KEEP_EXPIRED_MS = 30 * 24 * 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;
/** An unknown, used-up, expired or revoked code, in a person's words. */
export const INVITE_INVALID_MESSAGE =
  "This invite link has been used up, has expired or was revoked. Ask for a new one.";

/** Form fields arrive as strings ("" = the default). */
const count = (min: number, max: number, what: string) =>
  z.preprocess(
    (v) => (v === "" || v === null ? undefined : typeof v === "string" ? Number(v) : v),
    z.number({ message: `Enter a number of ${what}.` }).int(`Enter a whole number of ${what}.`)
      .min(min, `Use at least ${min}.`).max(max, `Use at most ${max}.`).optional(),
  );

export const inviteCreateSchema = z.object({
  maxUses: count(1, 1000, "uses"),
  expiresInDays: count(1, 90, "days"),
});
export type InviteCreateInput = z.infer<typeof inviteCreateSchema>;

/** 128 random bits, base64url without padding (22 characters). */
function newCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

const CODE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** How long KV keeps the record: until a month after it expires. */
function keepFor(record: InviteRecord): number {
  return Math.max(60_000, Date.parse(record.expiresAt) + KEEP_EXPIRED_MS - Date.now());
}

function toInvite(record: InviteRecord, creator: User | undefined, base: string): Invite {
  return {
    id: record.id,
    code: record.code,
    url: `${base}/join/${record.code}`,
    maxUses: record.maxUses,
    uses: record.uses,
    expiresAt: record.expiresAt,
    createdAt: record.createdAt,
    createdBy: creator ?? deletedUser(record.createdBy),
  };
}

/** Whether an invite can still be used (uses left, not expired). */
export function inviteUsable(invite: Pick<Invite, "uses" | "maxUses" | "expiresAt">): boolean {
  return invite.uses < invite.maxUses && Date.parse(invite.expiresAt) > Date.now();
}

/** Creates an invite by `creator` (the caller has checked they may). */
export async function createInvite(
  kv: Deno.Kv,
  creator: User,
  input: InviteCreateInput,
  base: string,
): Promise<Invite> {
  const now = Date.now();
  const record: InviteRecord = {
    id: ulid(),
    code: newCode(),
    maxUses: input.maxUses ?? INVITE_DEFAULTS.maxUses,
    uses: 0,
    expiresAt: new Date(now + (input.expiresInDays ?? INVITE_DEFAULTS.expiresInDays) * DAY_MS)
      .toISOString(),
    createdBy: creator.id,
    createdAt: new Date(now).toISOString(),
  };
  const expireIn = keepFor(record);
  await commitRetryingLocks(() =>
    kv.atomic()
      .set(inviteKey(record.id), record, { expireIn })
      .set(inviteCodeKey(record.code), record.id, { expireIn })
  );
  return toInvite(record, creator, base);
}

/** Invites, newest first: every one, or those `createdBy` made. At most `limit`. */
export async function listInvites(
  kv: Deno.Kv,
  options: { createdBy?: string; base: string; limit?: number },
): Promise<Invite[]> {
  const limit = options.limit ?? 200;
  const records: InviteRecord[] = [];
  const iter = kv.list<InviteRecord>({ prefix: invitesPrefix() }, { reverse: true });
  for await (const entry of iter) {
    if (options.createdBy && entry.value.createdBy !== options.createdBy) continue;
    records.push(entry.value);
    if (records.length >= limit) break;
  }
  const creators = await getUsersByIds(kv, [...new Set(records.map((r) => r.createdBy))]);
  const byId = new Map(creators.map((u) => [u.id, u]));
  return records.map((r) => toInvite(r, byId.get(r.createdBy), options.base));
}

/**
 * Revokes (deletes) an invite: its creator or a site admin. Anyone else, and an unknown id:
 * NotFoundError (an invite you cannot list does not exist for you).
 */
export async function revokeInvite(kv: Deno.Kv, actor: User, inviteId: string): Promise<void> {
  // Not an id at all (a key that long cannot even be read): the same 404 as a missing one.
  if (!isId(inviteId)) throw new NotFoundError("Invite not found.");
  const entry = await kv.get<InviteRecord>(inviteKey(inviteId));
  const record = entry.value;
  if (!record || (record.createdBy !== actor.id && !actor.isAdmin)) {
    throw new NotFoundError("Invite not found.");
  }
  await commitRetryingLocks(() =>
    kv.atomic().delete(inviteKey(record.id)).delete(inviteCodeKey(record.code))
  );
}

/**
 * The invite a code names, whether usable or not (null for an unknown or revoked code). An
 * invite of a disabled or deleted account is not usable.
 */
export async function findInviteByCode(
  kv: Deno.Kv,
  code: string,
  base: string,
): Promise<{ invite: Invite; usable: boolean } | null> {
  const found = await readByCode(kv, code);
  if (!found?.value) return null;
  const creator = await getActiveUserById(kv, found.value.createdBy);
  const invite = toInvite(found.value, creator ?? undefined, base);
  return { invite, usable: creator !== null && inviteUsable(invite) };
}

async function readByCode(
  kv: Deno.Kv,
  code: string,
): Promise<Deno.KvEntryMaybe<InviteRecord> | null> {
  if (!CODE_PATTERN.test(code)) return null;
  const id = (await kv.get<string>(inviteCodeKey(code))).value;
  if (!id) return null;
  const entry = await kv.get<InviteRecord>(inviteKey(id));
  return entry.value?.code === code ? entry : null;
}

/**
 * Using the invite a code names, as an account's admission: each attempt reads it again,
 * throws ForbiddenError("invite_invalid") when it is unknown, used up or expired (or its
 * creator's account is disabled or deleted), and adds
 * "one more use, unless it changed meanwhile" to the commit that creates the account.
 */
export function inviteAdmission(kv: Deno.Kv, code: string): Admission {
  return {
    prepare: async (): Promise<AdmissionStep> => {
      const entry = await readByCode(kv, code);
      const usable = entry?.value && inviteUsable(entry.value) &&
        await getActiveUserById(kv, entry.value.createdBy);
      if (!entry?.value || !usable) {
        throw new ForbiddenError(INVITE_INVALID_MESSAGE, "invite_invalid");
      }
      const record = entry.value;
      const next: InviteRecord = { ...record, uses: record.uses + 1 };
      return {
        extend: (op) =>
          op.check(entry).set(inviteKey(record.id), next, { expireIn: keepFor(record) }),
        invitedBy: record.createdBy,
      };
    },
  };
}
