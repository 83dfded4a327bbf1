import { Hono } from "hono";
import { z } from "zod";
import {
  admissionFor,
  authenticate,
  createUser,
  displayNameSchema,
  getSiteSettings,
  listSessions,
  passwordSchema,
  revokeAllSessions,
  revokeSession,
  revokeSessionById,
  sessionIdOf,
  setPassword,
  usernameSchema,
} from "../../lib/accounts/mod.ts";
import { AppError, NotFoundError, UnauthorizedError, ValidationError } from "../../lib/errors.ts";
import { hitRateLimit } from "../../lib/ops/mod.ts";
import { forgetSessionSubscriptions } from "../../lib/notify/mod.ts";
import { signIn } from "../_session.ts";
import {
  type AppCtx,
  clearSessionCookie,
  type Env,
  isFormPost,
  postedForm,
  readBody,
  readSessionCookie,
  requireUser,
} from "../_http.ts";
import { renderAuthPage } from "../auth_pages.tsx";
import { doc, type RouteDoc } from "../_openapi.ts";
import { oneUser, userShape } from "../_api_shapes.ts";
import { clientAddress, safeNext } from "../_request.ts";

const registerSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  displayName: z.preprocess((v) => (v === "" ? undefined : v), displayNameSchema.optional()),
  /** An invite's code (the /join/:code page fills it in): needed when REGISTRATION=invite. */
  inviteCode: z.string().trim().max(100).nullish(),
  next: z.string().optional(),
});
const passwordChangeSchema = z.object({
  currentPassword: z.string().min(1, "Enter your current password.").max(256),
  newPassword: passwordSchema,
});
const loginSchema = z.object({
  username: z.string().trim().min(1, "Enter your username.").max(64),
  password: z.string().min(1, "Enter your password.").max(256),
  next: z.string().optional(),
});

/** Form posts get the page again with errors beside the fields; JSON clients get the error. */
async function orFormPage(c: AppCtx, mode: "login" | "register", run: () => Promise<Response>) {
  try {
    return await run();
  } catch (err) {
    if (!isFormPost(c) || !(err instanceof AppError) || err.status === 415) throw err;
    const form = postedForm(c);
    const values = {
      username: String(form.get("username") ?? ""),
      displayName: String(form.get("displayName") ?? ""),
      inviteCode: String(form.get("inviteCode") ?? ""),
    };
    return await renderAuthPage(c, mode, {
      status: err.status,
      error: err,
      values,
      next: String(form.get("next") ?? ""),
    });
  }
}

/** The id of the session this request came with (the sessions page marks it). */
async function currentSessionId(c: AppCtx): Promise<string | undefined> {
  const token = readSessionCookie(c);
  return token ? await sessionIdOf(token) : undefined;
}

/** Ends the session named in the path if it is the caller's (404 otherwise), sockets too. */
async function endOwnSession(c: AppCtx): Promise<void> {
  const user = requireUser(c);
  const id = c.req.param("id") ?? "";
  if (!(await revokeSessionById(c.get("ctx").kv, id, user.id))) {
    throw new NotFoundError("Session not found.");
  }
  c.get("ctx").hub.endSession(id);
  await forgetSessionSubscriptions(c.get("ctx").kv, user.id, [id]);
}

const endSessionDoc: RouteDoc = {
  tag: "Sessions",
  summary: "Ends one of your sessions (its sockets close at once).",
  responses: { 204: "Ended.", 404: "No such session of yours." },
};
const formPage = "A form post that fails: the page again, with the errors beside the fields.";

export const authRoutes = new Hono<Env>()
  .post(
    "/register",
    doc({
      tag: "Auth",
      summary: "Creates an account and signs in (sets the session cookie).",
      description: "Open to anyone, with an invite's code, or closed, as the site's settings say.",
      auth: "none",
      body: registerSchema,
      bodyTypes: ["json", "form"],
      responses: {
        201: { description: "Signed in as the new account.", schema: oneUser },
        303: "A form post: to `next` (a path on this site).",
        400: "An invalid field (`fields` names it; a weak password too). " + formPage,
        403: "Registration is closed, or the invite is missing, used or expired.",
        409: "The username is taken (`username_taken`).",
        429: "Too many registrations from this address: wait for `Retry-After`.",
      },
    }),
    (c) =>
      orFormPage(c, "register", async () => {
        const { kv, config } = c.get("ctx");
        const input = await readBody(c, registerSchema);
        await hitRateLimit(kv, ["register_addr", clientAddress(c)], {
          limit: 20,
          windowMs: 60 * 60_000,
          scale: config.rateLimitScale,
        });
        // Read fresh (not the few seconds' cache): an admin who just closed registration wins.
        const { registration } = await getSiteSettings(kv, config);
        const user = await createUser(kv, input, {
          admission: admissionFor(kv, registration, input.inviteCode),
        });
        await signIn(c, user.id);
        return isFormPost(c) ? c.redirect(safeNext(input.next), 303) : c.json({ user }, 201);
      }),
  )
  .post(
    "/login",
    doc({
      tag: "Auth",
      summary: "Signs in with a username and password (sets the session cookie).",
      auth: "none",
      body: loginSchema,
      bodyTypes: ["json", "form"],
      responses: {
        200: { description: "Signed in.", schema: oneUser },
        303: "A form post: to `next` (a path on this site).",
        400: "A missing field. " + formPage,
        401: "Wrong username or password (the same answer for both). Bots cannot sign in.",
        429: "Too many attempts: wait for `Retry-After`.",
      },
    }),
    (c) =>
      orFormPage(c, "login", async () => {
        const { kv, config } = c.get("ctx");
        const input = await readBody(c, loginSchema);
        const user = await authenticate(kv, input, {
          clientAddress: clientAddress(c),
          rateLimitScale: config.rateLimitScale,
        });
        await signIn(c, user.id);
        return isFormPost(c) ? c.redirect(safeNext(input.next), 303) : c.json({ user }, 200);
      }),
  )
  .post(
    "/logout",
    doc({
      tag: "Auth",
      summary: "Signs out: ends this session, its sockets and its pushes; clears the cookie.",
      auth: "none",
      responses: {
        204: "Signed out (also when you were not signed in).",
        303: "A form post: to /login.",
      },
    }),
    async (c) => {
      const token = readSessionCookie(c);
      if (token) {
        const { kv, hub } = c.get("ctx");
        const user = c.get("user");
        await revokeSession(kv, token);
        // Open sockets of this session close too (on every worker), not just the cookie, and
        // the device it turned pushes on for stops getting them.
        hub.endSession(await sessionIdOf(token));
        if (user) await forgetSessionSubscriptions(kv, user.id, [await sessionIdOf(token)]);
      }
      clearSessionCookie(c);
      return isFormPost(c) ? c.redirect("/login", 303) : c.body(null, 204);
    },
  )
  .get(
    "/sessions",
    doc({
      tag: "Sessions",
      summary: "Your signed-in sessions (devices), the current one marked.",
      responses: {
        200: "`{sessions: {id, createdAt, lastSeenAt, expiresAt, userAgent, address, current}[]}`.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const current = await currentSessionId(c);
      const sessions = await listSessions(c.get("ctx").kv, user.id);
      return c.json({ sessions: sessions.map((s) => ({ ...s, current: s.id === current })) });
    },
  )
  .delete("/sessions/:id", doc(endSessionDoc), async (c) => {
    await endOwnSession(c);
    return c.body(null, 204);
  })
  // Forms cannot send DELETE: the same, as a post (the sessions page's buttons).
  .post(
    "/sessions/:id/revoke",
    doc({
      ...endSessionDoc,
      summary: "Ends one of your sessions from a form (pages without JavaScript).",
      responses: { ...endSessionDoc.responses, 303: "A form post: to the account page." },
    }),
    async (c) => {
      await endOwnSession(c);
      return isFormPost(c) ? c.redirect("/account?done=session_ended", 303) : c.body(null, 204);
    },
  )
  /** "Sign out everywhere": every session of the user, this one included. */
  .post(
    "/sessions/revoke-all",
    doc({
      tag: "Sessions",
      summary: "Signs out everywhere: every session of yours, this one included.",
      description: "Access tokens are not sessions: revoke those at /api/tokens.",
      responses: { 204: "All ended.", 303: "A form post: to /login." },
    }),
    async (c) => {
      const user = requireUser(c);
      const { kv, hub } = c.get("ctx");
      const ended = await revokeAllSessions(kv, user.id);
      for (const id of ended) hub.endSession(id);
      await forgetSessionSubscriptions(kv, user.id, ended);
      clearSessionCookie(c);
      return isFormPost(c) ? c.redirect("/login", 303) : c.body(null, 204);
    },
  )
  /**
   * Changes the password: the current one is checked (rate-limited like a login), every
   * other session ends, and this one is rotated (a privilege change gets a fresh id).
   */
  .post(
    "/password",
    doc({
      tag: "Auth",
      summary: "Changes your password; every other session ends.",
      body: passwordChangeSchema,
      bodyTypes: ["json", "form"],
      responses: {
        204: "Changed (this session goes on, under a new id).",
        303: "A form post: to the account page.",
        400: "A wrong current password (`wrong_password`) or a weak new one.",
        429: "Too many attempts: wait for `Retry-After`.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const { kv, config, hub } = c.get("ctx");
      const input = await readBody(c, passwordChangeSchema).catch((err) => {
        // A form (no JavaScript) goes back to the page with a code that names the field.
        if (err instanceof ValidationError && err.fields?.newPassword && isFormPost(c)) {
          throw new ValidationError(err.message, err.fields, "weak_password");
        }
        throw err;
      });
      await authenticate(kv, { username: user.username, password: input.currentPassword }, {
        clientAddress: clientAddress(c),
        rateLimitScale: config.rateLimitScale,
      }).catch((err) => {
        if (err instanceof UnauthorizedError) {
          throw new ValidationError("That is not your current password.", {
            currentPassword: "That is not your current password.",
          }, "wrong_password");
        }
        throw err;
      });
      await setPassword(kv, user.id, input.newPassword);
      const keep = await currentSessionId(c);
      for (const id of await revokeAllSessions(kv, user.id, { keep })) hub.endSession(id);
      await signIn(c, user.id);
      return isFormPost(c) ? c.redirect("/account?done=password_changed", 303) : c.body(null, 204);
    },
  )
  .get(
    "/check",
    doc({
      tag: "Auth",
      summary: "Whether this request is signed in, and as whom.",
      auth: "none",
      responses: {
        200: {
          description: "Who this request is.",
          schema: z.object({ authenticated: z.boolean(), user: userShape.nullable() }),
        },
      },
    }),
    (c) => {
      const user = c.get("user");
      return c.json({ authenticated: user !== null, user });
    },
  );
