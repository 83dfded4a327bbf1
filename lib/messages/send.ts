/** Storing messages: each the next seq of its conversation, many in one commit. */
import { monotonicFactory } from "ulid";
import { ConflictError, NotFoundError } from "../errors.ts";
import { describeError, log } from "../ops/mod.ts";
import {
  changeKey,
  commitWithRetry,
  conversationKey,
  fileRefKey,
  getManyChunked,
  getManyInOrder,
  headKey,
  messageKey,
  notifyPendingKey,
  readMarkKey,
  threadReplyKey,
  userThreadKey,
} from "../storage/mod.ts";
import { type ConversationHead, listCacheOf, setHeadForMessages } from "../conversations/mod.ts";
import { enqueue } from "../outbound/mod.ts";
import {
  firstLinkOf,
  type MessageRecord,
  UNFURL_QUEUE,
  type UnfurlJob,
} from "../shared/message.ts";
import type { User } from "../shared/user.ts";
import {
  type HeadCache,
  type SendInput,
  type SendOutcome,
  type SendRequest,
  type SendResult,
  toMessageShape,
  withAuthors,
} from "./message.ts";
import { searchHooks, type StoredMessages } from "./index_port.ts";
import { clientIdEntryKey, clientIdEntryKeys, storedSeqs } from "./client_ids.ts";
import { formatMessage } from "./markdown.tsx";
import { parentError, type UserThread, withReply } from "./replies.ts";

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
 * conversations, and the records as stored (`onStored`: StoredMessages), to an indexer.
 * Callers keep a batch within KV's limits (see MessageWriter).
 */
export async function commitMessages(
  kv: Deno.Kv,
  requests: SendRequest[],
  cache?: HeadCache,
  onStored?: (commit: StoredMessages[]) => void,
): Promise<SendOutcome[]> {
  const outcomes = await commitBatch(kv, requests, cache, onStored);
  // Replies: their parents as the commit left them, shaped once per batch.
  const parents = [
    ...new Set(
      outcomes.flatMap((o) => "parentRecord" in o && o.parentRecord ? [o.parentRecord] : []),
    ),
  ];
  if (parents.length === 0) return outcomes.map(({ parentRecord: _, ...o }) => o as SendOutcome);
  const shaped = new Map((await withAuthors(kv, parents)).map((m, i) => [parents[i], m]));
  return outcomes.map(({ parentRecord, parentRev, ...o }) =>
    parentRecord && parentRev !== undefined
      ? { ...o as SendResult, parent: { message: shaped.get(parentRecord)!, rev: parentRev } }
      : o as SendOutcome
  );
}

/** What commitBatch hands back: a reply's outcome carries its parent's final record and rev. */
type BatchOutcome = SendOutcome & { parentRecord?: MessageRecord; parentRev?: number };

async function commitBatch(
  kv: Deno.Kv,
  requests: SendRequest[],
  cache?: HeadCache,
  onStored?: (commit: StoredMessages[]) => void,
): Promise<BatchOutcome[]> {
  const conversationIds = [...new Set(requests.map((r) => r.conversationId))];
  const withClient = requests.filter((r) => r.clientId);
  const clientKeys = withClient.map((r) => clientIdEntryKeys(r));
  const clientReads = clientKeys.flat();
  // The parents replies name (read fresh each attempt: the head check covers them, as every
  // write to a message record moves its head).
  const parentSlots = [
    ...new Set(
      requests.flatMap((r) =>
        r.parentSeq !== undefined && !r.system ? [`${r.conversationId}\0${r.parentSeq}`] : []
      ),
    ),
  ];
  return await commitWithRetry(async () => {
    // A failed check drops the batch's heads from the cache: the retry reads them.
    const cached = conversationIds.map((id) => cache?.get(id));
    const missing = conversationIds.filter((_, i) => !cached[i]);
    // The heads not cached, then every clientId and parent: a clientId read before its head
    // could miss a first try committed between the two, which the head check would let pass.
    const read = await getManyInOrder<unknown>(kv, missing.map(headKey), [
      ...clientReads,
      ...parentSlots.map((k) => messageKey(k.split("\0")[0], Number(k.split("\0")[1]))),
    ]);
    /** Every record this batch read or writes, by `conv\0seq`: what is written goes last. */
    const bySlot = new Map<string, MessageRecord>();
    parentSlots.forEach((k, i) => {
      const value = read[missing.length + clientReads.length + i].value as MessageRecord | null;
      if (value) bySlot.set(k, value);
    });
    const written = new Set<string>();
    /** Per conversation, the parents whose thread moved, in order (each gets a rev). */
    const changedParents = new Map<string, string[]>();
    const userThreads = new Map<string, [string, string, number, UserThread]>();
    const readHeads = new Map(
      missing.map((id, i) => [id, read[i] as Deno.KvEntryMaybe<ConversationHead>]),
    );
    const heads = conversationIds.map((id, i) => cached[i] ?? readHeads.get(id)!);
    const knownSeq = storedSeqs(withClient, clientKeys, read.slice(missing.length), clientSlot);

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
    const results: BatchOutcome[] = [];
    /** Per result index: the parent slot of a created reply (its final record and rev below). */
    const replyOf = new Map<number, string>();
    const lastCreated = new Map<string, MessageRecord>();
    /** Link previews to queue (one job per message with a link; see unfurlWrites). */
    const unfurls: UnfurlJob[] = [];
    /** The mutations this commit makes besides them (to keep within KV's 1,000). */
    let writes = 0;
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
      const reply = r.parentSeq !== undefined && !r.system;
      const parentSlot = `${r.conversationId}\0${r.parentSeq}`;
      if (reply) {
        const refusal = parentError(bySlot.get(parentSlot));
        if (refusal) {
          results.push({ refused: refusal });
          continue;
        }
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
        ...(r.senderName && !r.system ? { senderName: r.senderName } : {}),
        ...(r.system ? { kind: "system" as const, system: r.system } : {}),
        ...(reply
          ? {
            parentSeq: r.parentSeq,
            ...(r.alsoToConversation ? { alsoToConversation: true } : {}),
          }
          : {}),
      };
      const slotOfRecord = `${r.conversationId}\0${seq}`;
      bySlot.set(slotOfRecord, record);
      written.add(slotOfRecord);
      if (reply) {
        const parent = bySlot.get(parentSlot)!;
        const next = withReply(parent, record);
        bySlot.set(parentSlot, next);
        written.add(parentSlot);
        const changed = changedParents.get(r.conversationId) ?? [];
        if (!changed.includes(parentSlot)) changed.push(parentSlot);
        changedParents.set(r.conversationId, changed);
        op.set(threadReplyKey(r.conversationId, r.parentSeq!, seq), true);
        // "Your threads": the replier (who has read up to their reply) and, at the first
        // reply, the parent's author.
        const entry = (userId: string, readSeq: number) =>
          userThreads.set(`${userId}\0${parentSlot}`, [userId, r.conversationId, r.parentSeq!, {
            lastReplyAt: record.createdAt,
            readSeq,
          }]);
        if (!parent.thread?.replyCount && parent.authorId !== r.author.id) {
          entry(parent.authorId, r.parentSeq!);
        }
        entry(r.author.id, seq);
        replyOf.set(results.length, parentSlot);
      }
      for (const a of r.attachments ?? []) op.set(fileRefKey(a.id, r.conversationId, seq), true);
      writes += (r.attachments?.length ?? 0) + (slot ? 1 : 0) + (reply ? 1 : 0);
      const url = r.system ? null : firstLink(r.content);
      if (url) unfurls.push({ conversationId: r.conversationId, seq, url });
      marks.set(`${r.conversationId}\0${r.author.id}`, [r.conversationId, r.author.id, seq]);
      if (slot) {
        op.set(clientIdEntryKey(r), seq);
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
    for (const slot of written) {
      const record = bySlot.get(slot)!;
      op.set(messageKey(record.conversationId, record.seq), record);
    }
    for (const [userId, conversationId, parentSeq, value] of userThreads.values()) {
      op.set(userThreadKey(userId, conversationId, parentSeq), value);
    }
    const newHeads = new Map<string, ConversationHead>();
    const revOf = new Map<string, number>();
    conversationIds.forEach((id, i) => {
      // Checked even when nothing is written to it: a refusal or a duplicate was judged
      // on this head.
      op.check(heads[i]);
      const last = lastCreated.get(id);
      if (!last) return;
      // A parent's thread moved: a change of that message, logged with a rev of its own
      // (rooms deliver it as `message_updated`, catch-up replays it), in this commit.
      const changed = changedParents.get(id) ?? [];
      const rev = heads[i].value?.rev ?? 0;
      changed.forEach((slot, n) => {
        revOf.set(slot, rev + n + 1);
        op.set(changeKey(id, rev + n + 1), bySlot.get(slot)!.seq);
      });
      const lastNow = bySlot.get(`${id}\0${last.seq}`) ?? last;
      newHeads.set(id, setHeadForMessages(op, heads[i].value, lastNow, changed.length));
      // The notifier (lib/notify/dispatch.ts) looks at this conversation's new messages: the
      // marker moves with every commit that stores one, so it never misses a message.
      op.set(notifyPendingKey(id), last.seq);
      writes += changed.length + 2;
    });
    if (newHeads.size === 0) return results;
    writes += marks.size + written.size + userThreads.size;
    queueUnfurls(op, unfurls, writes);
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
    onStored?.(conversationIds.flatMap((conversationId, i) => {
      const last = lastCreated.get(conversationId);
      if (!last) return [];
      const from = (heads[i].value?.seq ?? 0) + 1;
      const records = Array.from(
        { length: last.seq - from + 1 },
        (_, n) => bySlot.get(`${conversationId}\0${from + n}`)!,
      );
      const { versionstamp } = result; // This commit's new records, as stored (replies too).
      return [{ conversationId, records, after: heads[i].versionstamp, versionstamp }];
    }));
    for (const [i, slot] of replyOf) {
      results[i] = { ...results[i], parentRecord: bySlot.get(slot)!, parentRev: revOf.get(slot)! };
    }
    return results;
  });
}

/** The first http(s) link of a message's text (outside code), whose preview is fetched. */
export function firstLink(content: string): string | null {
  // Most messages hold no link: they are not parsed for one.
  if (!/https?:\/\//i.test(content)) return null;
  return firstLinkOf(formatMessage(content));
}

/** The mutations a message adds to its send commit for its link preview's job (writer.ts). */
export function unfurlWrites(request: SendRequest): number {
  return !request.system && firstLink(request.content) ? 2 : 0;
}

/**
 * Queues each message's link preview (lib/previews runs the "unfurl" queue) in the send
 * commit, two mutations each. `writes`: the commit's other mutations. The writer counts the
 * jobs in its budget (unfurlWrites); should a batch come without that count, the jobs that
 * would take the commit past KV's 1,000 mutations are left out (the messages matter more).
 */
function queueUnfurls(op: Deno.AtomicOperation, jobs: UnfurlJob[], writes: number): void {
  const room = Math.max(0, Math.floor((1000 - writes) / 2));
  for (const job of jobs.slice(0, room)) {
    enqueue(op, UNFURL_QUEUE, job, { id: `${job.conversationId}.${job.seq}` });
  }
  if (jobs.length > room) {
    log("warn", "link previews left out of a full commit", { left: jobs.length - room });
  }
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
