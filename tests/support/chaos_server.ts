/**
 * Entry for the chaos test (`deno serve --parallel tests/support/chaos_server.ts`): serve.ts's
 * app, except that each worker's hub rings its doorbells through a channel that drops half of
 * them. The production hub has no such switch; the loss is injected here.
 */
import { loadConfig } from "../../config.ts";
import { createApp, createContext } from "../../main.ts";
import { broadcastDoorbells } from "../../lib/realtime/mod.ts";
import { lossyDoorbells } from "./lossy_doorbells.ts";

/** The share of doorbells thrown away. */
const DROP_SHARE = 0.5;

const ctx = await createContext(loadConfig(), {
  doorbells: lossyDoorbells(broadcastDoorbells("chat-doorbell"), DROP_SHARE),
});
const app = createApp(ctx);

// As in serve.ts: close the sockets with 1012 and the hub on SIGTERM, then leave.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, async () => {
    await ctx.hub.shutdown();
    Deno.exit(0);
  });
}

export default { fetch: app.fetch } satisfies Deno.ServeDefaultExport;
