/**
 * Another signed-in user, in a process of its own: asks for their conversation list every
 * 20 ms for PROBE_SECONDS and prints the latencies (JSON). Used by body_attack.ts.
 *
 *   deno run -A tests/security/latency_probe.ts <base> <cookie>
 */
const [base, cookie] = Deno.args;
const seconds = Number(Deno.env.get("PROBE_SECONDS") ?? "3");
const ms: number[] = [];
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  const started = performance.now();
  const res = await fetch(`${base}/api/conversations`, { headers: { cookie } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`the other user got ${res.status}`);
  ms.push(performance.now() - started);
  await new Promise((r) => setTimeout(r, 20));
}
ms.sort((a, b) => a - b);
const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(ms.length * q))]);
console.log(JSON.stringify({ n: ms.length, medianMs: at(0.5), p95Ms: at(0.95), maxMs: at(1) }));
