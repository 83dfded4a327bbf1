/**
 * Tests around two servers on one KV file, and the sockets they open, all closed however the
 * test ends: two real processes (`twoProcessTest`: only the store connects them) or two
 * servers in this process (`twoHubTest`: two hubs with no doorbell channel between them, as
 * two processes or instances).
 */
import { startTestServer } from "./helpers.ts";
import { type AppProcess, startProcesses } from "./processes.ts";
import { type Client, openSocket, type TestServer } from "./ws_client.ts";

/** What a two-server test gets: the servers, and a socket opener whose sockets are closed after. */
export type TwoServers<S extends { base: string }> = {
  one: S;
  two: S;
  /** Opens a socket of `cookie`'s person on `server` (its own Origin). */
  socket(server: S, cookie: string): Promise<Client>;
};

/** Declares a test around two server processes on one fresh KV file (REALTIME_POLL_MS=100). */
export function twoProcessTest(
  name: string,
  fn: (servers: TwoServers<AppProcess>, t: Deno.TestContext) => Promise<void>,
  env: Record<string, string> = {},
): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async (t) => {
      const { servers: [one, two], stop } = await startProcesses(2, env);
      await withSockets({ one, two }, (servers) => fn(servers, t), stop);
    },
  });
}

/** Declares a test around two servers in this process on one fresh KV file (REALTIME_POLL_MS=100). */
export function twoHubTest(
  name: string,
  fn: (servers: TwoServers<TestServer>, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test(name, async (t) => {
    const dir = await Deno.makeTempDir();
    const env = { KV_PATH: `${dir}/chat.kv`, REALTIME_POLL_MS: "100" };
    const one = await startTestServer(env);
    const two = await startTestServer(env);
    await withSockets({ one, two }, (servers) => fn(servers, t), async () => {
      await one.close();
      await two.close();
      await Deno.remove(dir, { recursive: true });
    });
  });
}

async function withSockets<S extends { base: string }>(
  pair: { one: S; two: S },
  fn: (servers: TwoServers<S>) => Promise<void>,
  stop: () => Promise<void>,
): Promise<void> {
  const clients: Client[] = [];
  try {
    await fn({
      ...pair,
      socket: (server, cookie) => openSocket(server.base, cookie, server.base, clients),
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await stop();
  }
}
