/**
 * Two (or more) real server processes (`deno run main.ts`) on one KV file: what crosses
 * processes is only what goes through the store (no BroadcastChannel reaches another process).
 */
import { ORIGIN } from "./helpers.ts";
import { type ServerProcess, startServerProcess } from "./process.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** A server process with a `fetch` like the test apps' (the test Origin becomes its own). */
export type AppProcess = ServerProcess & {
  fetch(path: string, init?: RequestInit): Promise<Response>;
};

/** Starts `count` processes on one fresh KV file; `stop` ends them and removes the file. */
export async function startProcesses(
  count: number,
  env: Record<string, string> = {},
): Promise<{ servers: AppProcess[]; stop(): Promise<void> }> {
  const dir = await Deno.makeTempDir();
  const servers: AppProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    for (let i = 0; i < count; i++) {
      const server = await startServerProcess({
        args: ["run", "-A", "main.ts"],
        cwd: ROOT,
        env: {
          KV_PATH: `${dir}/chat.kv`,
          LOG_LEVEL: "error",
          REALTIME_POLL_MS: "100",
          ...env,
        },
      });
      servers.push({
        ...server,
        fetch: (path, init = {}) => {
          const headers = new Headers(init.headers);
          if (headers.get("origin") === ORIGIN) headers.set("origin", server.base);
          return fetch(new URL(path, server.base), { ...init, headers });
        },
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { servers, stop };
}
