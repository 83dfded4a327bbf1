/**
 * Link previews (issue 20; beside lib/integrations, above notify): the first http(s) link of
 * a message is fetched by the server under the outbound guard (lib/outbound/address.ts), its
 * OpenGraph / Twitter / <title> data stored with the message as `preview` and delivered as a
 * change; images are served through the app. Owned by S4.
 */
import type { Config } from "../../config.ts";
import type { Hub } from "../realtime/mod.ts";

/** This process's link-preview worker. */
export type Previews = { stop(): Promise<void> };

/** Starts this process's link-preview worker (S4: a stub that does nothing yet). */
export function startPreviews(
  _ctx: { kv: Deno.Kv; config: Config; hub: Hub },
  _options: { start?: boolean; pollMs?: number } = {},
): Previews {
  return { stop: () => Promise.resolve() };
}
