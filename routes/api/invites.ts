/**
 * Invites (contract: "Who may join, and the site admin"): admins see and revoke every invite;
 * members see their own, and create them when the admin lets members invite. Form posts
 * (the /invites and /admin pages without JavaScript) are answered with a 303 to `next`.
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  createInvite,
  getSiteSettings,
  inviteCreateSchema,
  listInvites,
  revokeInvite,
  type User,
} from "../../lib/accounts/mod.ts";
import { ForbiddenError } from "../../lib/errors.ts";
import { type AppCtx, type Env, isFormPost, readBody, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { safeNext } from "../_request.ts";
import { limitCreation } from "./_limits.ts";

/** Where invite links point: PUBLIC_URL, or the origin this request came to. */
export function inviteBase(c: AppCtx): string {
  return c.get("ctx").config.publicUrl ?? new URL(c.req.url).origin;
}

/** Admins may invite; members too when the site's settings say so. */
export async function mayInvite(c: AppCtx, user: User): Promise<boolean> {
  if (user.isAdmin) return true;
  const { kv, config } = c.get("ctx");
  return (await getSiteSettings(kv, config)).membersMayInvite;
}

const createSchema = inviteCreateSchema.extend({ next: z.string().max(2000).optional() });
const revokeSchema = z.object({ next: z.string().max(2000).optional() });

/** The page a form comes back to, with what was done (`done=`) for it to say. */
function back(next: string | undefined, done: string): string {
  const path = safeNext(next ?? "/invites");
  return `${path}${path.includes("?") ? "&" : "?"}done=${done}`;
}

async function revoke(c: AppCtx): Promise<void> {
  const user = requireUser(c);
  await revokeInvite(c.get("ctx").kv, user, c.req.param("id") ?? "");
}

const revokeAnswers = {
  204: "Revoked.",
  404: "No such invite, or not yours (only admins revoke others').",
};

export const invitesRoutes = new Hono<Env>()
  .get(
    "/",
    doc({
      tag: "Invites",
      summary: "Invites: every one for an admin, your own for a member.",
      responses: { 200: "`{invites: Invite[]}` (each with its link, uses and expiry)." },
    }),
    async (c) => {
      const user = requireUser(c);
      const invites = await listInvites(c.get("ctx").kv, {
        createdBy: user.isAdmin ? undefined : user.id,
        base: inviteBase(c),
      });
      return c.json({ invites });
    },
  )
  .post(
    "/",
    doc({
      tag: "Invites",
      summary: "Creates an invite link (admins; members when the site lets them).",
      description: "A form post is answered with a 303 to `next` (default /invites).",
      body: createSchema,
      bodyTypes: ["json", "form"],
      responses: {
        201: "`{invite: Invite}` (with its `url`).",
        303: "A form post: back to `next`, with `done=invite_created`.",
        400: "An invalid field.",
        403: "Only administrators may invite on this site.",
        429: "Too many invites: wait for `Retry-After`.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      if (!(await mayInvite(c, user))) {
        throw new ForbiddenError("Only administrators can invite people to this site.");
      }
      const input = await readBody(c, createSchema);
      await limitCreation(c, user.id, "invite");
      const invite = await createInvite(c.get("ctx").kv, user, input, inviteBase(c));
      return isFormPost(c)
        ? c.redirect(back(input.next, "invite_created"), 303)
        : c.json({ invite }, 201);
    },
  )
  .delete(
    "/:id",
    doc({ tag: "Invites", summary: "Revokes an invite.", responses: revokeAnswers }),
    async (c) => {
      await revoke(c);
      return c.body(null, 204);
    },
  )
  // Forms cannot send DELETE: the same, as a post (the Revoke buttons).
  .post(
    "/:id/revoke",
    doc({
      tag: "Invites",
      summary: "Revokes an invite from a form (pages without JavaScript).",
      body: revokeSchema,
      bodyTypes: ["form"],
      responses: { ...revokeAnswers, 303: "Back to `next`, with `done=invite_revoked`." },
    }),
    async (c) => {
      const form = isFormPost(c) ? await readBody(c, revokeSchema) : {};
      await revoke(c);
      return isFormPost(c) ? c.redirect(back(form.next, "invite_revoked"), 303) : c.body(null, 204);
    },
  );
