/**
 * What the search tests share (lib/search/*_test.ts, lib/admin/migrate_test.ts): a store with
 * two people in a direct conversation, the postings a conversation holds, a group commit
 * followed by its indexing, and the seqs a query finds.
 */
import { createConversation } from "../conversations/mod.ts";
import { commitMessages, type SendRequest } from "../messages/mod.ts";
import { createUser, type User } from "../accounts/mod.ts";
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

/** The words' postings in the conversation (filter tokens left out: filters_test.ts has them). */
export async function wordPostings(
  kv: Deno.Kv,
  conversationId: string,
): Promise<Record<string, number[][]>> {
  const all = await postings(kv, conversationId);
  return Object.fromEntries(Object.entries(all).filter(([token]) => !token.startsWith("\u0001")));
}

/** A store in memory with two users (ann, ben) and a direct conversation between them. */
export async function withPair(
  fn: (kv: Deno.Kv, people: User[], conversationId: string) => Promise<void>,
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    const people = await Promise.all(
      ["ann", "ben"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const { conversation } = await createConversation(kv, people[0], { others: [people[1]] });
    await fn(kv, people, conversation.id);
  } finally {
    kv.close();
  }
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
