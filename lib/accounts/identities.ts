/**
 * Identities: an account at an OAuth provider (provider + its subject) tied to one user. The
 * first sign-in with an unknown identity creates a user without a password; a signed-in user
 * may link one identity per provider.
 */
import { ConflictError } from "../errors.ts";
import type { Admission } from "./founding.ts";
import type { ExternalProfile, ProviderId } from "./oauth.ts";
import {
  createUserWithoutPassword,
  getUserById,
  getUsersByUsernames,
  type User,
  usernameSchema,
} from "./users.ts";
import { identityKey, userIdentitiesPrefix, userIdentityKey } from "../storage/mod.ts";

/** What a user sees of one linked identity. */
export type LinkedIdentity = {
  provider: ProviderId;
  subject: string;
  username: string | null;
  email: string | null;
  linkedAt: string;
};

function linkedIdentity(provider: ProviderId, profile: ExternalProfile): LinkedIdentity {
  return {
    provider,
    subject: profile.subject,
    username: profile.username,
    email: profile.email,
    linkedAt: new Date().toISOString(),
  };
}

/**
 * The user this identity signs in as; on first sight, a new account (username from the
 * profile, suffixed with a number when taken) created in one commit with the identity, so two
 * simultaneous first sign-ins make one account. A new account must pass `admission` (the
 * site's registration mode; an identity already linked always signs in).
 */
export async function signInWithIdentity(
  kv: Deno.Kv,
  provider: ProviderId,
  profile: ExternalProfile,
  options: { admission?: Admission } = {},
): Promise<User> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const entry = await kv.get<string>(identityKey(provider, profile.subject));
    const existing = entry.value ? await getUserById(kv, entry.value) : null;
    if (existing) return existing;
    const username = await freeUsername(kv, usernameBase(profile), attempt);
    const displayName = (profile.name?.trim() || username).slice(0, 64);
    const user = await createUserWithoutPassword(kv, { username, displayName }, {
      admission: options.admission,
      withinCommit: (op, u) =>
        op.check(entry) // unchanged since read: nobody linked it meanwhile
          .set(identityKey(provider, profile.subject), u.id)
          .set(userIdentityKey(u.id, provider), linkedIdentity(provider, profile)),
    });
    if (user) return user;
    // Lost a race (the name was taken, or the identity was linked): read again and retry.
  }
  throw new ConflictError("Could not create an account for this sign-in. Please try again.");
}

/**
 * Links an identity to a signed-in user. Linking the same identity again is a no-op. Throws
 * ConflictError "identity_taken" when it belongs to another user, "provider_already_linked"
 * when this user has linked another account at the provider.
 */
export async function linkIdentity(
  kv: Deno.Kv,
  userId: string,
  input: { provider: ProviderId; profile: ExternalProfile; providerName: string },
): Promise<void> {
  const { provider, profile, providerName } = input;
  const [owner, mine] = await kv.getMany<[string, LinkedIdentity]>([
    identityKey(provider, profile.subject),
    userIdentityKey(userId, provider),
  ]);
  if (owner.value === userId) return;
  if (owner.value && await getUserById(kv, owner.value)) {
    throw new ConflictError(
      `That ${providerName} account is already linked to another Hearth account.`,
      "identity_taken",
    );
  }
  if (mine.value) {
    throw new ConflictError(
      `You have already linked a different ${providerName} account.`,
      "provider_already_linked",
    );
  }
  const result = await kv.atomic().check(owner).check(mine)
    .set(identityKey(provider, profile.subject), userId)
    .set(userIdentityKey(userId, provider), linkedIdentity(provider, profile))
    .commit();
  if (!result.ok) {
    throw new ConflictError("That account was linked elsewhere meanwhile.", "identity_taken");
  }
}

/** The identities linked to a user, one per provider. */
export async function listIdentities(kv: Deno.Kv, userId: string): Promise<LinkedIdentity[]> {
  const found: LinkedIdentity[] = [];
  for await (const entry of kv.list<LinkedIdentity>({ prefix: userIdentitiesPrefix(userId) })) {
    found.push(entry.value);
  }
  return found;
}

/**
 * A username from the profile, made to fit the app's rules (a-z 0-9 _ . -, 3–32 chars):
 * the provider's username, else the email's local part, else the name, else "user".
 */
export function usernameBase(profile: Pick<ExternalProfile, "username" | "email" | "name">) {
  const sources = [profile.username, profile.email?.split("@")[0], profile.name];
  for (const source of sources) {
    const cleaned = (source ?? "")
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "") // accents off: "José" → "jose"
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, "-")
      .replace(/^[-_.]+|[-_.]+$/g, "")
      .slice(0, 32)
      .replace(/[-_.]+$/, "");
    if (usernameSchema.safeParse(cleaned).success) return cleaned;
  }
  return "user";
}

/** The first of base, base2, base3… not taken (checked ten at a time). */
async function freeUsername(kv: Deno.Kv, base: string, skip: number): Promise<string> {
  for (let from = 1 + skip; from < 10_000; from += 10) {
    const candidates = Array.from({ length: 10 }, (_, i) => withSuffix(base, from + i));
    const taken = new Set((await getUsersByUsernames(kv, candidates)).map((u) => u.username));
    const free = candidates.find((c) => !taken.has(c));
    if (free) return free;
  }
  throw new ConflictError("Could not find a free username for this sign-in.");
}

/** n = 1 is the base itself; the suffix never pushes the name past 32 characters. */
function withSuffix(base: string, n: number): string {
  if (n === 1) return base;
  const suffix = String(n);
  return base.slice(0, 32 - suffix.length) + suffix;
}

/** Unlinks every identity of a user (account deletion): they can no longer sign in as them. */
export async function unlinkAllIdentities(kv: Deno.Kv, userId: string): Promise<void> {
  for (const identity of await listIdentities(kv, userId)) {
    await kv.atomic()
      .delete(identityKey(identity.provider, identity.subject))
      .delete(userIdentityKey(userId, identity.provider))
      .commit();
  }
}
