/** Outgoing webhooks (issue 19): owned by H3. */
import type { Config } from "../../config.ts";

/** This process's outgoing-webhook loop and delivery worker. */
export type OutgoingWebhooks = { stop(): Promise<void> };

/**
 * Starts this process's outgoing-webhook loop and delivery worker (owned by H3: a stub that
 * does nothing yet). Returns what stops them.
 */
export function startOutgoingWebhooks(
  _ctx: { kv: Deno.Kv; config: Config },
  _options: { start?: boolean; pollMs?: number } = {},
): OutgoingWebhooks {
  return { stop: () => Promise.resolve() };
}
