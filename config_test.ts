import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";

Deno.test("parseConfig() of an empty environment gives the documented defaults", () => {
  const config = parseConfig({});
  assert.equal(config.port, 8000);
  assert.equal(config.hostname, "0.0.0.0");
  assert.equal(config.env, "development");
  assert.equal(config.kvPath, "./data/chat.kv");
  assert.equal(config.kvUrl, undefined);
  assert.deepEqual(config.allowedOrigins, []);
  assert.equal(config.maxUploadBytes, 25 * 1024 * 1024);
  assert.equal(config.logLevel, "info");
  assert.equal(config.rateLimitScale, 1);
  assert.equal(config.sessionTtlMs, 30 * 24 * 60 * 60 * 1000);
  assert.equal(config.cookieSecure, "auto");
});

Deno.test("parseConfig() reads numbers, lists and choices from their strings", () => {
  const config = parseConfig({
    PORT: "0",
    KV_PATH: ":memory:",
    ALLOWED_ORIGINS: "https://chat.example.com/, https://app.example.com",
    MAX_UPLOAD_BYTES: "1024",
    LOG_LEVEL: "debug",
    RATE_LIMIT_SCALE: "0.5",
    SESSION_TTL_DAYS: "1",
  });
  assert.equal(config.port, 0);
  assert.equal(config.kvPath, ":memory:");
  assert.deepEqual(config.allowedOrigins, ["https://chat.example.com", "https://app.example.com"]);
  assert.equal(config.maxUploadBytes, 1024);
  assert.equal(config.logLevel, "debug");
  assert.equal(config.rateLimitScale, 0.5);
  assert.equal(config.sessionTtlMs, 24 * 60 * 60 * 1000);
});

Deno.test("parseConfig() in production needs no server secret (nothing signs with one)", () => {
  const config = parseConfig({ DENO_ENV: "production" });
  assert.equal(config.env, "production");
  assert.ok(!("secretKey" in config), "no secret is kept for nothing to read");
  // A SECRET_KEY left in an old environment file is ignored, not refused.
  assert.equal(parseConfig({ DENO_ENV: "production", SECRET_KEY: "short" }).env, "production");
});

Deno.test("parseConfig() with a PORT that is not a port number throws naming PORT", () => {
  for (const port of ["abc", "70000", "-1", "80.5"]) {
    assert.throws(() => parseConfig({ PORT: port }), /PORT/, `PORT=${port}`);
  }
});

Deno.test("parseConfig() lists every problem at once", () => {
  assert.throws(
    () => parseConfig({ PORT: "abc", LOG_LEVEL: "loud", ALLOWED_ORIGINS: "not a url" }),
    (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /PORT/);
      assert.match(err.message, /LOG_LEVEL/);
      assert.match(err.message, /ALLOWED_ORIGINS/);
      return true;
    },
  );
});

Deno.test("parseConfig() refuses a negative RATE_LIMIT_SCALE", () => {
  assert.throws(() => parseConfig({ RATE_LIMIT_SCALE: "-1" }), /RATE_LIMIT_SCALE/);
});

Deno.test("parseConfig() turns an OAuth provider on with all its settings, and refuses half", () => {
  assert.equal(parseConfig({}).github, null);
  assert.equal(parseConfig({ OIDC_ISSUER: "", OIDC_CLIENT_ID: "" }).oidc, null);
  const config = parseConfig({
    GITHUB_CLIENT_ID: "id",
    GITHUB_CLIENT_SECRET: "secret",
    OIDC_ISSUER: "https://sso.example.com",
    OIDC_CLIENT_ID: "hearth",
    OIDC_CLIENT_SECRET: "s",
    PUBLIC_URL: "https://chat.example.com/",
  });
  assert.equal(config.github?.tokenUrl, "https://github.com/login/oauth/access_token");
  assert.equal(config.oidc?.name, "Single sign-on");
  assert.equal(config.publicUrl, "https://chat.example.com");
  assert.throws(() => parseConfig({ GITHUB_CLIENT_ID: "id" }), /GITHUB_CLIENT_SECRET/);
  assert.throws(
    () => parseConfig({ OIDC_ISSUER: "not a url", OIDC_CLIENT_ID: "x" }),
    /OIDC_ISSUER/,
  );
});

Deno.test("parseConfig() picks the KV: a file by default, a URL with its token, Deploy's own", () => {
  const file = parseConfig({});
  assert.equal(file.kvSource, "file");
  const remote = parseConfig({ DENO_KV_URL: "https://kv.example.com", DENO_KV_ACCESS_TOKEN: "t" });
  assert.equal(remote.kvSource, "url");
  assert.equal(remote.kvUrl, "https://kv.example.com");
  assert.throws(
    () => parseConfig({ DENO_KV_URL: "https://kv.example.com" }),
    /DENO_KV_ACCESS_TOKEN: required with DENO_KV_URL/,
  );
  assert.throws(() => parseConfig({ DENO_KV_URL: "not a url" }), /DENO_KV_URL/);
  // Deno Deploy sets DENO_DEPLOYMENT_ID and refuses user variables named DENO_*.
  const deploy = parseConfig({ DENO_DEPLOYMENT_ID: "abc123" });
  assert.equal(deploy.kvSource, "platform");
  assert.equal(deploy.env, "production");
  const pinned = parseConfig({
    DENO_DEPLOYMENT_ID: "abc",
    KV_PATH: "/srv/chat.kv",
    DENO_ENV: "test",
  });
  assert.equal(pinned.kvSource, "file");
  assert.equal(pinned.env, "test");
});

Deno.test("parseConfig() takes a METRICS_TOKEN of at least 16 characters; none turns /metrics off", () => {
  assert.equal(parseConfig({}).metricsToken, undefined);
  assert.equal(parseConfig({ METRICS_TOKEN: "" }).metricsToken, undefined);
  assert.equal(parseConfig({ METRICS_TOKEN: "m".repeat(16) }).metricsToken, "m".repeat(16));
  assert.throws(() => parseConfig({ METRICS_TOKEN: "short" }), /METRICS_TOKEN/);
});
