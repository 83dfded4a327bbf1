/**
 * Entry for `deno serve --parallel` (`deno task start:parallel`): one worker per core, each
 * with its own hub, all on the same KV. Deliveries cross workers by BroadcastChannel
 * doorbells and head polling; the port comes from `--port` (PORT is not read here).
 */
import { loadConfig } from "./config.ts";
import { createApp, startServing } from "./main.ts";
import { log } from "./lib/ops/mod.ts";

// Its boot lease and the sweep of dead workers' uploads; a store taking no writes: one line.
const { ctx } = await startServing(loadConfig());
const app = createApp(ctx);

// An open BroadcastChannel or timer keeps a worker alive past SIGTERM (measured): close
// the sockets (1012, clients reconnect and catch up) and the hub, then leave.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, async () => {
    log("info", "worker shutting down", { signal });
    await ctx.hub.shutdown();
    Deno.exit(0);
  });
}

export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;
