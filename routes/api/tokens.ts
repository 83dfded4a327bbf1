/**
 * Personal access tokens (mounted at /api/tokens): a person lists, makes and revokes the tokens
 * their programs sign in with (`Authorization: Bearer <secret>`, see routes/_middleware.ts).
 * The secret is in the creation's answer only; a form post (the account page, no JavaScript)
 * gets the account page back showing it once (no-store, like every page).
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  createToken,
  listTokens,
  refuseBots,
  revokeToken,
  tokenDaysSchema,
  tokenNameSchema,
  tokenSessionId,
} from "../../lib/accounts/mod.ts";
import { NotFoundError } from "../../lib/errors.ts";
import { type AppCtx, type Env, isFormPost, readBody, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";
import { renderAccountPage } from "../account.tsx";

const createTokenSchema = z.object({
  name: tokenNameSchema,
  /** 1–365; 90 when left out (a form's empty choice too). */
  expiresInDays: z.preprocess((v) => (v === "" ? undefined : v), tokenDaysSchema.optional()),
});

const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
const tokenParams = z.object({ id: z.string() });

/**
 * Revokes the caller's token `:id` (404 when they have none of that id). Its sockets close at
 * once here and on this process's other workers; other processes hear the revocation's
 * account event (lib/realtime/endings.ts).
 */
async function revoke(c: AppCtx): Promise<void> {
  const user = requireUser(c);
  const { kv, hub } = c.get("ctx");
  const id = c.req.param("id") ?? "";
  if (!(await revokeToken(kv, user.id, id))) throw new NotFoundError("Token not found.");
  hub.endSession(tokenSessionId(id));
}

const revokeAnswers = {
  204: "Revoked: it signs nothing in from now on, and its sockets close.",
  303: "A form post: back to /account.",
  401: "Not signed in.",
  404: "You have no token of that id.",
};

export const tokenRoutes = new Hono<Env>()
  .get(
    "/",
    doc({
      tag: "Tokens",
      summary: "Your access tokens, newest first (never their secrets).",
      responses: {
        200: { description: "`{tokens}`", schema: z.object({ tokens: z.array(tokenSchema) }) },
        401: "Not signed in.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      return c.json({ tokens: await listTokens(c.get("ctx").kv, user.id) });
    },
  )
  .post(
    "/",
    doc({
      tag: "Tokens",
      summary: "Makes an access token; its secret is in this answer only.",
      description: "Send it as `Authorization: Bearer <secret>` on any /api route and on " +
        "/api/ws. It expires after `expiresInDays` (1–365, default 90). At most 20 a person. " +
        "A form post gets the account page showing the secret once.",
      body: createTokenSchema,
      bodyTypes: ["json", "form"],
      responses: {
        201: {
          description: "`{token, secret}` (secret: `hth_` and 43 characters).",
          schema: z.object({ token: tokenSchema, secret: z.string() }),
        },
        200: { description: "A form post: the account page with the secret.", type: "text/html" },
        400: "A missing name or an expiry out of range (`fields`).",
        401: "Not signed in.",
        403: "`not_for_bots`: a bot cannot create tokens.",
        409: "`limit_reached`: 20 tokens already.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      refuseBots(user, "access tokens");
      const input = await readBody(c, createTokenSchema);
      const made = await createToken(c.get("ctx").kv, user.id, input);
      if (isFormPost(c)) {
        return await renderAccountPage(c, user, {
          created: { kind: "token", name: made.token.name, secret: made.secret },
        });
      }
      c.header("Cache-Control", "no-store");
      return c.json(made, 201);
    },
  )
  .delete(
    "/:id",
    doc({
      tag: "Tokens",
      summary: "Revokes one of your tokens, at once in every process.",
      params: tokenParams,
      responses: revokeAnswers,
    }),
    async (c) => {
      await revoke(c);
      return c.body(null, 204);
    },
  )
  // Forms cannot send DELETE: the same, as a post (the account page's Revoke buttons).
  .post(
    "/:id/revoke",
    doc({
      tag: "Tokens",
      summary: "Revokes one of your tokens (the account page's form; JSON gets 204).",
      params: tokenParams,
      bodyTypes: ["form"],
      responses: revokeAnswers,
    }),
    async (c) => {
      await revoke(c);
      return isFormPost(c) ? c.redirect("/account?done=token_revoked", 303) : c.body(null, 204);
    },
  );
