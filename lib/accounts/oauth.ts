/**
 * Sign-in through OAuth 2 (GitHub) and OpenID Connect (any provider, by issuer), with
 * oauth4webapi: authorization code flow with PKCE, state and (OIDC) nonce kept in KV for ten
 * minutes and consumed once. Yields the provider's profile; lib/identities.ts maps it to a user.
 */
import * as oauth from "oauth4webapi";
import { z } from "zod";
import type { Config } from "../../config.ts";
import { AppError } from "../errors.ts";
import { describeError, log } from "../ops/mod.ts";
import { LruCache, oauthStateKey } from "../storage/mod.ts";

export type ProviderId = "github" | "oidc";
/** What a page needs to show a provider's button. */
export type ProviderInfo = { id: ProviderId; name: string };
/** Who the provider says signed in. `subject` is its stable id for the person. */
export type ExternalProfile = {
  subject: string;
  username: string | null;
  email: string | null;
  name: string | null;
};

/** State, PKCE verifier and nonce are good for this long after the flow starts. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;

/** What the start of a flow leaves for its callback, under the state. */
export type OAuthState = {
  provider: ProviderId;
  codeVerifier: string;
  nonce: string | null;
  redirectUri: string;
  next: string;
  /** Set when a signed-in user links this provider rather than signing in. */
  linkUserId: string | null;
  /** The random value in the starting browser's cookie (login CSRF: see routes/oauth.ts). */
  binding: string;
  /** An invite the flow started with (a /join page): lets a new account in (registration.ts). */
  inviteCode?: string | null;
  expiresAt: number;
};

/** The providers this configuration turns on, in the order their buttons appear. */
export function listProviders(config: Pick<Config, "github" | "oidc">): ProviderInfo[] {
  const providers: ProviderInfo[] = [];
  if (config.github) providers.push({ id: "github", name: "GitHub" });
  if (config.oidc) providers.push({ id: "oidc", name: config.oidc.name });
  return providers;
}

/** The configured provider with this id, or null (unknown ids included). */
export function findProvider(config: Config, id: string): ProviderInfo | null {
  return listProviders(config).find((p) => p.id === id) ?? null;
}

/**
 * Starts a flow: stores state, verifier and nonce (expiring), and returns the provider's
 * authorization URL to send the browser to. Throws AppError("provider_unavailable") when an
 * OIDC provider's discovery document cannot be had.
 */
export async function beginAuthorization(
  kv: Deno.Kv,
  config: Config,
  input: Omit<OAuthState, "codeVerifier" | "nonce" | "expiresAt"> & { now?: number },
): Promise<URL> {
  const { as, client, scope } = await endpoints(config, input.provider);
  const state = oauth.generateRandomState();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const nonce = input.provider === "oidc" ? oauth.generateRandomNonce() : null;
  const { now: _now, ...rest } = input;
  const record: OAuthState = {
    ...rest,
    codeVerifier,
    nonce,
    expiresAt: (input.now ?? Date.now()) + OAUTH_STATE_TTL_MS,
  };
  await kv.set(oauthStateKey(state), record, { expireIn: OAUTH_STATE_TTL_MS });
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set("client_id", client.client_id);
  url.searchParams.set("redirect_uri", input.redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", scope);
  url.searchParams.set("state", state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  if (nonce) url.searchParams.set("nonce", nonce);
  return url;
}

/**
 * Takes the state out of KV in one atomic check-and-delete, so it works exactly once.
 * Throws AppError "invalid_state" (unknown, forged or already used) or "expired_state".
 */
export async function consumeOAuthState(
  kv: Deno.Kv,
  state: string,
  options: { now?: number } = {},
): Promise<OAuthState> {
  const entry = await kv.get<OAuthState>(oauthStateKey(state));
  const used = () =>
    new AppError(
      400,
      "invalid_state",
      "This sign-in link is not valid or was already used. Please start again.",
    );
  if (!entry.value) throw used();
  // Two callbacks racing with one state: only the one whose delete commits goes on.
  const result = await kv.atomic().check(entry).delete(entry.key).commit();
  if (!result.ok) throw used();
  if (entry.value.expiresAt <= (options.now ?? Date.now())) {
    throw new AppError(400, "expired_state", "This sign-in took too long. Please start again.");
  }
  return entry.value;
}

/**
 * Finishes a flow at the callback: consumes the state, checks it belongs to this provider and
 * this browser, exchanges the code (with the PKCE verifier) and reads the profile (ID token
 * with its nonce for OIDC, the /user API for GitHub). Throws AppError with a code a page can
 * show: invalid_state, expired_state, state_mismatch, access_denied, provider_error,
 * token_failed, invalid_id_token, provider_unavailable.
 */
export async function completeAuthorization(
  kv: Deno.Kv,
  config: Config,
  input: { provider: ProviderId; callbackUrl: URL; state: string; binding: string | undefined },
): Promise<{ profile: ExternalProfile; flow: OAuthState }> {
  const flow = await consumeOAuthState(kv, input.state);
  if (flow.provider !== input.provider || !sameSecret(flow.binding, input.binding ?? "")) {
    throw new AppError(
      400,
      "state_mismatch",
      "This sign-in was started in another browser. Please start again here.",
    );
  }
  const { as, client, auth, name, options } = await endpoints(config, input.provider);
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client, input.callbackUrl, input.state);
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError && err.error === "access_denied") {
      throw new AppError(400, "access_denied", `The sign-in was cancelled at ${name}.`);
    }
    log("warn", "oauth authorization response refused", { provider: name, ...describeError(err) });
    throw new AppError(400, "provider_error", `${name} did not complete the sign-in.`);
  }
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      auth,
      params,
      flow.redirectUri,
      flow.codeVerifier,
      options,
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: flow.nonce ?? oauth.expectNoNonce,
      requireIdToken: flow.nonce !== null,
    });
    const profile = input.provider === "github"
      ? await githubProfile(config, tokens.access_token, options)
      : await oidcProfile(as, client, tokens, options);
    return { profile, flow };
  } catch (err) {
    throw flowError(err, name);
  }
}

/** Maps what can go wrong talking to the provider to a person's words; logs the details. */
function flowError(err: unknown, name: string): AppError {
  if (err instanceof AppError) return err;
  log("warn", "oauth code exchange failed", { provider: name, ...describeError(err) });
  if (err instanceof oauth.OperationProcessingError) {
    const idToken = err.code === oauth.JWT_CLAIM_COMPARISON ||
      err.code === oauth.JWT_TIMESTAMP_CHECK;
    if (idToken) {
      return new AppError(
        400,
        "invalid_id_token",
        `${name} sent an identity that does not check out.`,
      );
    }
  }
  if (err instanceof TypeError && !(err instanceof oauth.UnsupportedOperationError)) {
    return new AppError(400, "provider_unavailable", `${name} cannot be reached right now.`);
  }
  return new AppError(
    400,
    "token_failed",
    `${name} did not confirm the sign-in. Please try again.`,
  );
}

const githubUserSchema = z.object({
  id: z.number().int(),
  login: z.string(),
  name: z.string().nullish(),
  email: z.string().nullish(),
});

async function githubProfile(
  config: Config,
  accessToken: string,
  options: { [oauth.allowInsecureRequests]?: boolean },
): Promise<ExternalProfile> {
  const res = await oauth.protectedResourceRequest(
    accessToken,
    "GET",
    new URL(`${config.github!.apiUrl}/user`),
    new Headers({ accept: "application/vnd.github+json", "user-agent": "Hearth" }),
    null,
    options,
  );
  const parsed = githubUserSchema.safeParse(res.ok ? await res.json().catch(() => null) : null);
  if (!parsed.success) throw new AppError(400, "token_failed", "GitHub did not share the profile.");
  const u = parsed.data;
  return { subject: String(u.id), username: u.login, email: u.email ?? null, name: u.name ?? null };
}

/** Claims of a wrong type are ignored rather than failing the sign-in. */
const claimsSchema = z.object({
  sub: z.string().min(1),
  preferred_username: z.string().optional().catch(undefined),
  email: z.string().optional().catch(undefined),
  name: z.string().optional().catch(undefined),
});

async function oidcProfile(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  tokens: oauth.TokenEndpointResponse,
  options: { [oauth.allowInsecureRequests]?: boolean },
): Promise<ExternalProfile> {
  let claims = claimsSchema.parse(oauth.getValidatedIdTokenClaims(tokens));
  // Some providers keep the profile out of the ID token: ask userinfo (same subject only).
  if (!claims.preferred_username && !claims.email && !claims.name && as.userinfo_endpoint) {
    const res = await oauth.userInfoRequest(as, client, tokens.access_token, options);
    const info = await oauth.processUserInfoResponse(as, client, claims.sub, res);
    claims = claimsSchema.parse(info);
  }
  return {
    subject: claims.sub,
    username: claims.preferred_username ?? null,
    email: claims.email ?? null,
    name: claims.name ?? null,
  };
}

type Endpoints = {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  scope: string;
  name: string;
  options: { [oauth.allowInsecureRequests]?: boolean };
};

async function endpoints(config: Config, provider: ProviderId): Promise<Endpoints> {
  // Plain http only outside production: tests and a local provider during development.
  const options = { [oauth.allowInsecureRequests]: config.env !== "production" };
  if (provider === "github") {
    const gh = config.github!;
    return {
      as: {
        issuer: "https://github.com",
        authorization_endpoint: gh.authorizeUrl,
        token_endpoint: gh.tokenUrl,
      },
      client: { client_id: gh.clientId },
      auth: oauth.ClientSecretPost(gh.clientSecret),
      scope: "read:user user:email",
      name: "GitHub",
      options,
    };
  }
  const oidc = config.oidc!;
  const as = await discover(oidc.issuer, options);
  const methods = as.token_endpoint_auth_methods_supported ?? [];
  const postOnly = methods.includes("client_secret_post") &&
    !methods.includes("client_secret_basic");
  return {
    as,
    client: { client_id: oidc.clientId },
    auth: postOnly
      ? oauth.ClientSecretPost(oidc.clientSecret)
      : oauth.ClientSecretBasic(oidc.clientSecret),
    scope: "openid profile email",
    name: oidc.name,
    options,
  };
}

const DISCOVERY_TTL_MS = 60 * 60_000;
/** Per issuer (one is configured; a few bound it all the same). */
const discoveries = new LruCache<string, { at: number; as: Promise<oauth.AuthorizationServer> }>(
  { maxEntries: 8 },
);

/** The issuer's metadata, fetched once an hour; a failed fetch is not remembered. */
function discover(
  issuer: string,
  options: { [oauth.allowInsecureRequests]?: boolean },
): Promise<oauth.AuthorizationServer> {
  const cached = discoveries.get(issuer);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.as;
  const url = new URL(issuer);
  const as = oauth.discoveryRequest(url, { ...options, algorithm: "oidc" })
    .then((res) => oauth.processDiscoveryResponse(url, res))
    .catch((err) => {
      discoveries.delete(issuer);
      log("warn", "oidc discovery failed", { issuer, ...describeError(err) });
      throw new AppError(400, "provider_unavailable", "The sign-in provider cannot be reached.");
    });
  discoveries.set(issuer, { at: Date.now(), as });
  return as;
}

/** Compares two secrets in time independent of where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ (y[i] ?? 0);
  return diff === 0 && x.length > 0;
}
