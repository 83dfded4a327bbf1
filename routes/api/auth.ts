import { Hono } from "hono";
import { z } from "zod";
import { authenticate } from "../../lib/accounts.ts";
import { AppError } from "../../lib/errors.ts";
import { hitRateLimit } from "../../lib/rate_limit.ts";
import { revokeSession, sessionIdOf } from "../../lib/sessions.ts";
import { signIn } from "../_session.ts";
import { createUser, displayNameSchema, passwordSchema, usernameSchema } from "../../lib/users.ts";
import {
  type AppCtx,
  clearSessionCookie,
  type Env,
  isFormPost,
  readBody,
  readSessionCookie,
} from "../_http.ts";
import { renderAuthPage } from "../auth_pages.tsx";
import { clientAddress, safeNext } from "../_request.ts";

const registerSchema = z.object({
  username: usernameSchema,
  password: passwordSchema,
  displayName: z.preprocess((v) => (v === "" ? undefined : v), displayNameSchema.optional()),
  next: z.string().optional(),
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
    const form = await c.req.formData().catch(() => new FormData());
    const values = {
      username: String(form.get("username") ?? ""),
      displayName: String(form.get("displayName") ?? ""),
    };
    return renderAuthPage(c, mode, {
      status: err.status,
      error: err,
      values,
      next: String(form.get("next") ?? ""),
    });
  }
}

export const authRoutes = new Hono<Env>()
  .post("/register", (c) =>
    orFormPage(c, "register", async () => {
      const { kv, config } = c.get("ctx");
      const input = await readBody(c, registerSchema);
      await hitRateLimit(kv, ["register_addr", clientAddress(c)], {
        limit: 20,
        windowMs: 60 * 60_000,
        scale: config.rateLimitScale,
      });
      const user = await createUser(kv, input);
      await signIn(c, user.id);
      return isFormPost(c) ? c.redirect(safeNext(input.next), 303) : c.json({ user }, 201);
    }))
  .post("/login", (c) =>
    orFormPage(c, "login", async () => {
      const { kv, config } = c.get("ctx");
      const input = await readBody(c, loginSchema);
      const user = await authenticate(kv, input, {
        clientAddress: clientAddress(c),
        rateLimitScale: config.rateLimitScale,
      });
      await signIn(c, user.id);
      return isFormPost(c) ? c.redirect(safeNext(input.next), 303) : c.json({ user }, 200);
    }))
  .post("/logout", async (c) => {
    const token = readSessionCookie(c);
    if (token) {
      await revokeSession(c.get("ctx").kv, token);
      // Open sockets of this session close too (on every worker), not just the cookie.
      c.get("ctx").hub.endSession(await sessionIdOf(token));
    }
    clearSessionCookie(c);
    return isFormPost(c) ? c.redirect("/login", 303) : c.body(null, 204);
  })
  .get("/check", (c) => {
    const user = c.get("user");
    return c.json({ authenticated: user !== null, user });
  });
