import assert from "node:assert/strict";
import { commitWithRetry } from "../storage/mod.ts";
import { Counter, Histogram, metrics } from "./metrics.ts";

Deno.test("Counter renders HELP, TYPE and a sample per label set, labels escaped", () => {
  const c = new Counter("t_total", "What it counts.");
  assert.match(c.render().join("\n"), /^t_total\{worker="[^"]+"\} 0$/m, "zero before any event");
  c.inc(1, { route: '/a"b\\c' });
  c.inc(2, { route: '/a"b\\c' });
  c.inc(1, { route: "/x" });
  const text = c.render().join("\n");
  assert.match(text, /^# HELP t_total What it counts\.\n# TYPE t_total counter\n/);
  assert.match(text, /^t_total\{route="\/a\\"b\\\\c",worker="[^"]+"\} 3$/m);
  assert.match(text, /^t_total\{route="\/x",worker="[^"]+"\} 1$/m);
  assert.doesNotMatch(text, /\} 0$/m, "no empty series once there are events");
  assert.equal(c.value(), 4);
});

Deno.test("Histogram buckets are cumulative, +Inf equals the count, sum adds up", () => {
  const h = new Histogram("d_seconds", "Durations.", [0.01, 0.1, 1]);
  for (const v of [0.005, 0.05, 0.05, 0.5, 3]) h.observe(v, { route: "/r" });
  const lines = h.render();
  const value = (le: string) =>
    Number(
      lines.find((l) => l.startsWith(`d_seconds_bucket{route="/r",le="${le}"`))?.split(" ")[1],
    );
  assert.deepEqual(["0.01", "0.1", "1", "+Inf"].map(value), [1, 3, 4, 5]);
  assert.ok(lines.some((l) => /^d_seconds_count\{route="\/r",worker="[^"]+"\} 5$/.test(l)));
  const sum = Number(lines.find((l) => l.startsWith("d_seconds_sum"))?.split(" ")[1]);
  assert.ok(Math.abs(sum - 3.605) < 1e-9, `sum ${sum}`);
});

Deno.test("a KV commit that storage tries again is counted under its reason", async () => {
  const conflicts = () => metrics.kvCommitRetries.value({ reason: "conflict" });
  const before = conflicts();
  let attempts = 0;
  assert.equal(
    await commitWithRetry(() => Promise.resolve(++attempts < 3 ? null : "done")),
    "done",
  );
  assert.equal(conflicts() - before, 2, "two lost races, two retries");
});
