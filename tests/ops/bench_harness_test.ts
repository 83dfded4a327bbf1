/**
 * The harness of `deno task bench` (bench/load.ts, bench/all.ts) against real servers, briefly:
 * it counts answers, checks their content, and fails loudly when a server answers errors or
 * a page lacks what it should show. No timing is asserted (the figures are the bench's).
 */
import assert from "node:assert/strict";
import { formatTable, rowsOf } from "../../bench/all.ts";
import { startCeiling } from "../../bench/http.ts";
import { assertClean, loadInProcess, type LoadResult } from "../../bench/load.ts";
import { createConversationVia, json, registerUser, startTestServer } from "../support/helpers.ts";

const brief = { connections: 2, seconds: 1, warmupSeconds: 0.2 };

Deno.test("the load generator drives a real conversation page and checks what it shows", async () => {
  const server = await startTestServer({ RATE_LIMIT_SCALE: "0" });
  try {
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    const id = await createConversationVia(server, alice.cookie, [bob.user]);
    const sent = await server.fetch(
      `/api/conversations/${id}/messages`,
      json("POST", { content: "the harness finds this sentence" }, alice.cookie),
    );
    assert.equal(sent.status, 201);
    await sent.body?.cancel();

    const page = await loadInProcess({
      ...brief,
      url: `${server.base}/conversations/${id}`,
      headers: { cookie: alice.cookie },
      expect: "the harness finds this sentence",
    });
    assert.equal(page.errors, 0, page.firstError ?? "");
    assert.ok(page.requests > 0);
    assert.ok(page.bodyBytes > 1000, "a whole page was read");
    assert.equal(assertClean("page", page), page);

    await the("a page without the expected text", async () => {
      const r = await loadInProcess({
        ...brief,
        url: `${server.base}/conversations/${id}`,
        headers: { cookie: alice.cookie },
        expect: "words nobody wrote",
      });
      assert.ok(r.errors > 0);
      assert.match(r.firstError ?? "", /lacks "words nobody wrote"/);
      assert.throws(() => assertClean("page", r), /failed requests, first: an answer of/);
    });

    await the("a signed-out visitor (a redirect is not a 2xx)", async () => {
      const r = await loadInProcess({ ...brief, url: `${server.base}/conversations/${id}` });
      assert.match(r.firstError ?? "", /HTTP 303/);
      assert.throws(() => assertClean("page", r), /HTTP 303/);
    });

    await the("a POST with a JSON body (how logins are measured)", async () => {
      const r = await loadInProcess({
        ...brief,
        url: `${server.base}/api/auth/login`,
        method: "POST",
        headers: { "content-type": "application/json", origin: server.base },
        body: JSON.stringify({ username: alice.user.username, password: alice.password }),
        expect: `"username":"${alice.user.username}"`,
      });
      assert.equal(r.errors, 0, r.firstError ?? "");
      assert.ok(r.answered > 0);
    });
  } finally {
    await server.close();
  }
});

Deno.test("a server answering 500 fails the bench loudly", async () => {
  const ceiling = await startCeiling();
  try {
    const ok = await loadInProcess({ ...brief, url: `${ceiling.base}/`, expect: "ok" });
    assert.equal(ok.errors, 0);
    const failing = await loadInProcess({ ...brief, url: `${ceiling.base}/error` });
    assert.equal(failing.requests, 0, "no error answer is counted as a measured request");
    assert.ok(failing.errors > 0);
    assert.throws(() => assertClean("ceiling", failing), /HTTP 500 for GET \/error/);
  } finally {
    await ceiling.stop();
  }
});

Deno.test("the table marks a missed target and shows the ceiling's ratio", () => {
  const load = (perSec: number, p99Ms: number): LoadResult => ({
    requests: perSec,
    answered: perSec,
    perSec,
    p50Ms: p99Ms / 2,
    p99Ms,
    maxMs: p99Ms,
    bodyBytes: 100,
    errors: 0,
    firstError: null,
    cpuShare: 0.5,
  });
  const rows = rowsOf({
    ceiling: load(20_000, 4),
    small: {
      page: load(2000, 60),
      barePage: load(5000, 10),
      rest: load(9000, 5),
      restCeiling: load(12_000, 3),
      pageAlone: load(400, 70),
      barePageAlone: load(900, 6),
    },
    parallel: { page: load(3500, 40), rest: load(12_000, 4) },
  });
  // `deno serve --parallel` is shown beside one process; the targets are judged on one process.
  const parallel = rows.filter((r) => r.figure.includes("--parallel"));
  assert.equal(parallel.length, 3);
  assert.ok(parallel.every((r) => r.met === null && r.target === ""));
  const page = rows.find((r) => r.figure.startsWith("page, 50 of 1,000"))!;
  // Judged against the bare render of the same messages, not the bare "ok" route.
  assert.equal(page.met, false);
  assert.equal(page.ratio, "0.40");
  const rest = rows.find((r) => r.figure.startsWith("REST"))!;
  assert.equal(rest.met, true);
  assert.equal(rest.ratio, "0.75");
  // Latency at 32 connections is the queue's (~32 / rate): no target there; the target is on
  // the page one request at a time, beside its bare render measured the same way.
  const queued = rows.find((r) => r.figure.startsWith("page latency, 1,000 messages (32"))!;
  assert.equal(queued.met, null);
  const oneAtATime = rows.find((r) => r.figure.includes("one request at a time"))!;
  assert.equal(oneAtATime.met, false);
  assert.equal(oneAtATime.target, "p99 ≤ 50 ms");
  assert.equal(oneAtATime.ceiling, "p50 3.00 / p99 6.00 ms (bare Preact)");
  const table = formatTable(rows);
  assert.match(
    table,
    /\| page, 50 of 1,000 messages \(32 conns\) +\| 2,000\/s +\| 5,000\/s \(bare Preact\)/,
  );
  // Without its ceiling a row shows no ratio and judges nothing.
  const alone = rowsOf({ small: { page: load(2000, 60), rest: load(9000, 5) } });
  assert.ok(alone.filter((r) => r.target === "≥ 0.5").every((r) => r.met === null));
  assert.match(table, /✗/);
  assert.match(table, /✓/);
});

async function the(what: string, fn: () => Promise<void>) {
  try {
    await fn();
  } catch (err) {
    throw new Error(`${what}: ${err instanceof Error ? err.message : err}`, { cause: err });
  }
}
