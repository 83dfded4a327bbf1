/**
 * The site admin's API (/api/admin): the people on the site, and the site's settings. Signed
 * out: 401; signed in without the site-admin role: 403 forbidden. Each change also takes a
 * form (the /admin page without JavaScript) and answers it with a 303 back to /admin and a
 * notice (`?done=` or `?failed=`, codes the page has the words for).
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  displayNameSchema,
  getSiteSettings,
  passwordSchema,
  siteSettingsPatchSchema,
  updateSiteSettings,
  usernameSchema,
} from "../../lib/accounts/mod.ts";
import {
  adminView,
  changeAccount,
  createAccount,
  deleteAccountAsAdmin,
  listPeople,
  requireSiteAdmin,
} from "../../lib/admin/mod.ts";
import { AppError } from "../../lib/errors.ts";
import { type AppCtx, type Env, isFormPost, readBody, readQuery, requireUser } from "../_http.ts";
import { doc, type RouteDoc } from "../_openapi.ts";

/** "true"/"on" and "false" as forms send them; repeated fields (hidden + checkbox): the last. */
const formBool = z.preprocess((v) => {
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  if (last === "true" || last === "on") return true;
  if (last === "false") return false;
  return last;
}, z.boolean());
const blankIsAbsent = (v: unknown) => (v === "" ? undefined : v);

const nothing = { message: "Name something to change." };
const userPatchSchema = z.object({
  isAdmin: z.boolean().optional(),
  disabled: z.boolean().optional(),
})
  .strict().refine((p) => p.isAdmin !== undefined || p.disabled !== undefined, nothing);
const userPatchFormSchema = z.object({
  isAdmin: formBool.optional(),
  disabled: formBool.optional(),
})
  .refine((p) => p.isAdmin !== undefined || p.disabled !== undefined, nothing);
const createUserSchema = z.object({
  /** A username as the app shows it works too: "@carol" is carol. */
  username: z.preprocess(
    (v) => (typeof v === "string" ? v.trim().replace(/^@/, "") : v),
    usernameSchema,
  ),
  password: passwordSchema,
  displayName: z.preprocess(blankIsAbsent, displayNameSchema.optional()),
}).strict();
const settingsFormSchema = z.object({
  name: z.preprocess(blankIsAbsent, siteSettingsPatchSchema.shape.name),
  registration: z.preprocess(blankIsAbsent, siteSettingsPatchSchema.shape.registration),
  membersMayInvite: formBool.optional(),
});
const transferSchema = z.object({
  transferTo: z.preprocess(
    (v) => (typeof v === "string" ? v.trim().replace(/^@/, "") || undefined : v),
    usernameSchema.optional(),
  ).meta({ description: "Who gets the projects the account owns (a username)." }),
});
const listQuery = z.object({
  search: z.string().max(100).optional().meta({
    description: "The beginning of a username or display name.",
  }),
  cursor: z.string().max(64).optional().meta({ description: "The previous page's `nextCursor`." }),
});

/** The signed-in site admin (401 signed out, 403 forbidden for anyone else). */
async function requireAdmin(c: AppCtx) {
  const user = requireUser(c);
  await requireSiteAdmin(c.get("ctx").kv, user);
  return user;
}

/**
 * Where a form post goes when done: back to the /admin page it came from (its search and
 * page kept), with `done=` or `failed=` for the page to explain, and the section's anchor.
 */
export function backToAdmin(
  c: AppCtx,
  outcome: { done?: string; failed?: string },
  section = "people",
): string {
  let back = new URL("/admin", c.req.url);
  try {
    const referer = new URL(c.req.header("referer") ?? "");
    if (referer.host === back.host && referer.pathname === "/admin") back = referer;
  } catch { /* no usable Referer: the page's start */ }
  back.searchParams.delete("done");
  back.searchParams.delete("failed");
  if (outcome.done) back.searchParams.set("done", outcome.done);
  if (outcome.failed) back.searchParams.set("failed", outcome.failed);
  return `${back.pathname}${back.search}#${section}`;
}

/** The code the page explains for a failed form (a field's problem named by the field). */
function failureCode(err: AppError): string {
  const fields = Object.keys(err.fields ?? {});
  return err.code === "invalid_input" && fields.length ? `bad_${fields[0]}` : err.code;
}

/**
 * Runs a change; a form post that fails goes back to `failedPath(code)` (the /admin page by
 * default), JSON callers get the error.
 */
async function formAware(
  c: AppCtx,
  change: () => Promise<Response>,
  failedPath = (code: string) => backToAdmin(c, { failed: code }),
): Promise<Response> {
  try {
    return await change();
  } catch (err) {
    // Who may not (401, 403) is answered as everywhere else (see main.ts's onError).
    if (!isFormPost(c) || !(err instanceof AppError) || err.status === 401) throw err;
    if (err.status === 403) throw err;
    return c.redirect(failedPath(failureCode(err)), 303);
  }
}

async function patchUser(c: AppCtx) {
  const actor = await requireAdmin(c);
  const form = isFormPost(c);
  const change = await readBody(c, form ? userPatchFormSchema : userPatchSchema);
  const user = await changeAccount(c.get("ctx").kv, actor, c.req.param("id") ?? "", change);
  if (!form) return c.json({ user });
  const done = change.disabled !== undefined
    ? (change.disabled ? "disabled" : "enabled")
    : (change.isAdmin ? "made_admin" : "removed_admin");
  return c.redirect(backToAdmin(c, { done }), 303);
}

async function deleteUser(c: AppCtx, transferTo?: string) {
  const actor = await requireAdmin(c);
  await deleteAccountAsAdmin(c.get("ctx").kv, actor, c.req.param("id") ?? "", { transferTo });
}

const forbidden = "Not a site admin.";
const toAdmin = "A form post: back to /admin, with `done=` or `failed=<code>`.";
const userAnswer = "`{user: AdminUser}` (with its role, state, last activity).";
const patchUserDoc: RouteDoc = {
  tag: "Admin",
  summary: "Makes someone an admin or not, or disables or enables their account.",
  description: "Disabling ends their sessions and sockets at once. Nobody disables their own " +
    "account here, and the last active admin keeps the role.",
  auth: "admin",
  body: userPatchSchema,
  formBody: userPatchFormSchema,
  bodyTypes: ["json", "form"],
  responses: {
    200: userAnswer,
    303: toAdmin,
    400: "Nothing to change, or an unknown field.",
    403: forbidden,
    404: "No such person.",
    409: "Your own account (`own_account`), or the last admin (`last_admin`).",
  },
};
const deleteUserDoc: RouteDoc = {
  tag: "Admin",
  summary: "Deletes someone's account (their messages stay, shown as a deleted account).",
  description: "`transferTo`: who gets the projects they own (needed when they own any).",
  auth: "admin",
  responses: {
    204: "Deleted.",
    400: "An invalid or unknown `transferTo`.",
    403: forbidden,
    404: "No such person.",
    409: "Your own account (`own_account`), or projects that need a new owner (`transferTo`).",
  },
};
const settingsAnswer = "`{settings: {name, registration, membersMayInvite}}`.";
const settingsDoc: RouteDoc = {
  tag: "Admin",
  summary: "Changes the site's settings: its name, who may register, whether members invite.",
  auth: "admin",
  body: siteSettingsPatchSchema,
  responses: { 200: settingsAnswer, 400: "An invalid or unknown field.", 403: forbidden },
};

export const adminApiRoutes = new Hono<Env>()
  .get(
    "/users",
    doc({
      tag: "Admin",
      summary: "The people on the site, 50 a page (`search`: by username or name).",
      auth: "admin",
      query: listQuery,
      responses: {
        200: "`{users: AdminUser[], nextCursor: string | null}`.",
        400: "An invalid query field.",
        403: forbidden,
      },
    }),
    async (c) => {
      await requireAdmin(c);
      const query = readQuery(c, listQuery);
      return c.json(await listPeople(c.get("ctx").kv, query));
    },
  )
  .post(
    "/users",
    doc({
      tag: "Admin",
      summary: "Creates an account with a password (to hand over).",
      auth: "admin",
      body: createUserSchema,
      bodyTypes: ["json", "form"],
      responses: {
        201: userAnswer,
        303: toAdmin,
        400: "An invalid field.",
        403: forbidden,
        409: "The username is taken (`username_taken`).",
      },
    }),
    (c) =>
      formAware(c, async () => {
        await requireAdmin(c);
        const input = await readBody(c, createUserSchema);
        const { kv } = c.get("ctx");
        const account = await createAccount(kv, input);
        if (isFormPost(c)) return c.redirect(backToAdmin(c, { done: "created" }), 303);
        return c.json({ user: await adminView(kv, account) }, 201);
      }),
  )
  .patch("/users/:id", doc(patchUserDoc), patchUser)
  // The no-JavaScript twin of PATCH (forms cannot send PATCH).
  .post(
    "/users/:id",
    doc({
      ...patchUserDoc,
      summary: "Changes someone's role or account state from a form (pages without JavaScript).",
    }),
    (c) => formAware(c, () => patchUser(c)),
  )
  .delete("/users/:id", doc({ ...deleteUserDoc, query: transferSchema }), async (c) => {
    const { transferTo } = readQuery(c, transferSchema);
    await deleteUser(c, transferTo);
    return c.body(null, 204);
  })
  // The no-JavaScript twin of DELETE, posted by the confirmation page (/admin/users/:id/delete).
  .post(
    "/users/:id/delete",
    doc({
      ...deleteUserDoc,
      summary: "Deletes someone's account from the confirmation page's form.",
      body: transferSchema,
      bodyTypes: ["form", "json"],
      responses: {
        ...deleteUserDoc.responses,
        303: "To /admin; a failure back to the confirmation page with `failed=<code>`.",
      },
    }),
    (c) =>
      formAware(
        c,
        async () => {
          await requireAdmin(c);
          const { transferTo } = await readBody(c, transferSchema);
          await deleteUser(c, transferTo);
          return isFormPost(c)
            ? c.redirect(backToAdmin(c, { done: "deleted" }), 303)
            : c.body(null, 204);
        },
        (code) => `/admin/users/${encodeURIComponent(c.req.param("id"))}/delete?failed=${code}`,
      ),
  )
  .get(
    "/settings",
    doc({
      tag: "Admin",
      summary: "The site's settings in force.",
      auth: "admin",
      responses: { 200: settingsAnswer, 403: forbidden },
    }),
    async (c) => {
      await requireAdmin(c);
      const { kv, config } = c.get("ctx");
      return c.json({ settings: await getSiteSettings(kv, config) });
    },
  )
  .patch("/settings", doc(settingsDoc), async (c) => {
    await requireAdmin(c);
    const patch = await readBody(c, siteSettingsPatchSchema);
    const { kv, config } = c.get("ctx");
    return c.json({ settings: await updateSiteSettings(kv, config, patch) });
  })
  // The no-JavaScript twin of PATCH.
  .post(
    "/settings",
    doc({
      ...settingsDoc,
      summary: "Changes the site's settings from the /admin page's form.",
      formBody: settingsFormSchema,
      bodyTypes: ["form", "json"],
      responses: { ...settingsDoc.responses, 303: toAdmin },
    }),
    (c) =>
      formAware(
        c,
        async () => {
          await requireAdmin(c);
          const form = isFormPost(c);
          const patch = await readBody(c, form ? settingsFormSchema : siteSettingsPatchSchema);
          const { kv, config } = c.get("ctx");
          const settings = await updateSiteSettings(kv, config, patch);
          return form
            ? c.redirect(backToAdmin(c, { done: "settings_saved" }, "settings"), 303)
            : c.json({ settings });
        },
        (code) => backToAdmin(c, { failed: code }, "settings"),
      ),
  );
