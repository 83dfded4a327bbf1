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

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOSTNAME: z.string().min(1).default("0.0.0.0"),
  DENO_ENV: z.enum(["development", "production", "test"]).default("development"),
  SECRET_KEY: z.string().min(32).optional(),
  KV_PATH: z.string().min(1).default("./data/chat.kv"),
  DENO_KV_URL: z.url().optional(),
  DENO_KV_ACCESS_TOKEN: z.string().optional(),
  ALLOWED_ORIGINS: originList.default([]),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(25 * 1024 * 1024),
  PROJECT_QUOTA_BYTES: z.coerce.number().int().positive().default(1024 * 1024 * 1024),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  RATE_LIMIT_SCALE: z.coerce.number().min(0).default(1),
  SESSION_TTL_DAYS: z.coerce.number().positive().default(30),
  REALTIME_POLL_MS: z.coerce.number().int().min(0).default(1000),
  CHAOS_DROP_DOORBELLS: z.coerce.number().min(0).max(1).default(0),
  COOKIE_SECURE: z.enum(["auto", "true", "false"]).default("auto"),
});

export type Config = {
  port: number;
  hostname: string;
  env: "development" | "production" | "test";
  secretKey: string;
  kvPath: string;
  kvUrl: string | undefined;
  allowedOrigins: string[];
  maxUploadBytes: number;
  /** Storage per project; an upload past it is answered 413. */
  projectQuotaBytes: number;
  logLevel: "debug" | "info" | "warn" | "error";
  rateLimitScale: number;
  sessionTtlMs: number;
  /** How often each room re-reads its head from KV (other processes, lost doorbells). */
  realtimePollMs: number;
  /** Chaos tests only: the share of doorbells dropped on purpose. */
  chaosDropDoorbells: number;
  /** "auto": Secure + __Host- cookies when the request arrived over https. */
  cookieSecure: "auto" | "true" | "false";
};

const DEV_SECRET = "dev-secret-key-not-for-production-use-000000";

/** Parses an environment (a plain record) into a Config; throws with every problem listed. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const e = result.data;
  if (e.DENO_ENV === "production" && !e.SECRET_KEY) {
    throw new Error("Invalid configuration:\n  SECRET_KEY: required in production");
  }
  return {
    port: e.PORT,
    hostname: e.HOSTNAME,
    env: e.DENO_ENV,
    secretKey: e.SECRET_KEY ?? DEV_SECRET,
    kvPath: e.KV_PATH,
    kvUrl: e.DENO_KV_URL,
    allowedOrigins: e.ALLOWED_ORIGINS,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    projectQuotaBytes: e.PROJECT_QUOTA_BYTES,
    logLevel: e.LOG_LEVEL,
    rateLimitScale: e.RATE_LIMIT_SCALE,
    sessionTtlMs: e.SESSION_TTL_DAYS * 24 * 60 * 60 * 1000,
    realtimePollMs: e.REALTIME_POLL_MS,
    chaosDropDoorbells: e.CHAOS_DROP_DOORBELLS,
    cookieSecure: e.COOKIE_SECURE,
  };
}

/** The one place that reads the process environment. */
export function loadConfig(): Config {
  return parseConfig(Deno.env.toObject());
}
