/**
 * What the search postings' key layout costs the KV on a store that already holds an index: the
 * indexer's commits (one per 200 messages of a conversation, one key per distinct token) on a store
 * preloaded with the postings of `preload` messages, token-major as lib/search writes them
 * (`["search", conv, token, firstSeq]`: each key on its own page of the token range) against the
 * same keys block-major (the batch's first seq ahead of the token, emulated with searchKey's
 * arguments: one commit's keys land together), and the message records alone for scale.
 *
 *   deno run -A bench/kv_postings.ts [rounds=3] [seconds=3] [preload=100000]
 */
import { tokenize } from "../lib/search/mod.ts";
import { messageKey, searchKey } from "../lib/storage/mod.ts";
import {
  content,
  conversationIdOf,
  median,
  onCopyOf,
  type Rate,
  timedCommits,
} from "./kv_timing.ts";

const BATCH = 200;
const CONVERSATIONS = 10;
const WARMUP_MS = 300;

type Kind = "records" | "token-major" | "block-major";

/** One conversation's 200 messages: the batch's postings (token → seqs). */
function postingsOf(firstSeq: number): Map<string, number[]> {
  const byToken = new Map<string, number[]>();
  for (let seq = firstSeq; seq < firstSeq + BATCH; seq++) {
    for (const t of tokenize(content())) byToken.set(t, [...byToken.get(t) ?? [], seq]);
  }
  return byToken;
}

/** Writes one conversation's index commit of 200 messages starting at `firstSeq`. */
async function indexCommit(kv: Deno.Kv, kind: Kind, c: number, firstSeq: number) {
  const op = kv.atomic();
  let n = 0;
  for (const [token, seqs] of postingsOf(firstSeq)) {
    op.set(
      kind === "block-major"
        ? searchKey(conversationIdOf(c), String(firstSeq).padStart(12, "0"), n++)
        : searchKey(conversationIdOf(c), token, firstSeq),
      { seqs, at: seqs },
    );
  }
  await op.commit();
}

async function preloaded(n: number, kind: Kind): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "bench-kv-postings-" });
  const kv = await Deno.openKv(`${dir}/base.kv`);
  for (let first = 1; first <= n / CONVERSATIONS; first += BATCH) {
    for (let c = 0; c < CONVERSATIONS; c++) {
      await indexCommit(kv, kind === "records" ? "token-major" : kind, c, first);
    }
  }
  kv.close();
  return dir;
}

async function measure(base: string, kind: Kind, seconds: number, from: number): Promise<Rate> {
  return await onCopyOf(base, async (kv) => {
    let first = from, c = 0;
    return await timedCommits(seconds, WARMUP_MS, async () => {
      if (kind === "records") {
        const op = kv.atomic();
        for (let n = 0; n < BATCH; n++) {
          op.set(messageKey(conversationIdOf(c), first + n), { content: content() });
        }
        await op.commit();
      } else await indexCommit(kv, kind, c, first);
      if (++c === CONVERSATIONS) [c, first] = [0, first + BATCH];
      return BATCH;
    });
  });
}

if (import.meta.main) {
  const [rounds = 3, seconds = 3, preload = 100_000] = Deno.args.map(Number);
  const kinds: Kind[] = ["records", "token-major", "block-major"];
  const bases = new Map<Kind, string>();
  for (const kind of kinds) bases.set(kind, await preloaded(preload, kind));
  const runs = new Map<Kind, Rate[]>(kinds.map((k) => [k, []]));
  const from = Math.ceil(preload / CONVERSATIONS / BATCH) * BATCH + 1;
  for (let r = 0; r < rounds; r++) {
    for (const kind of kinds) {
      const m = await measure(bases.get(kind)!, kind, seconds, from);
      runs.get(kind)!.push(m);
      console.error(
        `  … round ${r + 1} ${kind}: ${m.perSec.toFixed(0)}/s, ${m.cpuUs.toFixed(1)} µs`,
      );
    }
  }
  for (const base of bases.values()) await Deno.remove(base, { recursive: true });
  for (const kind of kinds) {
    const xs = runs.get(kind)!;
    console.log(
      `${kind.padEnd(12)} ${median(xs.map((x) => x.perSec)).toFixed(0)} messages/s, ${
        median(xs.map((x) => x.cpuUs)).toFixed(1)
      } µs CPU a message (store preloaded with ${preload} messages' postings)`,
    );
  }
}
