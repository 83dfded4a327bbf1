/**
 * What the clientId dedupe entry's key shape costs the KV when the store is not new: the
 * message commit's record + clientId entry (lib/messages/send.ts), on a store that already
 * holds `preload` clientId entries (a server that has run a while), with random UUIDs (older
 * browsers and programs: each entry lands on a random page of its author's range) against the
 * islands' UUIDv7s (newClientId) under the conversation (`v7`: each lands at the end of its
 * author's range) and filed time first as send.ts files them (`v7first`), and the records alone.
 * Rounds alternate the three on fresh copies of the same preloaded store; medians.
 *
 *   deno run -A bench/kv_clientids.ts [rounds=3] [seconds=3] [preload=300000]
 */
import { clientIdByTimeKey, clientIdKey, messageKey } from "../lib/storage/mod.ts";
import { newClientId } from "../lib/shared/client_id.ts";
import {
  conversationIdOf as conv,
  median,
  onCopyOf,
  timedCommits,
  userIdOf as user,
} from "./kv_timing.ts";

const BATCH = 200;
const CONVERSATIONS = 10;
const AUTHORS = 100;
const WARMUP_MS = 300;

/**
 * `v7first`: the same UUIDv7 at the head of the key (clientIdByTimeKey, what send.ts writes
 * for one): one commit's entries then land together at the end of the whole table, not one
 * per author's range.
 */
type Kind = "records" | "uuid" | "v7" | "v7first";

const content = "~P4~T12345.678~ the quick brown fox jumps over lazy dogs";

/** A store holding `n` random-UUID clientId entries (what browsers have sent so far). */
async function preloaded(n: number): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "bench-kv-clientids-" });
  const kv = await Deno.openKv(`${dir}/base.kv`);
  for (let i = 0; i < n;) {
    const op = kv.atomic();
    for (let k = 0; k < 500 && i < n; k++, i++) {
      op.set(clientIdKey(conv(i % CONVERSATIONS), user(i % AUTHORS), crypto.randomUUID()), i);
    }
    await op.commit();
  }
  kv.close();
  return dir;
}

function measure(base: string, kind: Kind, seconds: number) {
  return onCopyOf(base, async (kv) => {
    const seqs = new Array(CONVERSATIONS).fill(0);
    let i = 0;
    return await timedCommits(seconds, WARMUP_MS, async () => {
      const op = kv.atomic();
      for (let n = 0; n < BATCH; n++, i++) {
        const c = i % CONVERSATIONS, seq = ++seqs[c];
        op.set(messageKey(conv(c), seq), { seq, authorId: user(i % AUTHORS), content });
        if (kind === "records") continue;
        const id = kind === "uuid" ? crypto.randomUUID() : newClientId();
        op.set(
          kind === "v7first"
            ? clientIdByTimeKey(id, conv(c), user(i % AUTHORS))
            : clientIdKey(conv(c), user(i % AUTHORS), id),
          seq,
        );
      }
      await op.commit();
      return BATCH;
    });
  });
}

if (import.meta.main) {
  const [rounds = 3, seconds = 3, preload = 300_000] = Deno.args.map(Number);
  const base = await preloaded(preload);
  const kinds: Kind[] = ["records", "uuid", "v7", "v7first"];
  const runs = new Map<Kind, { perSec: number; cpuUs: number }[]>(kinds.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const kind of kinds) {
      const m = await measure(base, kind, seconds);
      runs.get(kind)!.push(m);
      console.error(
        `  … round ${r + 1} ${kind}: ${m.perSec.toFixed(0)}/s, ${m.cpuUs.toFixed(1)} µs`,
      );
    }
  }
  await Deno.remove(base, { recursive: true });
  for (const kind of kinds) {
    const xs = runs.get(kind)!;
    console.log(
      `${kind.padEnd(8)} ${median(xs.map((x) => x.perSec)).toFixed(0)} messages/s, ${
        median(xs.map((x) => x.cpuUs)).toFixed(1)
      } µs CPU a message (store preloaded with ${preload} clientId entries)`,
    );
  }
}
