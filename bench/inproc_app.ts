/**
 * This tree's app in the bench's own process (createApp on a copy of the small seeded store,
 * 1,000 messages of history), signed in as the store's reader, for the benches that call
 * `app.fetch` without sockets: bench/rest_inproc.ts (CPU per answer) and bench/page_rtt.ts
 * (KV round trips in series, with a remote-KV wrapper).
 */
import { parseConfig } from "../config.ts";
import { type ContextOptions, createApp, createContext } from "../main.ts";
import { seededStore } from "./seed.ts";
import { ROOT } from "./process.ts";

export type InProcessApp = {
  /** The seeded conversation's id. */
  conversationId: string;
  /** GETs `path` as the signed-in reader; throws unless the answer is 2xx (body unread). */
  get(path: string): Promise<Response>;
  close(): Promise<void>;
};

/** The app on a fresh seeded store in a temp dir named `name`, its context made with `options`. */
export async function inProcessApp(
  name: string,
  options: Pick<ContextOptions, "wrapKv"> = {},
): Promise<InProcessApp> {
  const dir = await Deno.makeTempDir({ prefix: `bench-${name}-` });
  const store = await seededStore(ROOT, { history: 1000, conversations: 0 }, dir);
  const config = parseConfig({
    KV_PATH: store.path,
    DENO_ENV: "test",
    LOG_LEVEL: "warn",
    REGISTRATION: "open",
    RATE_LIMIT_SCALE: "0",
  });
  const ctx = await createContext(config, { channelName: `${name}-${Deno.pid}`, ...options });
  const app = createApp(ctx);
  const base = "http://localhost";
  const login = await app.fetch(
    new Request(`${base}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ username: store.reader, password: store.password }),
    }),
  );
  const cookie = login.headers.getSetCookie()[0].split(";")[0];
  return {
    conversationId: store.conversationId,
    async get(path) {
      const res = await app.fetch(new Request(base + path, { headers: { cookie } }));
      if (!res.ok) throw new Error(`${path} answered ${res.status}`);
      return res;
    },
    async close() {
      await ctx.hub.indexed();
      ctx.hub.close();
      ctx.kv.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
