/** Storing messages: each the next seq of its conversation, many in one commit. */
import { monotonicFactory } from "ulid";
import { ConflictError, NotFoundError } from "../errors.ts";
import { describeError, log } from "../ops/mod.ts";
import {
  clientIdKey,
  commitWithRetry,
  conversationKey,
  fileRefKey,
  getManyChunked,
  headKey,
  messageKey,
  readMarkKey,
} from "../storage/mod.ts";
import { type ConversationHead, listCacheOf, setHeadForMessages } from "../conversations/mod.ts";
import type { MessageRecord } from "../shared/message.ts";
import type { User } from "../shared/user.ts";
import {
  type HeadCache,
  type SendInput,
  type SendOutcome,
  type SendRequest,
  type SendResult,
  toMessageShape,
} from "./message.ts";
import { searchHooks } from "./index_port.ts";

/**
 * Message ids: ULIDs that increase within a millisecond (the random part is incremented, not
 * drawn anew per character: ~1 µs instead of ~11 µs, on every message).
 */
const newMessageId = monotonicFactory();

/**
 * Stores a message as the next seq of its conversation (see commitMessages).
 * The caller has checked that the author is a participant.
 */
export async function sendMessage(
  kv: Deno.Kv,
  author: User,
  input: SendInput,
): Promise<SendResult> {
  const [outcome] = await commitMessages(kv, [{ author, ...input }]);
  if ("refused" in outcome) throw outcome.refused;
  // One message at a time (tests, scripts): its words are in the index at once. The message
  // is stored whatever happens here: search finds what the index lacks (lib/search/indexer.ts).
  await searchHooks()?.indexNow(kv, input.conversationId).catch((err) =>
    log("warn", "search indexing failed", describeError(err))
  );
  return outcome;
}

/**
 * Stores many messages in one atomic commit (group commit), each as the next seq of its
 * conversation, in the order given. The commit checks every touched conversation's head:
 * a concurrent writer to any of them makes the whole batch re-read and retry, so seqs are
 * gapless and unique. A clientId index entry is only ever written together with its
 * conversation's head, so the head check also makes a repeated clientId (in the store or
 * twice in the batch) resolve to the original message instead of a second copy.
 * The head check covers membership too: participant changes bump the head's `members`,
 * so a request whose `members` is current was made by a participant at commit time.
 * The search index follows in commits of its own (lib/search/indexer.ts): callers hand the
 * conversations to an indexer.
 * Callers keep a batch within KV's limits (see MessageWriter).
 */
export async function commitMessages(
  kv: Deno.Kv,
  requests: SendRequest[],
  cache?: HeadCache,
): Promise<SendOutcome[]> {
  const conversationIds = [...new Set(requests.map((r) => r.conversationId))];
  const withClient = requests.filter((r) => r.clientId);
  return await commitWithRetry(async () => {
    // A failed check drops the batch's heads from the cache: the retry reads them.
    const cached = conversationIds.map((id) => cache?.get(id));
    const missing = conversationIds.filter((_, i) => !cached[i]);
    // One round of reads: the heads not cached and every clientId of the batch.
    const read = await getManyChunked<unknown>(kv, [
      ...missing.map(headKey),
      ...withClient.map((r) => clientIdKey(r.conversationId, r.author.id, r.clientId!)),
    ]);
    const readHeads = new Map(
      missing.map((id, i) => [id, read[i] as Deno.KvEntryMaybe<ConversationHead>]),
    );
    const heads = conversationIds.map((id, i) => cached[i] ?? readHeads.get(id)!);
    const knownSeq = new Map<string, number>();
    withClient.forEach((r, i) => {
      const value = read[missing.length + i].value;
      if (typeof value === "number") knownSeq.set(clientSlot(r), value);
    });

    // Requests made under an older participant list: read who takes part now (and whether
    // the channel was archived: archiving moves the counter too). System messages are
    // written whoever takes part, archived or not.
    const membersNow = new Map(conversationIds.map((id, i) => [id, heads[i].value?.members ?? 0]));
    const recheck = [
      ...new Set(
        requests.filter((r) =>
          !r.system && r.members !== undefined && r.members !== membersNow.get(r.conversationId)
        )
          .map((r) => r.conversationId),
      ),
    ];
    const records = await getManyChunked<{ participantIds: string[]; archived?: boolean }>(
      kv,
      recheck.map(conversationKey),
    );
    const participantsNow = new Map(
      recheck.map((id, i) => [id, new Set(records[i].value?.participantIds ?? [])]),
    );
    const archivedNow = new Set(recheck.filter((_, i) => records[i].value?.archived === true));

    const toRead = [
      ...new Set(withClient.flatMap((r) => {
        const seq = knownSeq.get(clientSlot(r));
        return seq === undefined ? [] : [`${r.conversationId}\0${seq}`];
      })),
    ];
    const originals = new Map<string, MessageRecord>();
    const stored = await getManyChunked<MessageRecord>(
      kv,
      toRead.map((k) => messageKey(k.split("\0")[0], Number(k.split("\0")[1]))),
    );
    stored.forEach((e, i) => e.value && originals.set(toRead[i], e.value));

    const nextSeq = new Map(conversationIds.map((id, i) => [id, heads[i].value?.seq ?? 0]));
    const fresh = new Map<string, MessageRecord>();
    const results: SendOutcome[] = [];
    const lastCreated = new Map<string, MessageRecord>();
    /** The authors' read marks move to their last message (one write per key and commit). */
    const marks = new Map<string, [string, string, number]>();
    const op = kv.atomic();
    for (const r of requests) {
      const members = membersNow.get(r.conversationId)!;
      if (!r.system && participantsNow.get(r.conversationId)?.has(r.author.id) === false) {
        results.push({ refused: new NotFoundError("Conversation not found.") });
        continue;
      }
      if (!r.system && archivedNow.has(r.conversationId)) {
        results.push({ refused: archivedError() });
        continue;
      }
      const slot = r.clientId ? clientSlot(r) : null;
      const earlier = slot ? fresh.get(slot) : undefined;
      const storedSeq = slot ? knownSeq.get(slot) : undefined;
      const original = storedSeq === undefined
        ? undefined
        : originals.get(`${r.conversationId}\0${storedSeq}`);
      if (earlier || original) {
        const message = toMessageShape((earlier ?? original)!, r.author, peopleOf(r));
        results.push({ message, created: false, members });
        continue;
      }
      const seq = nextSeq.get(r.conversationId)! + 1;
      nextSeq.set(r.conversationId, seq);
      const record: MessageRecord = {
        id: newMessageId(),
        conversationId: r.conversationId,
        seq,
        authorId: r.author.id,
        content: r.content,
        clientId: r.clientId ?? null,
        createdAt: new Date().toISOString(),
        editedAt: null,
        deletedAt: null,
        reactions: [],
        ...(r.attachments?.length ? { attachments: r.attachments } : {}),
        ...(r.system ? { kind: "system" as const, system: r.system } : {}),
      };
      op.set(messageKey(r.conversationId, seq), record);
      for (const a of r.attachments ?? []) op.set(fileRefKey(a.id, r.conversationId, seq), true);
      marks.set(`${r.conversationId}\0${r.author.id}`, [r.conversationId, r.author.id, seq]);
      if (slot) {
        op.set(clientIdKey(r.conversationId, r.author.id, r.clientId!), seq);
        fresh.set(slot, record);
      }
      lastCreated.set(r.conversationId, record);
      results.push({
        message: toMessageShape(record, r.author, peopleOf(r)),
        created: true,
        members,
      });
    }
    for (const [conversationId, userId, seq] of marks.values()) {
      op.set(readMarkKey(conversationId, userId), seq);
    }
    const newHeads = new Map<string, ConversationHead>();
    conversationIds.forEach((id, i) => {
      // Checked even when nothing is written to it: a refusal or a duplicate was judged
      // on this head.
      op.check(heads[i]);
      const last = lastCreated.get(id);
      if (last) newHeads.set(id, setHeadForMessages(op, heads[i].value, last));
    });
    if (newHeads.size === 0) return results;
    const result = await op.commit();
    if (!result.ok) {
      for (const id of conversationIds) cache?.delete(id);
      return null;
    }
    // The conversation lists of this isolate see the new order at once (list_cache.ts).
    for (const [id, head] of newHeads) listCacheOf(kv).sawHead(id, head);
    if (cache) {
      for (const [id, value] of newHeads) {
        cache.set(id, { key: headKey(id), value, versionstamp: result.versionstamp });
      }
    }
    return results;
  });
}

/** The refusal of a send to an archived channel (409 `archived`; the socket's error code too). */
export function archivedError(): ConflictError {
  return new ConflictError(
    "This channel is archived: it keeps its history but takes no new messages.",
    "archived",
  );
}

function peopleOf(r: SendRequest): Map<string, User> | undefined {
  return r.people ? new Map(r.people.map((u) => [u.id, u])) : undefined;
}

function clientSlot(r: SendRequest): string {
  return `${r.conversationId}\0${r.author.id}\0${r.clientId}`;
}
