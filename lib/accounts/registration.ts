/**
 * Who may create an account by themselves (the register form and API, and a first OAuth
 * sign-in), by the site's registration mode. The store's first account is always allowed
 * (and becomes the site admin: founding.ts); admins create accounts in any mode.
 */
import { AppError, ForbiddenError } from "../errors.ts";
import type { Admission } from "./founding.ts";
import { inviteAdmission } from "./invites.ts";
import type { Registration } from "./site.ts";

export const INVITE_REQUIRED_MESSAGE =
  "You need an invite to join this site. Ask someone here for an invite link.";
export const REGISTRATION_CLOSED_MESSAGE =
  "This site is not taking new accounts. Ask an administrator to create one for you.";

/**
 * The admission for a new account under `registration`: `invite` needs a valid code
 * (403 invite_required without one, invite_invalid for a bad one) and counts its use; `open`
 * lets anyone in (a valid code given is counted, a bad one ignored); `closed` refuses
 * (403 registration_closed).
 */
export function admissionFor(
  kv: Deno.Kv,
  registration: Registration,
  inviteCode: string | undefined | null,
): Admission {
  const code = inviteCode?.trim() || null;
  if (registration === "closed") {
    return { refusal: new ForbiddenError(REGISTRATION_CLOSED_MESSAGE, "registration_closed") };
  }
  if (registration === "invite") {
    if (!code) return { refusal: new ForbiddenError(INVITE_REQUIRED_MESSAGE, "invite_required") };
    return inviteAdmission(kv, code);
  }
  if (!code) return {};
  const counted = inviteAdmission(kv, code);
  return {
    prepare: async () => {
      try {
        return await counted.prepare!();
      } catch (err) {
        if (err instanceof AppError && err.code === "invite_invalid") return { extend: (op) => op };
        throw err;
      }
    },
  };
}
