/**
 * The store's first account becomes the site admin. The commit that creates it checks that
 * `foundedKey` is empty and sets it, so of two people registering at once on a new site only
 * one is the admin. A store made before site admins existed (accounts, no founded key) is
 * marked founded with nobody: its oldest account is not made admin silently.
 */
import type { AppError } from "../errors.ts";
import { foundedKey, usersPrefix } from "../storage/mod.ts";

export type FoundedRecord = { at: string; userId: string | null };

/**
 * Who may create an account besides the first one (which is always allowed): `refusal` is
 * thrown for any other; `prepare` runs before each attempt, and its checks and writes join
 * the commit that creates the account (an invite's use, counted in that same commit).
 */
export type Admission = {
  refusal?: AppError;
  prepare?: () => Promise<AdmissionStep>;
};
export type AdmissionStep = {
  extend: (op: Deno.AtomicOperation) => Deno.AtomicOperation;
  /** The invite's creator, remembered on the new account. */
  invitedBy?: string;
};

/**
 * Whether the next account is the store's first (`entry` is then the empty founded key the
 * creating commit must check). A store with accounts and no founded key is marked founded by
 * nobody here, once.
 */
export async function foundingState(
  kv: Deno.Kv,
): Promise<{ entry: Deno.KvEntryMaybe<FoundedRecord>; first: boolean }> {
  const entry = await kv.get<FoundedRecord>(foundedKey());
  if (entry.value) return { entry, first: false };
  for await (const _ of kv.list({ prefix: usersPrefix() }, { limit: 1 })) {
    const record: FoundedRecord = { at: new Date().toISOString(), userId: null };
    await kv.atomic().check(entry).set(foundedKey(), record).commit();
    return { entry, first: false };
  }
  return { entry, first: true };
}

/** True while the store has no account yet (the next one becomes the site admin). */
export async function awaitingFirstAccount(kv: Deno.Kv): Promise<boolean> {
  return (await foundingState(kv)).first;
}

/** Adds the founding to the commit that creates the first account. */
export function markFounded(
  op: Deno.AtomicOperation,
  entry: Deno.KvEntryMaybe<FoundedRecord>,
  userId: string,
): Deno.AtomicOperation {
  const record: FoundedRecord = { at: new Date().toISOString(), userId };
  return op.check(entry).set(foundedKey(), record);
}
