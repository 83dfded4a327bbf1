/**
 * Email (issue 18), when SMTP_URL and MAIL_FROM are set (else 404 `email_off`):
 * `meEmailRoutes` at /api/me — `GET /email` → `{address, confirmed, notifications}`,
 * `PUT /email` `{email, currentPassword}` → 202 (a confirmation link is mailed; the password
 * is needed when the account has one: 400 `wrong_password`), `DELETE /email` → 204,
 * `PUT /email/notifications` `{enabled}` → 200; form twins `POST /email`, `POST /email/remove`,
 * `POST /email/notifications` (303 back to /account#email).
 * `passwordResetRoutes` at /api/auth — `POST /password-reset` `{login}` → 202 whoever it
 * names, `POST /password-reset/complete` `{token, password}` → 204 (forms: 303 to a page).
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  authenticate,
  completePasswordReset,
  emailAddressSchema,
  getAccountByUsername,
  getEmailState,
  passwordSchema,
  removeEmail,
  requestEmail,
  requestPasswordReset,
  setEmailNotifications,
} from "../../lib/accounts/mod.ts";
import { AppError, UnauthorizedError, ValidationError } from "../../lib/errors.ts";
import { hitRateLimit } from "../../lib/ops/mod.ts";
import {
  type AppCtx,
  type Env,
  isFormPost,
  isHttps,
  postedForm,
  readBody,
  requireUser,
} from "../_http.ts";
import { clientAddress } from "../_request.ts";
import { siteName } from "../_page.tsx";
import { renderResetPage } from "../email_pages.tsx";
import { doc, type RouteDoc } from "../_openapi.ts";

const emailSchema = z.object({
  email: emailAddressSchema,
  /** Needed when the account has a password: an address can reset it. */
  currentPassword: z.string().max(256).optional(),
});
const booleanField = z.union([
  z.boolean(),
  z.enum(["true", "false"]).transform((v) => v === "true"),
]);
const notificationsSchema = z.object({ enabled: booleanField });
const resetRequestSchema = z.object({
  login: z.string().trim().min(1, "Enter your username or email address.").max(254),
});
const resetCompleteSchema = z.object({
  token: z.string().min(1).max(100),
  password: passwordSchema,
});

const HOUR = 60 * 60_000;

/** Email is optional: without SMTP_URL and MAIL_FROM these routes are not there. */
function requireEmail(c: AppCtx): void {
  if (!c.get("ctx").config.email) {
    throw new AppError(404, "email_off", "This server sends no email (SMTP_URL is not set).");
  }
}

async function limit(c: AppCtx, key: string[], perHour: number): Promise<void> {
  const { kv, config } = c.get("ctx");
  await hitRateLimit(kv, key, { limit: perHour, windowMs: HOUR, scale: config.rateLimitScale });
}

/** A form (no JavaScript) goes back to the account page with a notice or an error code. */
async function orBackToAccount(c: AppCtx, run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (!isFormPost(c) || !(err instanceof AppError) || err.status === 401) throw err;
    return c.redirect(`/account?email_error=${encodeURIComponent(err.code)}#email`, 303);
  }
}

const back = (c: AppCtx, notice: string) => c.redirect(`/account?email=${notice}#email`, 303);

/**
 * An address can reset the password, so giving one takes the password (a borrowed session
 * alone must not be able to take the account over). Accounts without one (OAuth) pass.
 */
async function requirePassword(c: AppCtx, password: string | undefined): Promise<void> {
  const user = requireUser(c);
  const { kv, config } = c.get("ctx");
  if (!(await getAccountByUsername(kv, user.username))?.hasPassword) return;
  const wrong = (message: string) =>
    new ValidationError(message, { currentPassword: message }, "wrong_password");
  if (!password) throw wrong("Enter your current password.");
  await authenticate(kv, { username: user.username, password }, {
    clientAddress: clientAddress(c),
    rateLimitScale: config.rateLimitScale,
  }).catch((err) => {
    if (err instanceof UnauthorizedError) throw wrong("That is not your current password.");
    throw err;
  });
}

async function setAddress(c: AppCtx): Promise<Response> {
  const user = requireUser(c);
  requireEmail(c);
  const { kv, config } = c.get("ctx");
  const { email, currentPassword } = await readBody(c, emailSchema);
  await requirePassword(c, currentPassword);
  await limit(c, ["email_set", user.id], 10);
  await limit(c, ["email_to", email.toLowerCase()], 5);
  const origin = `${isHttps(c) ? "https" : "http"}://${new URL(c.req.url).host}`;
  await requestEmail(kv, user.id, {
    address: email,
    origin,
    publicUrl: config.publicUrl,
    siteName: siteName(c),
  });
  if (isFormPost(c)) return back(c, "sent");
  return c.json(await getEmailState(kv, user.id), 202);
}

async function setNotifications(c: AppCtx): Promise<Response> {
  const user = requireUser(c);
  requireEmail(c);
  const { enabled } = await readBody(c, notificationsSchema);
  await setEmailNotifications(c.get("ctx").kv, user.id, enabled);
  if (isFormPost(c)) return back(c, enabled ? "on" : "off");
  return c.json(await getEmailState(c.get("ctx").kv, user.id));
}

const off = "This server sends no email (`email_off`).";
const state = "`{address: string | null, confirmed: boolean, notifications: boolean}`.";
const toAccount = "A form post: back to the account page (errors as `email_error=<code>`).";
const setDoc: RouteDoc = {
  tag: "Email",
  summary: "Sets your email address: a confirmation link is mailed to it.",
  description:
    "Needs `currentPassword` when your account has a password (an address can reset it).",
  body: emailSchema,
  bodyTypes: ["json", "form"],
  responses: {
    202: state + " The address waits for its confirmation.",
    303: toAccount,
    400: "An invalid address, or a wrong current password (`wrong_password`).",
    404: off,
    429: "Too many changes or mails to that address: wait for `Retry-After`.",
  },
};
const notificationsDoc: RouteDoc = {
  tag: "Email",
  summary: "Turns email notifications (missed mentions and direct messages) on or off.",
  body: notificationsSchema,
  bodyTypes: ["json", "form"],
  responses: { 200: state, 303: toAccount, 400: "`enabled` is not a boolean.", 404: off },
};
const removeDoc: RouteDoc = {
  tag: "Email",
  summary: "Removes your email address.",
  responses: { 204: "Removed.", 404: off },
};

export const meEmailRoutes = new Hono<Env>()
  .get(
    "/email",
    doc({
      tag: "Email",
      summary: "Your email address, whether it is confirmed, and email notifications.",
      responses: { 200: state, 404: off },
    }),
    async (c) => {
      const user = requireUser(c);
      requireEmail(c);
      return c.json(await getEmailState(c.get("ctx").kv, user.id));
    },
  )
  .put("/email", doc(setDoc), setAddress)
  .post(
    "/email",
    doc({ ...setDoc, summary: "Sets your email address from a form." }),
    (c) => orBackToAccount(c, () => setAddress(c)),
  )
  .delete("/email", doc(removeDoc), async (c) => {
    const user = requireUser(c);
    requireEmail(c);
    await removeEmail(c.get("ctx").kv, user.id);
    return c.body(null, 204);
  })
  .post(
    "/email/remove",
    doc({
      ...removeDoc,
      summary: "Removes your email address from a form.",
      responses: { ...removeDoc.responses as Record<number, string>, 303: toAccount },
    }),
    (c) =>
      orBackToAccount(c, async () => {
        const user = requireUser(c);
        requireEmail(c);
        await removeEmail(c.get("ctx").kv, user.id);
        return isFormPost(c) ? back(c, "removed") : c.body(null, 204);
      }),
  )
  .put("/email/notifications", doc(notificationsDoc), setNotifications)
  .post(
    "/email/notifications",
    doc({ ...notificationsDoc, summary: "Turns email notifications on or off from a form." }),
    (c) => orBackToAccount(c, () => setNotifications(c)),
  );

export const passwordResetRoutes = new Hono<Env>()
  /**
   * Always 202 for a valid body: one queued job whoever the login names (the mail worker
   * looks the account up), so neither the answer nor its timing tells whether it exists.
   */
  .post(
    "/password-reset",
    doc({
      tag: "Auth",
      summary: "Asks for a password reset link, mailed to the account's confirmed address.",
      description: "The same answer whether or not the login names an account.",
      auth: "none",
      body: resetRequestSchema,
      bodyTypes: ["json", "form"],
      responses: {
        202: "`{}`: a link is mailed if the account has a confirmed address.",
        303: "A form post: to /forgot.",
        400: "No login given.",
        404: off,
        429: "Too many requests: wait for `Retry-After`.",
      },
    }),
    async (c) => {
      requireEmail(c);
      try {
        const { login } = await readBody(c, resetRequestSchema);
        await limit(c, ["reset_addr", clientAddress(c)], 30);
        await limit(c, ["reset_login", login.toLowerCase()], 5);
        await requestPasswordReset(c.get("ctx").kv, login);
      } catch (err) {
        if (!isFormPost(c) || !(err instanceof AppError) || err.status === 415) throw err;
        return c.redirect(`/forgot?problem=${encodeURIComponent(err.code)}`, 303);
      }
      return isFormPost(c) ? c.redirect("/forgot?sent=1", 303) : c.json({}, 202);
    },
  )
  .post(
    "/password-reset/complete",
    doc({
      tag: "Auth",
      summary: "Sets a new password with a reset link's token; every session ends.",
      auth: "url",
      body: resetCompleteSchema,
      bodyTypes: ["json", "form"],
      responses: {
        204: "Changed: sign in with the new password.",
        303: "A form post: to /reset/done.",
        400: "A weak password.",
        404: off + " Or an unknown, used or expired token (`reset_invalid`).",
        429: "Too many attempts: wait for `Retry-After`.",
      },
    }),
    async (c) => {
      requireEmail(c);
      const { kv, hub } = c.get("ctx");
      let input;
      try {
        input = await readBody(c, resetCompleteSchema);
      } catch (err) {
        const token = isFormPost(c) ? formToken(c) : null;
        if (token !== null && err instanceof ValidationError && err.fields?.password) {
          return await renderResetPage(c, token, { error: err.fields.password, status: 400 });
        }
        throw err;
      }
      await limit(c, ["reset_done", clientAddress(c)], 30);
      const { endedSessions } = await completePasswordReset(kv, input.token, input.password);
      for (const id of endedSessions) hub.endSession(id);
      return isFormPost(c) ? c.redirect("/reset/done", 303) : c.body(null, 204);
    },
  );

/** The token a refused reset form carried (to show its page again), if it looks like one. */
function formToken(c: AppCtx): string | null {
  const raw = postedForm(c).get("token");
  return typeof raw === "string" && /^[A-Za-z0-9_-]{1,100}$/.test(raw) ? raw : null;
}
