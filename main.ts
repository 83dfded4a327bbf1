import { Hono } from "hono";
import { type Config, loadConfig } from "./config.ts";
import { buildAssets, compressAnswers, loadBuiltAssets, staticFiles } from "./lib/web/mod.ts";
import type { AppContext } from "./lib/context.ts";
import { errorBody, storageFailure } from "./lib/errors.ts";
import { keepBootLease } from "./lib/files/mod.ts";
import { openKv } from "./lib/storage/mod.ts";
import { describeError, log, metrics, setLogLevel } from "./lib/ops/mod.ts";
import { type DoorbellChannel, Hub } from "./lib/realtime/mod.ts";
import { startNotifier } from "./lib/notify/mod.ts";
import { type Env, formErrorRedirect } from "./routes/_http.ts";
import {
  loadSession,
  methodNotAllowedJson,
  requestContext,
  sameOriginGuard,
  securityHeaders,
} from "./routes/_middleware.ts";
import { authRoutes } from "./routes/api/auth.ts";
import { conversationRoutes } from "./routes/api/conversations.ts";
import { membershipRoutes } from "./routes/api/membership.ts";
import { channelsRoutes } from "./routes/api/channels.ts";
import { invitesRoutes } from "./routes/api/invites.ts";
import { adminApiRoutes } from "./routes/api/admin.ts";
import { adminPageRoutes } from "./routes/admin.tsx";
import { channelsPageRoutes } from "./routes/channels.tsx";
import { conversationThreadRoutes, threadsRoutes } from "./routes/api/threads.ts";
import { pinRoutes } from "./routes/api/pins.ts";
import { savedRoutes } from "./routes/api/saved.ts";
import { draftRoutes } from "./routes/api/drafts.ts";
import { threadPageRoutes } from "./routes/threads.tsx";
import { meNotificationRoutes, notificationRoutes } from "./routes/api/notifications.ts";
import { pushRoutes } from "./routes/api/push.ts";
import { meEmailRoutes, passwordResetRoutes } from "./routes/api/email.ts";
import { emailPageRoutes } from "./routes/email_pages.tsx";
import { appRoutes } from "./routes/app.ts";
import { savedPageRoutes } from "./routes/saved.tsx";
import { conversationFileRoutes, fileRoutes } from "./routes/api/files.ts";
import { messageRoutes } from "./routes/api/messages.ts";
import { searchRoutes } from "./routes/api/search.ts";
import { projectRoutes } from "./routes/api/projects.ts";
import { wsRoutes } from "./routes/api/ws.ts";
import { accountPageRoutes } from "./routes/account.tsx";
import { authPageRoutes } from "./routes/auth_pages.tsx";
import { searchPageRoutes } from "./routes/search.tsx";
import { oauthRoutes } from "./routes/oauth.ts";
import { opsRoutes } from "./routes/ops.ts";
import { chatPageRoutes, notFoundPage } from "./routes/chat.tsx";
import { projectPageRoutes } from "./routes/projects.tsx";
import { tokenRoutes } from "./routes/api/tokens.ts";
import { botRoutes } from "./routes/api/bots.ts";
import { webhookRoutes } from "./routes/api/webhooks.ts";
import { outgoingWebhookRoutes } from "./routes/api/outgoing_webhooks.ts";
import { commandRoutes } from "./routes/api/commands.ts";
import { openApiRoutes } from "./routes/api/openapi.ts";
import { hookRoutes } from "./routes/hooks.ts";
import { commandsPageRoutes } from "./routes/commands_page.tsx";
import { startOutgoingWebhooks } from "./lib/integrations/mod.ts";
import { startPreviews } from "./lib/previews/mod.ts";
import { previewRoutes } from "./routes/api/previews.ts";
import { searchSuggestRoutes } from "./routes/api/search_suggest.ts";

const ROOT = new URL(".", import.meta.url).pathname.replace(/\/$/, "");

/** Builds the whole app around a context: what main serves and what tests call in-process. */
export function createApp(ctx: AppContext): Hono<Env> {
  const app = new Hono<Env>();
  // Compression outermost but for the request's context: it sees every answer as it leaves,
  // with its security headers, and nothing after it replaces what it encoded (a 405 made from
  // the 404 inside, for one); answers encoded already (the assets) pass through it as they are.
  app.use(requestContext(ctx), compressAnswers(), securityHeaders(), methodNotAllowedJson(app));
  // Brotli/gzip beside each built file (written at build); static/ compressed once in memory.
  app.use(
    "/assets/*",
    staticFiles({
      root: "./static/build",
      prefix: "/assets",
      cacheControl: "public, max-age=31536000, immutable",
      encoded: "built",
    }),
  );
  app.use(
    "/static/*",
    staticFiles({
      root: "./static",
      prefix: "/static",
      cacheControl: "public, max-age=3600",
      encoded: "memory",
    }),
  );
  // Probes and scrapes: before the session is read (no KV read per probe, no cookie needed).
  app.route("/", opsRoutes);
  app.route("/", appRoutes);
  // Incoming webhooks: the secret in the address is the credential (no cookie, any origin).
  app.route("/hooks", hookRoutes);
  app.use(sameOriginGuard(ctx), loadSession(ctx));
  app.route("/api", openApiRoutes(() => app));
  app.route("/api/tokens", tokenRoutes);
  app.route("/api/bots", botRoutes);
  app.route("/api/conversations", webhookRoutes);
  app.route("/api/conversations", outgoingWebhookRoutes);
  app.route("/api/conversations", commandRoutes);
  app.route("/api/auth", authRoutes);
  app.route("/api/auth", passwordResetRoutes);
  app.route("/api/me", meNotificationRoutes);
  app.route("/api/me", meEmailRoutes);
  app.route("/api/push", pushRoutes);
  app.route("/api/conversations", notificationRoutes);
  app.route("/api/conversations", conversationRoutes);
  app.route("/api/conversations", membershipRoutes);
  app.route("/api/channels", channelsRoutes);
  app.route("/api/invites", invitesRoutes);
  app.route("/api/admin", adminApiRoutes);
  app.route("/api/conversations", conversationThreadRoutes);
  app.route("/api/conversations", pinRoutes);
  app.route("/api/conversations", draftRoutes);
  app.route("/api/threads", threadsRoutes);
  app.route("/api/saved", savedRoutes);
  app.route("/api/conversations", messageRoutes);
  app.route("/api/conversations", conversationFileRoutes);
  app.route("/api/search", searchSuggestRoutes);
  app.route("/api/search", searchRoutes);
  app.route("/api", previewRoutes);
  app.route("/api/projects", projectRoutes);
  app.route("/api/projects", fileRoutes);
  app.route("/api/ws", wsRoutes);
  app.route("/auth/oauth", oauthRoutes);
  app.route("/", authPageRoutes);
  app.route("/", accountPageRoutes);
  app.route("/", searchPageRoutes);
  app.route("/", chatPageRoutes);
  app.route("/", projectPageRoutes);
  app.route("/", adminPageRoutes);
  app.route("/", channelsPageRoutes);
  app.route("/", threadPageRoutes);
  app.route("/", savedPageRoutes);
  app.route("/", emailPageRoutes);
  app.route("/", commandsPageRoutes);
  app.notFound((c) => {
    if (c.req.path.startsWith("/api/")) {
      return c.json(
        { error: { code: "not_found", message: "There is nothing at this address." } },
        404,
      );
    }
    return notFoundPage(c);
  });
  app.onError((err, c) => {
    const requestId = c.get("requestId");
    const back = formErrorRedirect(c, err);
    if (back) return c.redirect(back, 303);
    const { status, body } = errorBody(err, requestId);
    if (status === 500) {
      log("error", "request failed", { requestId, path: c.req.path, ...describeError(err) });
    }
    if ((status === 429 || status === 503) && "retryAfterSeconds" in err) {
      c.header("Retry-After", String(err.retryAfterSeconds));
    }
    return c.json(body, status as 400);
  });
  return app;
}

export type ContextOptions = {
  channelName?: string | null;
  doorbells?: DoorbellChannel | null;
  /** Wraps the opened store: only the remote-KV bench (bench/remote_kv.ts) passes one. */
  wrapKv?: (kv: Deno.Kv) => Deno.Kv;
};

/**
 * Opens the store, builds the assets and starts the hub: everything the app runs on. In
 * production the assets must be prebuilt (`deno task build`): nothing is written to disk.
 */
export async function createContext(
  config: Config,
  options: ContextOptions = {},
) {
  setLogLevel(config.logLevel);
  const assets = config.env === "production"
    ? await loadBuiltAssets(ROOT)
    : await buildAssets(ROOT);
  const kv = options.wrapKv ? options.wrapKv(await openKv(config)) : await openKv(config);
  const hub = new Hub(kv, {
    channelName: options.channelName,
    doorbells: options.doorbells,
    pollMs: config.realtimePollMs,
    watch: config.kvSource !== "file",
    // REST and WebSocket sends share it (see BatchedRateLimit).
    sendLimit: { limit: 120, windowMs: 60_000, scale: config.rateLimitScale },
  });
  metrics.openSockets.collect(() => hub.connections);
  return { kv, config, hub, assets } satisfies AppContext;
}

/**
 * What a serving process keeps up beside the app: its boot lease (renewed every few seconds)
 * and the sweep of upload chunks left by processes that are gone (at once for those whose
 * lease is stale or ended, else as soon as it is), and the notifier with its outbox workers
 * (pushes, emails: lib/notify/dispatch.ts). Its first write proves the store takes writes.
 * Returns the function that stops the notifier and ends the lease at shutdown.
 */
export async function startUpkeep(ctx: AppContext): Promise<() => Promise<void>> {
  const endLease = await keepBootLease(ctx.kv);
  const notifier = startNotifier(ctx);
  const webhooks = startOutgoingWebhooks(ctx);
  const previews = startPreviews(ctx);
  return async () => {
    await previews.stop();
    await webhooks.stop();
    await notifier.stop();
    await endLease();
  };
}

/**
 * The context and upkeep of a serving process; a store that cannot be opened or written
 * (a read-only file or disk, a full disk) ends the process with one clear line, no stack.
 */
export async function startServing(config: Config, options: ContextOptions = {}) {
  try {
    const ctx = await createContext(config, options);
    return { ctx, endLease: await startUpkeep(ctx) };
  } catch (err) {
    const where = config.kvSource === "file" ? config.kvPath : config.kvSource;
    const full = storageFailure(err);
    const why = full
      ? `the store at ${where} takes no writes (its disk is full or read-only): ${full.reason}`
      : `${err instanceof Error ? err.message : String(err)} (store: ${where})`;
    log("error", `cannot start: ${why}`);
    Deno.exit(1);
  }
}

/** Serves until SIGINT/SIGTERM, then closes sockets and the store and exits. */
export async function serve(config: Config, options: ContextOptions = {}): Promise<void> {
  const { ctx, endLease } = await startServing(config, options);
  const app = createApp(ctx);
  const server = Deno.serve({
    port: config.port,
    hostname: config.hostname,
    onListen: ({ hostname, port }) =>
      log("info", "listening", { url: `http://${hostname}:${port}/` }),
  }, app.fetch);
  const shutdown = async () => {
    log("info", "shutting down");
    await ctx.hub.shutdown();
    await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 2000))]);
    await endLease();
    ctx.kv.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
  await server.finished;
}

if (import.meta.main) {
  Deno.chdir(ROOT);
  await serve(loadConfig());
}
