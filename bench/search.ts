/**
 * The search figures of `deno task bench`: three queries on the seeded stores (bench/seed.ts),
 * run in this process against the store's file through lib/search's own `searchPage` (what
 * GET /api/search answers with, less HTTP, which the http rows measure), each beside a
 * ceiling measured in the same run on the same store: a bare KV read of the same postings
 * and the page's messages, the least any engine answering it from these postings must read.
 *
 * - a common word (`the`, in about half the messages): the newest page;
 * - a rare word (RARE_WORD, one message in 10,000: a posting per match, ~100 at a million);
 * - `from:<author> after:… before:…`: one author (of eight) over eight days in the middle of
 *   the history (a message every ~95 s, the seed's clock), which must cost the same on any
 *   size of history but the date search (seqRange: 2 log₂ n reads). Reported with its KV reads
 *   on the small store (1,000 messages, all within those days) beside the large one.
 *
 * KV reads are counted on the store: an entry a range read yields, a key a get asks for.
 */
import { filterToken, searchPage, seqRange } from "../lib/search/mod.ts";
import { getAccountByUsername } from "../lib/accounts/mod.ts";
import { getManyChunked, headKey, messageKey, searchKey } from "../lib/storage/mod.ts";
import { RARE_WORD, type SeededStore } from "./seed.ts";

/** One query: its time (p50 and the slowest of the runs), reads and results; its ceiling's. */
export type SearchFigure = {
  label: string;
  query: string;
  p50Ms: number;
  maxMs: number;
  reads: number;
  results: number;
  partial: boolean;
  ceilingP50Ms: number;
  ceilingReads: number;
};

export type SearchFigures = { history: number; figures: SearchFigure[] };

/** Results a page holds (the API's default). */
const PAGE = 20;
const DAY = 86_400_000;

/** A store whose reads are counted: entries from range reads, keys from gets. */
function counted(kv: Deno.Kv): { kv: Deno.Kv; reads: () => number } {
  let n = 0;
  const proxy = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "get") return (...a: unknown[]) => (n++, value.apply(target, a));
      if (prop === "getMany") {
        return (
          keys: unknown[],
          ...a: unknown[]
        ) => (n += keys.length, value.apply(target, [keys, ...a]));
      }
      if (prop === "list") {
        return (...a: unknown[]) => {
          const it = value.apply(target, a) as Deno.KvListIterator<unknown>;
          const next = it.next.bind(it);
          it.next = async () => {
            const r = await next();
            if (!r.done) n++;
            return r;
          };
          return it;
        };
      }
      return value.bind(target);
    },
  });
  return { kv: proxy, reads: () => n };
}

/** Runs `fn` `runs` times after two unmeasured ones: p50 and slowest in ms, last value. */
async function timed<T>(runs: number, fn: () => Promise<T>) {
  await fn();
  await fn();
  const ms: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    last = await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(ms.length / 2)], max: ms.at(-1)!, last };
}

/**
 * The ceiling: newest first, the postings of `key(firstSeq)` keyed in [lo, hi] until a page
 * of seqs in [lo, hi] (one more, as the engine asks, to know there are more), then the page's
 * messages (gets of 10 keys, KV's most).
 */
async function bareRead(
  kv: Deno.Kv,
  conversationId: string,
  key: (seq: number) => Deno.KvKey,
  lo: number,
  hi: number,
): Promise<number> {
  const seqs: number[] = [];
  const entries = kv.list<{ seqs: number[] }>({
    start: key(Math.max(0, lo - 199)),
    end: key(hi + 1),
  }, { reverse: true, batchSize: 50 });
  for await (const e of entries) {
    for (const seq of e.value.seqs.toReversed()) if (seq >= lo && seq <= hi) seqs.push(seq);
    if (seqs.length > PAGE) break;
  }
  const page = seqs.sort((a, b) => b - a).slice(0, PAGE);
  await getManyChunked(kv, page.map((seq) => messageKey(conversationId, seq)));
  return page.length;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The three queries on one seeded store, each `runs` times. */
export async function benchSearch(store: SeededStore, runs: number): Promise<SearchFigures> {
  const real = await Deno.openKv(store.path);
  try {
    const reader = await getAccountByUsername(real, store.reader);
    const author = store.author ? await getAccountByUsername(real, store.author) : null;
    if (!reader || !author) throw new Error("bench/search: the seeded store lacks its people");
    const id = store.conversationId;
    const last = (await real.get<{ seq: number }>(headKey(id))).value?.seq ?? 0;
    // Eight days up to the middle message's: ~7,300 messages where the history is longer.
    const middle = (await real.get<{ createdAt: string }>(messageKey(id, Math.ceil(last / 2))))
      .value!;
    const end = Date.parse(`${day(Date.parse(middle.createdAt))}T00:00:00Z`) + DAY;
    const bounds = { after: end - 8 * DAY - 1, before: end };
    const range = await seqRange(real, id, bounds) ?? { from: 1, to: 0 };
    const queries = [
      {
        label: `"the" (common word)`,
        query: "the",
        ceiling: (kv: Deno.Kv) => bareRead(kv, id, (s) => searchKey(id, "the", s), 1, last),
      },
      {
        label: `"${RARE_WORD}" (rare word)`,
        query: RARE_WORD,
        ceiling: (kv: Deno.Kv) => bareRead(kv, id, (s) => searchKey(id, RARE_WORD, s), 1, last),
      },
      {
        label: `from:${author.username} + 8 days`,
        query: `from:${author.username} after:${day(end - 9 * DAY)} before:${day(end)}`,
        ceiling: (kv: Deno.Kv) =>
          bareRead(
            kv,
            id,
            (s) => searchKey(id, filterToken.from(author.id), s),
            range.from,
            range.to,
          ),
      },
    ];
    const figures: SearchFigure[] = [];
    for (const q of queries) {
      const engine = await timed(runs, async () => {
        const { kv, reads } = counted(real);
        const page = await searchPage(kv, reader.id, q.query, { limit: PAGE });
        return { page, reads: reads() };
      });
      const bare = await timed(runs, async () => {
        const { kv, reads } = counted(real);
        await q.ceiling(kv);
        return reads();
      });
      if (engine.last.page.results.length === 0) {
        throw new Error(`bench/search: "${q.query}" found nothing on ${last} messages`);
      }
      figures.push({
        label: q.label,
        query: q.query,
        p50Ms: engine.p50,
        maxMs: engine.max,
        reads: engine.last.reads,
        results: engine.last.page.results.length,
        partial: engine.last.page.partial,
        ceilingP50Ms: bare.p50,
        ceilingReads: bare.last,
      });
    }
    return { history: last, figures };
  } finally {
    real.close();
  }
}

if (import.meta.main) {
  // `deno run -A bench/search.ts <store.json> [runs]`: one store's figures (while developing).
  // Works on a copy: the cached store stays as seeded.
  const [meta, runs = "10"] = Deno.args;
  const info = JSON.parse(await Deno.readTextFile(meta));
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  await Deno.copyFile(meta.replace(/\.json$/, ""), path);
  try {
    console.log(JSON.stringify(await benchSearch({ path, ...info }, Number(runs)), null, 2));
  } finally {
    await Deno.remove(path);
  }
}
