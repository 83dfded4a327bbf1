/**
 * Summarises a V8 `.cpuprofile` (from `deno run --cpu-prof`, e.g. BENCH_CPU_PROF=dir): the
 * functions with the most self time and the most total time (inclusive), with their files.
 * Usage: `deno run -A bench/profile_summary.ts file.cpuprofile [rows] [--timeline]
 * [--window=FROM-TO]`: `--timeline` prints each second's busy share (to find a phase, e.g. a
 * bench's saturated runs, in a profile of a whole process), `--window` counts only the samples
 * between FROM and TO seconds after the profile started.
 */
type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const flags = Deno.args.filter((a) => a.startsWith("--"));
const [file, rowsArg] = Deno.args.filter((a) => !a.startsWith("--"));
const profile: Profile = JSON.parse(await Deno.readTextFile(file));
const rows = Number(rowsArg ?? 25);
const window = flags.find((f) => f.startsWith("--window="))?.slice(9).split("-").map(Number);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
const idle = new Set(
  profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id),
);
const perSecond: { busy: number; all: number }[] = [];
let at = 0; // µs since the first sample
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  const second = Math.floor(at / 1e6);
  perSecond[second] ??= { busy: 0, all: 0 };
  perSecond[second].all += dt;
  if (!idle.has(id)) perSecond[second].busy += dt;
  if (window && (at < window[0] * 1e6 || at >= window[1] * 1e6)) return;
  self.set(id, (self.get(id) ?? 0) + dt);
});
if (flags.includes("--timeline")) {
  console.log("second  busy");
  perSecond.forEach((s, i) =>
    console.log(`${String(i).padStart(6)}  ${((s.busy / s.all) * 100).toFixed(0)}%`)
  );
}
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
