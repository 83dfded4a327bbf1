/**
 * How much searching one person may do (issue 15, item 11): at most SEARCH_LIMITS.perMinute
 * queries a minute, kept in KV like the other limits (so across processes), and at most
 * SEARCH_LIMITS.concurrent at once in this process; past either, 429 with Retry-After. What
 * one query reads is bounded in query.ts (MAX_QUERY_READS).
 */
import { RateLimitError } from "../errors.ts";
import { hitRateLimit } from "../ops/mod.ts";
import { parseQuery } from "./parse.ts";
import { type SearchPage, searchPage, type SearchResult } from "./query.ts";

export const SEARCH_LIMITS = { perMinute: 30, concurrent: 2 } as const;

/** Searches in flight, per user, in this process. */
const inFlight = new Map<string, number>();

/**
 * searchPage within the person's limits. `scale` is RATE_LIMIT_SCALE (0: no limits, for
 * benchmarks). A query or cursor it cannot take is refused (400) before it counts.
 */
export async function limitedSearchPage(
  kv: Deno.Kv,
  userId: string,
  query: string,
  options: { limit?: number; cursor?: string; tz?: number; scale: number },
): Promise<SearchPage> {
  const { scale, ...search } = options;
  parseQuery(query);
  if (scale === 0) return await searchPage(kv, userId, query, search);
  const running = inFlight.get(userId) ?? 0;
  if (running >= SEARCH_LIMITS.concurrent) {
    throw new RateLimitError(1, "Your other searches are still running. Try again in a moment.");
  }
  inFlight.set(userId, running + 1);
  try {
    await hitRateLimit(kv, ["searches", userId], {
      limit: SEARCH_LIMITS.perMinute,
      windowMs: 60_000,
      scale,
    });
    return await searchPage(kv, userId, query, search);
  } finally {
    const left = (inFlight.get(userId) ?? 1) - 1;
    if (left > 0) inFlight.set(userId, left);
    else inFlight.delete(userId);
  }
}

/** limitedSearchPage's results only (the first page). */
export async function limitedSearch(
  kv: Deno.Kv,
  userId: string,
  query: string,
  options: { limit?: number; scale: number },
): Promise<SearchResult[]> {
  return (await limitedSearchPage(kv, userId, query, options)).results;
}
