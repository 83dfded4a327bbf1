import { hitRateLimit } from "../../lib/ops/mod.ts";
import type { AppCtx } from "../_http.ts";

/**
 * What one person may create (and look up), per window, kept in KV like the other limits (so it holds
 * across processes) and scaled by RATE_LIMIT_SCALE. One user once created 20,000
 * conversations with another in 17 s (issue 15, item 11); a person starts far fewer.
 */
export const CREATION_LIMITS = {
  /** Conversations started (a direct one that already exists counts too). */
  conversation: { limit: 100, windowMs: 60 * 60_000 },
  /** Projects created (each makes a conversation). */
  project: { limit: 20, windowMs: 60 * 60_000 },
  /** People added to projects (each joins the project's conversation). */
  project_member: { limit: 200, windowMs: 60 * 60_000 },
  /** Conversations left or blocked (each rewrites a conversation). */
  leave: { limit: 200, windowMs: 60 * 60_000 },
  /** People looked up by name (New conversation, adding a member: a look-up per pause in typing). */
  people_search: { limit: 300, windowMs: 60_000 },
  /** Invite links created (each lets people create accounts). */
  invite: { limit: 50, windowMs: 60 * 60_000 },
} as const;

/** Counts one creation of `kind` by the signed-in user; 429 with Retry-After past the limit. */
export async function limitCreation(
  c: AppCtx,
  userId: string,
  kind: keyof typeof CREATION_LIMITS,
): Promise<void> {
  const { kv, config } = c.get("ctx");
  await hitRateLimit(kv, [`create_${kind}`, userId], {
    ...CREATION_LIMITS[kind],
    scale: config.rateLimitScale,
  });
}
