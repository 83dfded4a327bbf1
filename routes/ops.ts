/** Operations: liveness, readiness and metrics, for load balancers, orchestrators and Prometheus. */
import { Hono } from "hono";
import { NotFoundError, storageFailure, UnauthorizedError } from "../lib/errors.ts";
import { readyzKey } from "../lib/storage/mod.ts";
import { describeError, log, METRICS_CONTENT_TYPE, renderMetrics } from "../lib/ops/mod.ts";
import { timingSafeEqual } from "../lib/accounts/mod.ts";
import type { AppCtx, Env } from "./_http.ts";

/** How long /readyz waits for KV before calling it unreachable. */
const READY_TIMEOUT_MS = 2000;

export const opsRoutes = new Hono<Env>();

/** The process is up and serving: no dependency is touched (a restart would not fix one). */
opsRoutes.get("/healthz", (c) => c.json({ status: "ok" }));

/**
 * KV takes a write (so also answers) and no shutdown has begun: the instance can serve. 503
 * otherwise: `storage_full` when the disk is full or the store read-only.
 */
opsRoutes.get("/readyz", async (c) => {
  const { kv, hub } = c.get("ctx");
  if (hub.closing) return notReady(c, "The server is shutting down.");
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      kv.set(readyzKey(), Date.now()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("KV write timed out")), READY_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    log("warn", "readiness check failed", describeError(err));
    const full = storageFailure(err);
    if (full) return notReady(c, full.message, full.code);
    return notReady(c, "The database cannot be reached.");
  } finally {
    clearTimeout(timer);
  }
  return c.json({ status: "ready" });
});

function notReady(c: AppCtx, message: string, code = "not_ready") {
  return c.json({ status: "not_ready", error: { code, message } }, 503);
}

/**
 * Prometheus text, for a scraper holding METRICS_TOKEN (Bearer). Without a token set the
 * route does not exist (404): metrics are off unless someone chose to expose them.
 */
opsRoutes.get("/metrics", async (c) => {
  const token = c.get("ctx").config.metricsToken;
  if (!token) throw new NotFoundError("There is nothing at this address.");
  const given = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
  if (!(await sameSecret(given, token))) {
    c.header("WWW-Authenticate", 'Bearer realm="metrics"');
    throw new UnauthorizedError("A valid metrics token is required.");
  }
  return c.body(renderMetrics(), 200, { "Content-Type": METRICS_CONTENT_TYPE });
});

/** Compares digests, so the time taken says nothing about how much of the token matched. */
async function sameSecret(a: string, b: string): Promise<boolean> {
  const digest = async (s: string) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return timingSafeEqual(await digest(a), await digest(b));
}
