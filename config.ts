import { z } from "zod";

/** Comma-separated list of origins, e.g. "https://chat.example.com,https://app.example.com". */
const originList = z.string().transform((value, ctx) => {
  const origins: string[] = [];
  for (const part of value.split(",").map((p) => p.trim()).filter(Boolean)) {
    try {
      origins.push(new URL(part).origin);
    } catch {
      ctx.addIssue({ code: "custom", message: `not a URL: ${part}` });
    }
  }
  return origins;
});

/** An unset or empty variable is absent (`.env` files list every name, most of them empty). */
const optionalString = z.string().trim().optional().transform((v) => v || undefined);

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOSTNAME: z.string().min(1).default("0.0.0.0"),
  DENO_ENV: z.enum(["development", "production", "test"]).optional(),
  KV_PATH: optionalString,
  DENO_KV_URL: optionalString.pipe(z.url().optional()),
  DENO_KV_ACCESS_TOKEN: optionalString,
  /** Set by Deno Deploy (which refuses user variables named DENO_*, so DENO_ENV too). */
  DENO_DEPLOYMENT_ID: optionalString,
  METRICS_TOKEN: optionalString.pipe(z.string().min(16).optional()),
  ALLOWED_ORIGINS: originList.default([]),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(25 * 1024 * 1024),
  PROJECT_QUOTA_BYTES: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  USER_QUOTA_BYTES: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  RATE_LIMIT_SCALE: z.coerce.number().min(0).default(1),
  SESSION_TTL_DAYS: z.coerce.number().positive().default(30),
  SESSION_IDLE_DAYS: z.coerce.number().positive().default(7),
  REALTIME_POLL_MS: z.coerce.number().int().min(0).default(1000),
  COOKIE_SECURE: z.enum(["auto", "true", "false"]).default("auto"),
  TRUST_PROXY: z.enum(["true", "false"]).default("false"),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  /** Who may create an account; an admin's choice at run time (/admin) wins over it. */
  REGISTRATION: z.enum(["open", "invite", "closed"]).default("invite"),
  /** The site's name in the header and title until an admin changes it. */
  SITE_NAME: z.string().trim().min(1).max(60).default("Hearth"),
  /** The contact in VAPID's JWT (mailto: or https:); default: PUBLIC_URL or mailto:. */
  VAPID_SUBJECT: optionalString.pipe(z.string().regex(/^(mailto:|https:)/).optional()),
  /** Tests only: push services on loopback and private addresses, over plain http. */
  PUSH_ALLOW_PRIVATE: z.enum(["0", "1"]).default("0"),
  /** Tests only: outgoing webhooks to loopback and private addresses, over plain http. */
  WEBHOOKS_ALLOW_PRIVATE: z.enum(["0", "1"]).default("0"),
  /** Tests only: link previews of pages on loopback and private addresses, over plain http. */
  UNFURL_ALLOW_PRIVATE: z.enum(["0", "1"]).default("0"),
  /** Email (both or neither): smtp:// or smtps://user:pass@host:port, and the From address. */
  SMTP_URL: optionalString.pipe(z.string().regex(/^smtps?:\/\//).optional()),
  MAIL_FROM: optionalString,
  /** Mentions and direct messages still unread this long after they came are emailed. */
  EMAIL_DELAY_MINUTES: z.coerce.number().min(0).default(10),
  GITHUB_CLIENT_ID: optionalString,
  GITHUB_CLIENT_SECRET: optionalString,
  GITHUB_AUTHORIZE_URL: z.url().default("https://github.com/login/oauth/authorize"),
  GITHUB_TOKEN_URL: z.url().default("https://github.com/login/oauth/access_token"),
  GITHUB_API_URL: z.url().default("https://api.github.com"),
  OIDC_ISSUER: optionalString.pipe(z.url().optional()),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_NAME: z.string().trim().min(1).max(40).default("Single sign-on"),
});

export type Config = {
  port: number;
  hostname: string;
  env: "development" | "production" | "test";
  /**
   * Where KV lives: "file" is kvPath (":memory:" included), "url" a remote KV (Deno Deploy's
   * or a self-hosted denokv; the token comes from DENO_KV_ACCESS_TOKEN), "platform" the
   * database Deno Deploy attaches (`Deno.openKv()` with no argument).
   */
  kvSource: "file" | "url" | "platform";
  kvPath: string;
  kvUrl: string | undefined;
  allowedOrigins: string[];
  maxUploadBytes: number;
  /** Storage per project (or conversation outside one); an upload past it is answered 413. */
  projectQuotaBytes: number;
  /** Storage per user, across every project and conversation; past it, 413. */
  userQuotaBytes: number;
  logLevel: "debug" | "info" | "warn" | "error";
  /** The Bearer token that opens /metrics; without one the route answers 404. */
  metricsToken: string | undefined;
  rateLimitScale: number;
  sessionTtlMs: number;
  /** A session unused for this long ends (idle expiry), before sessionTtlMs (absolute). */
  sessionIdleMs: number;
  /** How often each room re-reads its head from KV (other processes, lost doorbells). */
  realtimePollMs: number;
  /** "auto": Secure + __Host- cookies when the request arrived over https. */
  cookieSecure: "auto" | "true" | "false";
  /**
   * The server is reached only through a proxy that appends the client's address to
   * X-Forwarded-For: per-address limits count that address, not the proxy's.
   */
  trustProxy: boolean;
  /** The address people reach the app at; OAuth redirect URIs use it (else the request's). */
  publicUrl: string | undefined;
  /** REGISTRATION: "invite" (the default), "open" or "closed"; /admin can override it. */
  registration: "invite" | "open" | "closed";
  /** SITE_NAME: the name in the header and title until /admin changes it. */
  siteName: string;
  /** Web Push: the VAPID contact, and whether private/loopback push services are allowed. */
  push: { subject: string; allowPrivate: boolean };
  /** Outgoing webhooks: `allowPrivate` (tests) opens loopback and private targets and http. */
  webhooks: { allowPrivate: boolean };
  /** Link previews: `allowPrivate` (tests) opens loopback and private pages and http. */
  unfurl: { allowPrivate: boolean };
  /** Email, when SMTP_URL and MAIL_FROM are set: the transport, sender and digest delay. */
  email: { smtpUrl: string; from: string; delayMs: number } | null;
  /** GitHub sign-in, when a client id and secret are set; the URLs only change in tests. */
  github: {
    clientId: string;
    clientSecret: string;
    authorizeUrl: string;
    tokenUrl: string;
    apiUrl: string;
  } | null;
  /** Sign-in with any OpenID Connect provider (discovered from its issuer), when configured. */
  oidc: { issuer: string; clientId: string; clientSecret: string; name: string } | null;
};

/** Parses an environment (a plain record) into a Config; throws with every problem listed. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const e = result.data;
  const mode = e.DENO_ENV ?? (e.DENO_DEPLOYMENT_ID ? "production" : "development");
  // Deno.openKv(url) reads the token from the environment itself: missing, it fails late.
  if (e.DENO_KV_URL && !e.DENO_KV_ACCESS_TOKEN) {
    throw new Error("Invalid configuration:\n  DENO_KV_ACCESS_TOKEN: required with DENO_KV_URL");
  }
  const kvSource = e.DENO_KV_URL ? "url" : e.DENO_DEPLOYMENT_ID && !e.KV_PATH ? "platform" : "file";
  const github = allOrNone("to turn on GitHub sign-in", {
    GITHUB_CLIENT_ID: e.GITHUB_CLIENT_ID,
    GITHUB_CLIENT_SECRET: e.GITHUB_CLIENT_SECRET,
  });
  const oidc = allOrNone("to turn on OpenID Connect sign-in", {
    OIDC_ISSUER: e.OIDC_ISSUER,
    OIDC_CLIENT_ID: e.OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET: e.OIDC_CLIENT_SECRET,
  });
  const email = allOrNone("to send email", { SMTP_URL: e.SMTP_URL, MAIL_FROM: e.MAIL_FROM });
  return {
    port: e.PORT,
    hostname: e.HOSTNAME,
    env: mode,
    kvSource,
    kvPath: e.KV_PATH ?? "./data/chat.kv",
    kvUrl: e.DENO_KV_URL,
    allowedOrigins: e.ALLOWED_ORIGINS,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    projectQuotaBytes: e.PROJECT_QUOTA_BYTES,
    userQuotaBytes: e.USER_QUOTA_BYTES,
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
    rateLimitScale: e.RATE_LIMIT_SCALE,
    sessionTtlMs: e.SESSION_TTL_DAYS * 24 * 60 * 60 * 1000,
    sessionIdleMs: e.SESSION_IDLE_DAYS * 24 * 60 * 60 * 1000,
    realtimePollMs: e.REALTIME_POLL_MS,
    cookieSecure: e.COOKIE_SECURE,
    trustProxy: e.TRUST_PROXY === "true",
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    registration: e.REGISTRATION,
    siteName: e.SITE_NAME,
    push: {
      subject: e.VAPID_SUBJECT ??
        (e.PUBLIC_URL?.startsWith("https:")
          ? e.PUBLIC_URL.replace(/\/+$/, "")
          : "mailto:hearth@localhost"),
      allowPrivate: e.PUSH_ALLOW_PRIVATE === "1",
    },
    webhooks: { allowPrivate: e.WEBHOOKS_ALLOW_PRIVATE === "1" },
    unfurl: { allowPrivate: e.UNFURL_ALLOW_PRIVATE === "1" },
    email: email && {
      smtpUrl: email.SMTP_URL,
      from: email.MAIL_FROM,
      delayMs: e.EMAIL_DELAY_MINUTES * 60_000,
    },
    github: github && {
      clientId: github.GITHUB_CLIENT_ID,
      clientSecret: github.GITHUB_CLIENT_SECRET,
      authorizeUrl: e.GITHUB_AUTHORIZE_URL,
      tokenUrl: e.GITHUB_TOKEN_URL,
      apiUrl: e.GITHUB_API_URL.replace(/\/+$/, ""),
    },
    oidc: oidc && {
      issuer: oidc.OIDC_ISSUER,
      clientId: oidc.OIDC_CLIENT_ID,
      clientSecret: oidc.OIDC_CLIENT_SECRET,
      name: e.OIDC_NAME,
    },
  };
}

/**
 * A feature (a sign-in provider, email) is on when all its settings are given and off when none
 * are; some but not all is a mistake worth stopping for (a sign-in button that could never work).
 */
function allOrNone<K extends string>(
  purpose: string,
  values: Record<K, string | undefined>,
): Record<K, string> | null {
  const missing = Object.entries(values).filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length === Object.keys(values).length) return null;
  if (missing.length > 0) {
    throw new Error(
      `Invalid configuration:\n  ${missing.join(", ")}: required ${purpose}`,
    );
  }
  return values as Record<K, string>;
}

/** The one place that reads the process environment. */
export function loadConfig(): Config {
  return parseConfig(Deno.env.toObject());
}
