/**
 * What the KV benches share (bench/kv_ceiling.ts, bench/kv_postings.ts): messages like the
 * durable phase's, the process's CPU by thread from /proc, the bench's ids, the timed loop of
 * commits they measure with (a warm-up, then a window whose work and CPU count), a fresh copy
 * of a preloaded store per run, and medians.
 */

export type Rate = {
  perSec: number;
  /** Process CPU (every thread) per record or message, µs. */
  cpuUs: number;
  /** The JS thread's share of it. */
  jsUs: number;
};

// ---------------------------------------------------------------------------------------
// Messages like the durable phase's: a stamp, then 7 words from a 5,000-word Zipf vocabulary

const VOCABULARY = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}x`);
const CUMULATIVE = (() => {
  let total = 0;
  const sums = VOCABULARY.map((_, i) => (total += 1 / (i + 1)));
  return sums.map((v) => v / total);
})();

function word(): string {
  const r = Math.random();
  let lo = 0, hi = CUMULATIVE.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (CUMULATIVE[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return VOCABULARY[lo];
}

/** `count` words of the vocabulary, drawn by Zipf's law (s = 1), as words in real chat go. */
export function zipfWords(count = 7): string {
  return Array.from({ length: count }, word).join(" ");
}

/** A message's text as the durable phase sends it. */
export function content(): string {
  return `~P4~T${performance.now().toFixed(3)}~ ${zipfWords()}`;
}

export const conversationIdOf = (i: number) => `01JBENCHCONV${String(i).padStart(14, "0")}`;
export const userIdOf = (i: number) => `01JBENCHUSER${String(i).padStart(14, "0")}`;

/** CPU seconds of this process so far: every thread, and the JS (main) thread's. */
export function cpu(): { total: number; js: number } {
  let total = 0, js = 0;
  for (const t of Deno.readDirSync("/proc/self/task")) {
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/self/task/${t.name}/stat`);
    } catch {
      continue; // a thread that ended meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const seconds = (Number(f[11]) + Number(f[12])) / 100;
    total += seconds;
    if (Number(t.name) === Deno.pid) js += seconds;
  }
  return { total, js };
}

/**
 * Calls `step` (a commit or a few, one in flight) over and over for `warmupMs` and then
 * `seconds`; `step` returns how many messages it stored and is told whether its work counts
 * (the warm-up's does not). The rate and the CPU a message over the counted window.
 */
export async function timedCommits(
  seconds: number,
  warmupMs: number,
  step: (counted: boolean) => Promise<number>,
): Promise<Rate> {
  let messages = 0, c0 = cpu(), counted = false;
  const start = performance.now() + warmupMs, end = start + seconds * 1000;
  while (performance.now() < end) {
    if (!counted && performance.now() >= start) [counted, messages, c0] = [true, 0, cpu()];
    messages += await step(counted);
  }
  const c1 = cpu();
  const elapsed = (performance.now() - start) / 1000;
  return {
    perSec: messages / elapsed,
    cpuUs: (c1.total - c0.total) * 1e6 / messages,
    jsUs: (c1.js - c0.js) * 1e6 / messages,
  };
}

/** `fn` on a fresh copy of `${dir}/base.kv` (a preloaded store), removed afterwards. */
export async function onCopyOf<T>(dir: string, fn: (kv: Deno.Kv) => Promise<T>): Promise<T> {
  const path = `${dir}/run.kv`;
  await Deno.copyFile(`${dir}/base.kv`, path);
  const kv = await Deno.openKv(path);
  try {
    return await fn(kv);
  } finally {
    kv.close();
    await Deno.remove(path);
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
