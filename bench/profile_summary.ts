/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`, e.g. BENCH_CPU_PROF=dir): the
 * functions with the most self time and the most total time (inclusive), with their files.
 * Usage: `deno run -A bench/profile_summary.ts file.cpuprofile [rows]`.
 */
type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const profile: Profile = JSON.parse(await Deno.readTextFile(Deno.args[0]));
const rows = Number(Deno.args[1] ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
profile.samples.forEach((id, i) =>
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
);
const total = [...self.values()].reduce((a, b) => a + b, 0);

const label = (n: Node) => {
  const url = n.callFrame.url.replace(/^.*\/(node_modules|npm\/registry\.npmjs\.org)\//, "npm:")
    .replace(/^file:\/\/.*?\/app\//, "").replace(/^file:\/\/\/work\/main\//, "");
  return `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
};
const selfBy = new Map<string, number>();
const totalBy = new Map<string, number>();
for (const [id, t] of self) {
  selfBy.set(label(byId.get(id)!), (selfBy.get(label(byId.get(id)!)) ?? 0) + t);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (seen.has(l)) continue;
    seen.add(l);
    totalBy.set(l, (totalBy.get(l) ?? 0) + t);
  }
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title} (of ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [l, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(
      `${(t / 1000).toFixed(0).padStart(7)} ms ${
        ((t / total) * 100).toFixed(1).padStart(5)
      }%  ${l}`,
    );
  }
};
show("self time", selfBy);
show("total time", totalBy);
