import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { AppError } from "../lib/errors.ts";
import {
  admissionFor,
  beginAuthorization,
  completeAuthorization,
  findProvider,
  getSiteSettings,
  linkIdentity,
  OAUTH_STATE_TTL_MS,
  signInWithIdentity,
} from "../lib/accounts/mod.ts";
import { type AppCtx, type Env, secureCookies } from "./_http.ts";
import { oauthErrorPage } from "./_oauth_error.tsx";
import { safeNext } from "./_request.ts";
import { signIn } from "./_session.ts";
import { JOIN_COOKIE } from "./auth_pages.tsx";
import { notFoundPage } from "./chat.tsx";

/**
 * Login CSRF: a state alone proves the flow started here, not in this browser. An attacker
 * could start a flow, stop at the callback and send that link to a victim, who would be signed
 * in as the attacker. So each flow is also bound to a random value in a short-lived cookie of
 * the browser that started it (SameSite=Lax: it comes back on the provider's top-level redirect).
 */
const BINDING_COOKIE = "oauth_binding";
const bindingSchema = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/);

const startQuery = z.object({
  next: z.string().max(2000).optional(),
  link: z.literal("1").optional(),
  /** An invite's code, for a new account where REGISTRATION=invite (or the /join cookie). */
  invite: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/).optional(),
});
const inviteCodeSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);
const callbackQuery = z.object({ state: z.string().min(1).max(512) });

function bindingOf(c: AppCtx): string | undefined {
  const value = getCookie(c, `__Host-${BINDING_COOKIE}`) ?? getCookie(c, BINDING_COOKIE);
  return bindingSchema.safeParse(value).success ? value : undefined;
}

/** The invite of the /join page this browser opened last (within the hour), if any. */
function joinInviteOf(c: AppCtx): string | null {
  const value = getCookie(c, `__Host-${JOIN_COOKIE}`) ?? getCookie(c, JOIN_COOKIE);
  return inviteCodeSchema.safeParse(value).success ? value! : null;
}

/** Same rule as the session cookie: Secure and __Host- when the request came over https. */
function setBinding(c: AppCtx, value: string): void {
  const secure = secureCookies(c);
  setCookie(c, secure ? `__Host-${BINDING_COOKIE}` : BINDING_COOKIE, value, {
    httpOnly: true,
    sameSite: "Lax",
    secure,
    path: "/",
    maxAge: OAUTH_STATE_TTL_MS / 1000,
  });
}

/** PUBLIC_URL when set (behind a proxy the request's own address may be an inner one). */
function redirectUri(c: AppCtx, provider: string): string {
  const base = c.get("ctx").config.publicUrl ?? new URL(c.req.url).origin;
  return `${base}/auth/oauth/${provider}/callback`;
}

export const oauthRoutes = new Hono<Env>()
  .get("/:provider/signin", async (c) => {
    const { kv, config } = c.get("ctx");
    const provider = findProvider(config, c.req.param("provider"));
    const query = startQuery.safeParse(c.req.query());
    if (!provider) return notFoundPage(c);
    const link = query.success && query.data.link === "1";
    const me = c.get("user");
    if (link && !me) {
      return c.redirect(`/login?next=${encodeURIComponent(c.req.path + "?link=1")}`, 303);
    }
    const binding = bindingOf(c) ?? crypto.randomUUID().replaceAll("-", "");
    try {
      const url = await beginAuthorization(kv, config, {
        provider: provider.id,
        redirectUri: redirectUri(c, provider.id),
        next: safeNext(query.success ? query.data.next : undefined),
        linkUserId: link ? me!.id : null,
        binding,
        inviteCode: link
          ? null
          : (query.success ? query.data.invite : undefined) ?? joinInviteOf(c),
      });
      setBinding(c, binding);
      return c.redirect(url.href, 303);
    } catch (err) {
      if (err instanceof AppError) return oauthErrorPage(c, err, link);
      throw err;
    }
  })
  .get("/:provider/callback", async (c) => {
    const { kv, config } = c.get("ctx");
    const provider = findProvider(config, c.req.param("provider"));
    if (!provider) return notFoundPage(c);
    let linking = false;
    try {
      const query = callbackQuery.safeParse(c.req.query());
      if (!query.success) {
        throw new AppError(
          400,
          "invalid_state",
          "This sign-in link is not valid. Please start again.",
        );
      }
      const { profile, flow } = await completeAuthorization(kv, config, {
        provider: provider.id,
        callbackUrl: new URL(c.req.url),
        state: query.data.state,
        binding: bindingOf(c),
      });
      if (flow.linkUserId) {
        linking = true;
        const me = c.get("user");
        if (me?.id !== flow.linkUserId) {
          throw new AppError(
            403,
            "link_requires_sign_in",
            "Sign in to the account to link, then try again.",
          );
        }
        await linkIdentity(kv, me.id, {
          provider: provider.id,
          profile,
          providerName: provider.name,
        });
        return c.redirect(flow.next === "/" ? "/account" : flow.next, 303);
      }
      // Read fresh: an identity seen for the first time makes an account, by the site's rule.
      const { registration } = await getSiteSettings(kv, config);
      const user = await signInWithIdentity(kv, provider.id, profile, {
        admission: admissionFor(kv, registration, flow.inviteCode),
      });
      await signIn(c, user.id);
      return c.redirect(flow.next, 303);
    } catch (err) {
      if (err instanceof AppError) return oauthErrorPage(c, err, linking);
      throw err;
    }
  });
