/**
 * KV round trips in series per answer: this tree's app (createApp, in this process) on a copy
 * of the small seeded store wrapped by bench/remote_kv.ts with a round trip of RTT ms per KV
 * call, asked one request at a time; wall time per answer / RTT is the round trips a request
 * waits in series (the CPU, well under a millisecond, hardly moves it; the machine's load
 * does not, unlike the rates). For the chat page, the REST message page and the list.
 *
 *   deno run -A bench/page_rtt.ts [rtt ms = 20] [requests = 10]
 *
 * Copy it and bench/inproc_app.ts into a `git worktree` of another commit to compare trees.
 */
import { inProcessApp } from "./inproc_app.ts";
import { wrapRemoteKv } from "./remote_kv.ts";

const rtt = Number(Deno.args[0] ?? 20);
const n = Number(Deno.args[1] ?? 10);
const app = await inProcessApp("page-rtt", {
  wrapKv: (kv) => wrapRemoteKv(kv, { rttMs: rtt, enforce: "count", watchPollMs: 10 }).kv,
});
const paths: Record<string, string> = {
  page: `/conversations/${app.conversationId}`,
  rest: `/api/conversations/${app.conversationId}/messages?limit=50`,
  list: "/api/conversations?limit=50",
  home: "/",
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  for (const [name, path] of Object.entries(paths)) {
    const ms: number[] = [];
    for (let i = 0; i < n + 2; i++) {
      const started = performance.now();
      await (await app.get(path)).arrayBuffer();
      if (i >= 2) ms.push(performance.now() - started);
    }
    const m = median(ms);
    console.log(
      `${name.padEnd(5)} p50 ${m.toFixed(1)} ms at ${rtt} ms a call: ${(m / rtt).toFixed(1)} ` +
        `round trips in series`,
    );
  }
} finally {
  await app.close();
}
