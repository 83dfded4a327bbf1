/**
 * What the search tests share (lib/search/index_test.ts, lib/admin/migrate_test.ts): the
 * postings a conversation holds, a group commit followed by its indexing, and the seqs a
 * query finds.
 */
import { commitMessages, type SendRequest } from "../messages/mod.ts";
import type { User } from "../accounts/mod.ts";
import { searchPrefix } from "../storage/mod.ts";
import { readPosting } from "./index.ts";
import { indexPending } from "./indexer.ts";
import { searchMessages } from "./mod.ts";

/** Each word's postings in the conversation, as lists of seqs in key order. */
export async function postings(
  kv: Deno.Kv,
  conversationId: string,
): Promise<Record<string, number[][]>> {
  const out: Record<string, number[][]> = {};
  for await (const e of kv.list({ prefix: searchPrefix(conversationId) })) {
    (out[e.key[2] as string] ??= []).push(readPosting(e.key, e.value).seqs);
  }
  return out;
}

/** One group commit, then its search index (as a writer and its indexer do, one after the other). */
export async function commitAndIndex(kv: Deno.Kv, requests: SendRequest[]) {
  const outcomes = await commitMessages(kv, requests);
  for (const id of new Set(requests.map((r) => r.conversationId))) await indexPending(kv, id);
  return outcomes;
}

/** The seqs `user` finds for `q`, ascending. */
export async function found(kv: Deno.Kv, user: User, q: string): Promise<number[]> {
  return (await searchMessages(kv, user.id, q)).map((r) => r.message.seq).sort((a, b) => a - b);
}
