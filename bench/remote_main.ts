/**
 * One app process of bench/remote.ts: main.ts's `serve` on a store opened from KV_PATH and
 * wrapped by bench/remote_kv.ts (a round trip of REMOTE_KV_RTT_MS per KV call, the remote's
 * limits). The config says "url" as a remote deployment's would, so the hub also watches
 * each room's head (kv.watch crosses instances on a remote KV; here the wrapper's watch
 * polls the file). REMOTE_KV_ENFORCE=count counts limit breaches without failing the call.
 * REMOTE_KV_TRACE=1 also counts calls by code path. GET / on REMOTE_KV_STATS_PORT answers the wrapper's counters as JSON.
 */
import { loadConfig } from "../config.ts";
import { serve } from "../main.ts";
import { type RemoteKv, wrapRemoteKv } from "./remote_kv.ts";

Deno.chdir(new URL("..", import.meta.url).pathname);
const env = (name: string) => Deno.env.get(name);
let remote: RemoteKv | undefined;
const statsPort = Number(env("REMOTE_KV_STATS_PORT") ?? 0);
if (statsPort) {
  Deno.serve(
    { hostname: "127.0.0.1", port: statsPort, onListen() {} },
    () => remote ? Response.json(remote.stats()) : new Response("not open yet", { status: 503 }),
  );
}
const config = loadConfig();
await serve({ ...config, kvSource: "url", kvUrl: config.kvPath }, {
  wrapKv: (kv) =>
    (remote = wrapRemoteKv(kv, {
      rttMs: Number(env("REMOTE_KV_RTT_MS") ?? 20),
      enforce: env("REMOTE_KV_ENFORCE") === "count" ? "count" : "throw",
      watchPollMs: Number(env("REMOTE_KV_WATCH_POLL_MS") ?? 10),
      trace: env("REMOTE_KV_TRACE") === "1",
    })).kv,
});
