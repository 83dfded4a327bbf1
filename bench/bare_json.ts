/**
 * The REST message page's ceiling for `deno task bench`: a bare Hono route answering
 * `JSON.stringify` of the same page of 50 messages the app answers (read once at start, from
 * the same seeded store, through the same `listMessages`), per request: no session, no KV, no
 * cache, no middleware. What the app adds on top of it is what the REST figure measures.
 *
 * Usage: `deno run -A bench/bare_json.ts <port> <kvPath> <conversationId>`; or, from a
 * bench, `startBareJson(kvPath, conversationId)` and GET `/` (`/healthz` answers once ready).
 */
import { Hono } from "hono";
import { listMessages } from "../lib/messages/mod.ts";
import { HOST, type Server, startServer } from "./process.ts";

/** The path the bare server answers the page on (and the app's path it stands for). */
export const BARE_JSON_PATH = "/";

/** The page the app's `GET /api/conversations/:id/messages?limit=50` answers, as objects. */
async function readPage(kvPath: string, conversationId: string) {
  const kv = await Deno.openKv(kvPath);
  try {
    return await listMessages(kv, conversationId, { limit: 50, topLevel: true });
  } finally {
    kv.close();
  }
}

/** Starts bench/bare_json.ts on a free port, serving the page of `conversationId` in `kvPath`. */
export function startBareJson(kvPath: string, conversationId: string): Promise<Server> {
  return startServer(
    "bare json",
    Deno.execPath(),
    (port) => ["run", "-A", "bench/bare_json.ts", String(port), kvPath, conversationId],
    () => ({}),
    "/healthz",
    (res) => res.ok,
  );
}

if (import.meta.main) {
  const [portArg, kvPath, conversationId] = Deno.args;
  if (!kvPath || !conversationId) {
    throw new Error("usage: bench/bare_json.ts <port> <kvPath> <conversationId>");
  }
  const page = await readPage(kvPath, conversationId);
  if (page.messages.length === 0) throw new Error(`no messages in ${conversationId}`);
  const app = new Hono()
    .get(
      BARE_JSON_PATH,
      (c) => c.body(JSON.stringify(page), 200, { "Content-Type": "application/json" }),
    )
    .get("/healthz", (c) => c.text("ok"));
  Deno.serve({ port: Number(portArg), hostname: HOST, onListen: () => {} }, app.fetch);
}
