import { RateLimitError } from "./errors.ts";
import { commitRetryingLocks } from "./kv.ts";

/**
 * A fixed-window counter in KV, so the limit holds across workers and instances. Throws
 * RateLimitError with the seconds until the window ends. `scale` is RATE_LIMIT_SCALE:
 * it multiplies the limit, and 0 turns it off.
 */
export async function hitRateLimit(
  kv: Deno.Kv,
  key: string[],
  options: { limit: number; windowMs: number; scale: number; now?: number },
): Promise<void> {
  if (options.scale === 0) return;
  const now = options.now ?? Date.now();
  const window = Math.floor(now / options.windowMs);
  const counterKey = ["rate", ...key, window];
  const limit = Math.max(1, Math.round(options.limit * options.scale));
  const current = await kv.get<Deno.KvU64>(counterKey);
  if (current.value && Number(current.value.value) >= limit) {
    throw new RateLimitError(Math.ceil(((window + 1) * options.windowMs - now) / 1000));
  }
  await commitRetryingLocks(() => kv.atomic().sum(counterKey, 1n));
  // The counter expires with its window; sum() cannot set expireIn, so a set follows once.
  if (!current.value) {
    const fresh = await kv.get<Deno.KvU64>(counterKey);
    if (fresh.value) {
      await commitRetryingLocks(() =>
        kv.atomic().check(fresh).set(counterKey, fresh.value!, { expireIn: options.windowMs * 2 })
      );
    }
  }
}
