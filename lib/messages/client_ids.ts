/**
 * Where a message's clientId entry (clientId → seq: a send tried again is stored once) is
 * kept. A UUIDv7 (what the islands send: lib/shared/client_id.ts) is filed time first
 * (clientIdByTimeKey), so one commit's entries land together at the end of KV's table
 * instead of on a page each (bench/kv_clientids.ts: ~4× less KV time per message on a store
 * that has run a while). Any other id stays under its conversation (clientIdKey).
 */
import { isTimeOrderedId, timeOfId } from "../shared/client_id.ts";
import { clientIdByTimeKey, clientIdKey } from "../storage/mod.ts";
import type { SendRequest } from "./message.ts";

/** The key a request's clientId entry is written under (the request has a clientId). */
export function clientIdEntryKey(r: SendRequest): Deno.KvKey {
  return clientIdEntryKeys(r)[0];
}

/**
 * UUIDv7s minted before this (the process's start, less 10 minutes for clocks that run
 * ahead) may have been filed under their conversation by a server of a previous version,
 * which filed every id there: a retry across the upgrade. Those are looked for in both
 * places. One minted later was filed time first by every server of this version, so one key
 * is read (a second read cost more than time-first filing saves: bench/durable_clientids.ts).
 * The one case left: during a rolling upgrade, a program sending UUIDv7s (the islands of the
 * previous version sent random UUIDs, filed under the conversation in both versions) whose
 * first try an old server stored and whose retry a new one takes can be stored twice; as it
 * can the other way round, since an old server reads only its own key.
 */
const FILED_BY_TIME_SINCE = Date.now() - 10 * 60_000;

/**
 * The keys an earlier copy of the request may have its entry under: where it is written
 * now, and for a UUIDv7 minted before FILED_BY_TIME_SINCE also under the conversation
 * (nothing is migrated).
 */
export function clientIdEntryKeys(r: SendRequest, since = FILED_BY_TIME_SINCE): Deno.KvKey[] {
  const id = r.clientId!;
  const byConversation = clientIdKey(r.conversationId, r.author.id, id);
  if (!isTimeOrderedId(id)) return [byConversation];
  const byTime = clientIdByTimeKey(id, r.conversationId, r.author.id);
  return timeOfId(id) < since ? [byTime, byConversation] : [byTime];
}

/**
 * The seq each request's clientId was stored as, by `slot`, from the entries read at
 * `keys` (clientIdEntryKeys of each request, in order, flattened in `entries`).
 */
export function storedSeqs(
  requests: SendRequest[],
  keys: Deno.KvKey[][],
  entries: Deno.KvEntryMaybe<unknown>[],
  slot: (r: SendRequest) => string,
): Map<string, number> {
  const seqs = new Map<string, number>();
  let at = 0;
  requests.forEach((r, i) => {
    for (const _ of keys[i]) {
      const value = entries[at++].value;
      if (typeof value === "number" && !seqs.has(slot(r))) seqs.set(slot(r), value);
    }
  });
  return seqs;
}
