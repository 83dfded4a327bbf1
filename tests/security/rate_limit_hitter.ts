/**
 * One process of login_race_test's cross-process case: opens the KV file it is given and
 * makes `count` hits at once on one login limit, then prints how many passed.
 *
 *   deno run -A tests/security/rate_limit_hitter.ts <kv file> <count> <start at (epoch ms)>
 */
import { hitRateLimit } from "../../lib/ops/mod.ts";

const [path, count, startAt] = Deno.args;
const kv = await Deno.openKv(path);
// Both processes start their hits at the same moment (the test gives a time a little ahead).
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const outcomes = await Promise.all(
  Array.from(
    { length: Number(count) },
    () =>
      hitRateLimit(kv, ["login_user", "target"], { limit: 10, windowMs: 15 * 60_000, scale: 1 })
        .then(() => 1, () => 0),
  ),
);
console.log(outcomes.reduce<number>((a, b) => a + b, 0));
kv.close();
