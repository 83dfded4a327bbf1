/**
 * Where a message's clientId entry (clientId → seq: a send tried again is stored once) is
 * kept. A UUIDv7 (what the islands send: lib/shared/client_id.ts) is filed time first
 * (clientIdByTimeKey), so one commit's entries land together at the end of KV's table
 * instead of on a page each (bench/kv_clientids.ts: ~4× less KV time per message on a store
 * that has run a while). Any other id stays under its conversation (clientIdKey).
 */
import { isTimeOrderedId } from "../shared/client_id.ts";
import { clientIdByTimeKey, clientIdKey } from "../storage/mod.ts";
import type { SendRequest } from "./message.ts";

/** The key a request's clientId entry is written under (the request has a clientId). */
export function clientIdEntryKey(r: SendRequest): Deno.KvKey {
  return clientIdEntryKeys(r)[0];
}

/**
 * The keys an earlier copy of the request may have its entry under: where it is written
 * now, and for a UUIDv7 also under the conversation, where servers before clientIdByTimeKey
 * wrote every id (nothing is migrated: both are read).
 */
export function clientIdEntryKeys(r: SendRequest): Deno.KvKey[] {
  const id = r.clientId!;
  const byConversation = clientIdKey(r.conversationId, r.author.id, id);
  return isTimeOrderedId(id)
    ? [clientIdByTimeKey(id, r.conversationId, r.author.id), byConversation]
    : [byConversation];
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
