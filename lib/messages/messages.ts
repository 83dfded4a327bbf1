import { z } from "zod";
import { monotonicFactory } from "ulid";
import { commitWithRetry, getManyChunked, perStore } from "../storage/kv.ts";
import { getUsersByIds, type User } from "../accounts/users.ts";
import { NotFoundError } from "../errors.ts";
import { describeError, log } from "../ops/log.ts";

import { indexPending } from "../search/indexer.ts";
// A cycle (conversations.ts imports this module), harmless: used only inside calls.

import { listCacheOf } from "../conversations/list_cache.ts";
import type { Formatted } from "../shared/formatted.tsx";
import { formatMessage } from "../web/markdown.tsx";
import {
  clientIdKey,
  conversationKey,
  fileRefKey,
  headKey,
  messageKey,
  messagesPrefix,
  readMarkKey,
  searchCursorKey,
} from "../storage/keys.ts";
import { MAX_ATTACHMENTS, MAX_MESSAGE_CHARS, MESSAGE_TOO_LONG } from "../shared/limits.ts";

export const contentSchema = z.string().trim().min(1, "Write something first.").max(
  MAX_MESSAGE_CHARS,
  MESSAGE_TOO_LONG,
);
/** The files to attach to a message being sent (ids in its conversation's file area). */
export const attachmentIdsSchema = z.array(z.string().min(1).max(64)).max(
  MAX_ATTACHMENTS,
  `Attach at most ${MAX_ATTACHMENTS} files to one message.`,
);
/**
 * A message's text when files may come with it: empty is allowed here, and refused later
 * unless the message has attachments (see requireContentOrFiles).
 */
export const optionalContentSchema = z.string().trim().max(
  MAX_MESSAGE_CHARS,
  MESSAGE_TOO_LONG,
).default("");

export const clientIdSchema = z.string().min(1).max(64).regex(
  /^[A-Za-z0-9_.:-]+$/,
  "Use letters, digits and '_', '.', ':', '-'.",
);

/**
 * A file a message carries, as it was when sent (so showing it needs no other read).
 * `removed`: the file was deleted since; the message shows it as removed.
 */
export type Attachment = {
  id: string;
  name: string;
  size: number;
  contentType: string;
  removed?: boolean;
};

export type Message = {
  id: string;
  conversationId: string;
  seq: number;
  author: User;
  content: string;
  clientId: string | null;
  createdAt: string;
  /** When the author last edited it (null: never). */
  editedAt: string | null;
  /** When the author deleted it: content is then "" and reactions are gone; seq stays. */
  deletedAt: string | null;
  /** Who reacted with what, in the order the emoji were first used. */
  reactions: Reaction[];
  /** Files sent with it (none for most; emptied when the message is deleted). */
  attachments: Attachment[];
  /**
   * The content's formatting, parsed on the server (lib/formatted.tsx): null when the content
   * is one plain paragraph (render it as text). Not stored: computed as the message goes out.
   */
  formatted: Formatted | null;
};

export type Reaction = { emoji: string; userIds: string[] };

/**
 * What KV keeps: the author by id, so a renamed user shows the new name everywhere. Records
 * stored before edits and reactions existed lack those fields: they read as never.
 */
export type MessageRecord =
  & Omit<Message, "author" | "editedAt" | "deletedAt" | "reactions" | "attachments" | "formatted">
  & {
    authorId: string;
    editedAt?: string | null;
    deletedAt?: string | null;
    reactions?: Reaction[];
    attachments?: Attachment[];
  };

/** Per conversation: the last seq handed out. Every send checks it, so seq has no gaps. */
export type ConversationHead = {
  seq: number;
  updatedAt: string;
  lastMessage: MessageRecord | null;
  /**
   * Bumped by every change of participants. The head is what every hub watches, so a
   * removal reaches hubs in other processes too (they re-check who is in their room).
   */
  members?: number;
  /**
   * Bumped by every edit, delete and reaction (none of which takes a seq), in the same
   * commit as the change and its `["msg_change", conversationId, rev]` log entry: hubs that
   * see it move read what changed, as they read new messages when `seq` moves.
   */
  rev?: number;
};

/**
 * Which messages carry a file: written with the message, read when the file is deleted (its
 * messages then show it as removed).
 */

/** What a sender gives: the text, an optional clientId (idempotency) and checked files. */
export type SendInput = {
  conversationId: string;
  content: string;
  clientId?: string | null;
  attachments?: Attachment[];
};

export type SendRequest = {
  author: User;
  conversationId: string;
  content: string;
  clientId?: string | null;
  /**
   * The head's participant-change counter (`members`) under which the caller saw the
   * author take part. When the head has moved past it, the commit reads the participants
   * again and refuses a non-participant; the head check makes that exact. Leave it out
   * only when the membership was read from the store for this very send.
   */
  members?: number;
  /** Files to carry, checked by the caller (see resolveAttachments). */
  attachments?: Attachment[];
};
export type SendResult = {
  message: Message;
  created: boolean;
  /** The conversation head's `members` when this was committed. */
  members: number;
};
/** Per request: stored, or refused (the author no longer takes part). */
export type SendOutcome = SendResult | { refused: NotFoundError };

/**
 * What one writer remembers of the heads it committed: the entry its own commit produced
 * (the value and the versionstamp the commit returned). Its next commit checks against it
 * without reading; if someone else wrote the head since, the check fails and the batch
 * runs again on fresh reads.
 */
export type HeadCache = Map<string, Deno.KvEntry<ConversationHead>>;

const HEAD_CACHE_SIZE = 10_000;

/**
 * Message ids: ULIDs that increase within a millisecond (the random part is incremented, not
 * drawn anew per character: ~1 µs instead of ~11 µs, on every message).
 */
const newMessageId = monotonicFactory();

/** Per store, the conversations whose search cursor this isolate knows is set. */
const cursorsSeen = perStore(() => new Set<string>());
const MAX_CURSORS_SEEN = 100_000;

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
  // is stored whatever happens here: search finds what the index lacks (search_indexer.ts).
  await indexPending(kv, input.conversationId).catch((err) =>
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
 * The search index follows in commits of its own (search_indexer.ts): callers hand the
 * conversations to an indexer. A conversation's first commit here sets its search cursor
 * (to the seq before it: earlier messages were indexed in their own commits).
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
    const known = cursorsSeen(kv);
    const cursorless = conversationIds.filter((id) => !known.has(id));
    // One round of reads: the heads not cached, every clientId of the batch, and the search
    // cursors this isolate has not seen yet.
    const read = await getManyChunked<unknown>(kv, [
      ...missing.map(headKey),
      ...withClient.map((r) => clientIdKey(r.conversationId, r.author.id, r.clientId!)),
      ...cursorless.map(searchCursorKey),
    ]);
    const cursors = read.slice(missing.length + withClient.length);
    const readHeads = new Map(
      missing.map((id, i) => [id, read[i] as Deno.KvEntryMaybe<ConversationHead>]),
    );
    const heads = conversationIds.map((id, i) => cached[i] ?? readHeads.get(id)!);
    const knownSeq = new Map<string, number>();
    withClient.forEach((r, i) => {
      const value = read[missing.length + i].value;
      if (typeof value === "number") knownSeq.set(clientSlot(r), value);
    });

    // Requests made under an older participant list: read who takes part now.
    const membersNow = new Map(conversationIds.map((id, i) => [id, heads[i].value?.members ?? 0]));
    const recheck = [
      ...new Set(
        requests.filter((r) =>
          r.members !== undefined && r.members !== membersNow.get(r.conversationId)
        )
          .map((r) => r.conversationId),
      ),
    ];
    const records = await getManyChunked<{ participantIds: string[] }>(
      kv,
      recheck.map(conversationKey),
    );
    const participantsNow = new Map(
      recheck.map((id, i) => [id, new Set(records[i].value?.participantIds ?? [])]),
    );

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
      if (participantsNow.get(r.conversationId)?.has(r.author.id) === false) {
        results.push({ refused: new NotFoundError("Conversation not found.") });
        continue;
      }
      const slot = r.clientId ? clientSlot(r) : null;
      const earlier = slot ? fresh.get(slot) : undefined;
      const storedSeq = slot ? knownSeq.get(slot) : undefined;
      const original = storedSeq === undefined
        ? undefined
        : originals.get(`${r.conversationId}\0${storedSeq}`);
      if (earlier || original) {
        const message = toMessageShape((earlier ?? original)!, r.author);
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
      };
      op.set(messageKey(r.conversationId, seq), record);
      for (const a of r.attachments ?? []) op.set(fileRefKey(a.id, r.conversationId, seq), true);
      marks.set(`${r.conversationId}\0${r.author.id}`, [r.conversationId, r.author.id, seq]);
      if (slot) {
        op.set(clientIdKey(r.conversationId, r.author.id, r.clientId!), seq);
        fresh.set(slot, record);
      }
      lastCreated.set(r.conversationId, record);
      results.push({ message: toMessageShape(record, r.author), created: true, members });
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
      if (!last) return;
      const head = {
        ...heads[i].value,
        seq: last.seq,
        updatedAt: last.createdAt,
        lastMessage: last,
      };
      newHeads.set(id, head);
      op.set(headKey(id), head);
    });
    if (newHeads.size === 0) return results;
    cursorless.forEach((id, i) => {
      if (cursors[i].value !== null) return;
      // Set once, guarded against a second writer doing the same (then this batch retries).
      const before = heads[conversationIds.indexOf(id)].value?.seq ?? 0;
      op.check(cursors[i]).set(searchCursorKey(id), before);
    });
    const result = await op.commit();
    if (!result.ok) {
      for (const id of conversationIds) cache?.delete(id);
      return null;
    }
    for (const id of cursorless) known.add(id);
    if (known.size > MAX_CURSORS_SEEN) known.clear();
    // The conversation lists of this isolate see the new order at once (list_cache.ts).
    for (const [id, head] of newHeads) listCacheOf(kv).sawHead(id, head);
    if (cache) {
      for (const [id, value] of newHeads) {
        cache.delete(id);
        cache.set(id, { key: headKey(id), value, versionstamp: result.versionstamp });
      }
      while (cache.size > HEAD_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    return results;
  });
}

function clientSlot(r: SendRequest): string {
  return `${r.conversationId}\0${r.author.id}\0${r.clientId}`;
}

/** A stored record as the API shows it, with its author. */
export function toMessageShape(record: MessageRecord, author: User): Message {
  const { authorId: _authorId, ...rest } = record;
  return {
    ...rest,
    editedAt: rest.editedAt ?? null,
    deletedAt: rest.deletedAt ?? null,
    reactions: rest.reactions ?? [],
    attachments: rest.attachments ?? [],
    author,
    formatted: formatMessage(rest.content),
  };
}

/** Resolves authors for stored records (one batched read for the distinct authors). */
export async function withAuthors(kv: Deno.Kv, records: MessageRecord[]): Promise<Message[]> {
  const ids = [...new Set(records.map((r) => r.authorId))];
  const users = new Map((await getUsersByIds(kv, ids)).map((u) => [u.id, u]));
  return records.map((r) =>
    toMessageShape(
      r,
      users.get(r.authorId) ?? { id: r.authorId, username: "deleted", displayName: "Deleted user" },
    )
  );
}

export type MessagePage = {
  messages: Message[];
  nextCursor: string | null;
  /** With `around` only: the newest seq returned when newer ones remain (pass it as `after`). */
  newerCursor?: string | null;
};

/**
 * One page of history, oldest first. With `after`: the messages after that seq (nextCursor
 * continues forward). With `around`: that seq in the middle of the page (a search result
 * opened in context); nextCursor pages back, newerCursor forward. Otherwise the newest ones
 * before `before` (default: the end), and nextCursor is the oldest seq returned when older
 * ones remain (pass it as `before`).
 */
export async function listMessages(
  kv: Deno.Kv,
  conversationId: string,
  options: { before?: number; after?: number; around?: number; limit?: number } = {},
): Promise<MessagePage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 100);
  const records: MessageRecord[] = [];
  let more = false;
  if (options.around !== undefined) {
    return await listAround(kv, conversationId, options.around, limit);
  }
  if (options.after !== undefined) {
    // Prefix-bounded selectors: a start past the last seq (or an end before the first)
    // is an empty page, where a start/end pair out of order would make KV throw.
    const iter = kv.list<MessageRecord>({
      prefix: messagesPrefix(conversationId),
      start: messageKey(conversationId, options.after + 1),
    }, { limit: limit + 1 });
    for await (const e of iter) records.push(e.value);
    more = records.length > limit;
    if (more) records.length = limit;
    const messages = await withAuthors(kv, records);
    return { messages, nextCursor: more ? String(records[records.length - 1].seq) : null };
  }
  const iter = kv.list<MessageRecord>(
    options.before === undefined
      ? { prefix: messagesPrefix(conversationId) }
      : { prefix: messagesPrefix(conversationId), end: messageKey(conversationId, options.before) },
    { limit: limit + 1, reverse: true },
  );
  for await (const e of iter) records.push(e.value);
  more = records.length > limit;
  if (more) records.length = limit;
  records.reverse();
  const messages = await withAuthors(kv, records);
  return { messages, nextCursor: more ? String(records[0].seq) : null };
}

/** Up to `limit` messages with `around` in the middle (or as near as history allows). */
async function listAround(
  kv: Deno.Kv,
  conversationId: string,
  around: number,
  limit: number,
): Promise<MessagePage> {
  const prefix = messagesPrefix(conversationId);
  const older: MessageRecord[] = [];
  const olderWanted = Math.ceil(limit / 2);
  const end = messageKey(conversationId, around + 1);
  for await (
    const e of kv.list<MessageRecord>({ prefix, end }, {
      limit: olderWanted + 1,
      reverse: true,
    })
  ) older.push(e.value);
  const moreOlder = older.length > olderWanted;
  if (moreOlder) older.length = olderWanted;
  older.reverse();
  const newer: MessageRecord[] = [];
  const newerWanted = limit - older.length;
  for await (
    const e of kv.list<MessageRecord>({ prefix, start: end }, {
      limit: newerWanted + 1,
    })
  ) newer.push(e.value);
  const moreNewer = newer.length > newerWanted;
  if (moreNewer) newer.length = newerWanted;
  const records = [...older, ...newer];
  return {
    messages: await withAuthors(kv, records),
    nextCursor: moreOlder ? String(records[0].seq) : null,
    newerCursor: moreNewer ? String(records[records.length - 1].seq) : null,
  };
}

/** A conversation's head: its last seq and its change counter (0 and 0 when empty). */
export async function getHead(
  kv: Deno.Kv,
  conversationId: string,
): Promise<{ seq: number; rev: number }> {
  const head = (await kv.get<ConversationHead>(headKey(conversationId))).value;
  return { seq: head?.seq ?? 0, rev: head?.rev ?? 0 };
}

/** The last seq of a conversation (0 when empty). */
export async function getHeadSeq(kv: Deno.Kv, conversationId: string): Promise<number> {
  return (await kv.get<ConversationHead>(headKey(conversationId))).value?.seq ?? 0;
}

/**
 * Moves a reader's read mark forward to `seq` (never backward, never past the head).
 * Returns the new mark when it moved, null when it did not.
 */
export async function markRead(
  kv: Deno.Kv,
  conversationId: string,
  options: { userId: string; seq: number },
): Promise<number | null> {
  let moved: number | null = null;
  await commitWithRetry(async () => {
    const [mark, head] = await kv.getMany<[number, ConversationHead]>([
      readMarkKey(conversationId, options.userId),
      headKey(conversationId),
    ]);
    const target = Math.min(options.seq, head.value?.seq ?? 0);
    if ((mark.value ?? 0) >= target) return true;
    const result = await kv.atomic().check(mark).set(
      readMarkKey(conversationId, options.userId),
      target,
    ).commit();
    if (result.ok) moved = target;
    return result.ok ? true : null;
  });
  return moved;
}
