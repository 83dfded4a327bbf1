/**
 * What the conversation list remembers between requests, per KV handle (one isolate's view
 * of one store), so that a list of 500 conversations does not read 500 heads every time:
 * - each conversation's latest activity (its head's seq and updatedAt), shared by everyone in
 *   it: set by this isolate's own commits and by the heads it reads or watches, dropped by a
 *   doorbell that names a newer seq;
 * - each user's membership (the conversation ids), dropped at once by this isolate's own
 *   membership changes, and re-read with every head after REVALIDATE_MS for what another
 *   isolate, process or instance changed (or a doorbell that was lost);
 * - conversation records, each with the head's participant-change counter (`members`) it is
 *   known to be at least as new as: the list reads the page's heads fresh, and a record is
 *   used only while that counter has not moved.
 * A hint, never the judge: the page's heads, read marks and counts are always read fresh.
 */
import { LruCache, perStore } from "../storage/mod.ts";
import type { ConversationRecord } from "./conversation.ts";

/** How long a user's membership and the heads read with it stand before they are re-read. */
export const REVALIDATE_MS = 1000;
const MAX_USERS = 2_000;
const MAX_CONVERSATIONS = 100_000;
const MAX_RECORDS = 20_000;
/**
 * Bytes the memberships and the records may hold, about (see orderBytes, recordBytes): a
 * count alone let 2,000 users of 20,000 conversations each, or 20,000 records of 256
 * participants, hold gigabytes (issue 15, items 11 and 12: bounded by what they hold).
 */
export const LIST_CACHE_BYTES = { orders: 32 * 1024 * 1024, records: 16 * 1024 * 1024 };

/** A membership's bytes, about: each id (~48 B), its slot, and its place in the sorted copy. */
const orderBytes = (order: Order) => 64 + 160 * order.ids.length;
/** A record's bytes, about: its fields, and each participant's id and slot. */
const recordBytes = ({ record }: { record: ConversationRecord }) =>
  256 + 56 * record.participantIds.length + 2 * (record.title?.length ?? 0);

export type Activity = { seq: number; updatedAt: string };
export type Ranked = { id: string; updatedAt: string };
type Order = { ids: string[]; readAt: number; sorted?: { version: number; ranked: Ranked[] } };

export class ListCache {
  // Read with peek(): what was set longest ago goes first, as the bounds were meant.
  #activity = new LruCache<string, Activity>({ maxEntries: MAX_CONVERSATIONS });
  #orders = new LruCache<string, Order>({
    maxEntries: MAX_USERS,
    maxSize: LIST_CACHE_BYTES.orders,
    sizeOf: orderBytes,
  });
  #records = new LruCache<string, { record: ConversationRecord; members: number }>({
    maxEntries: MAX_RECORDS,
    maxSize: LIST_CACHE_BYTES.records,
    sizeOf: recordBytes,
  });
  /** Membership reads under way: concurrent requests of one user share one. */
  #reading = new Map<string, Promise<string[]>>();
  /** Bumped whenever an activity changes: a user's sorted order is kept until it moves. */
  #version = 0;

  /** Bytes the memberships and records hold now, about (see LIST_CACHE_BYTES). */
  get heldBytes(): { orders: number; records: number } {
    return { orders: this.#orders.size, records: this.#records.size };
  }

  /** A conversation's activity if known. */
  activity(conversationId: string): Activity | undefined {
    return this.#activity.peek(conversationId);
  }

  /**
   * A head as committed or read: kept unless one with a higher seq is known (a read that
   * started before this isolate's commit may answer after it).
   */
  sawHead(conversationId: string, activity: Activity): void {
    const known = this.#activity.peek(conversationId);
    if (known && (known.seq > activity.seq || sameActivity(known, activity))) return;
    // Past the bound the oldest activity goes: the version moves for that too.
    this.#activity.set(conversationId, { seq: activity.seq, updatedAt: activity.updatedAt });
    this.#version++;
  }

  /**
   * A doorbell from another worker of this process (realtime.ts): a message committed there,
   * or a participant removed there. Whatever else it rings is not the list's concern.
   */
  heard(bell: { kind: string; conversationId?: string; seq?: number; userId?: string }): void {
    if (bell.kind === "message" && bell.conversationId && bell.seq !== undefined) {
      this.heardSeq(bell.conversationId, bell.seq);
    }
    if (bell.kind === "evict" && bell.userId) this.forgetUsers([bell.userId]);
  }

  /** Someone committed `seq` (a doorbell): the activity is read again unless known that far. */
  heardSeq(conversationId: string, seq: number): void {
    const known = this.#activity.peek(conversationId);
    if (known && known.seq < seq) {
      this.#activity.delete(conversationId);
      this.#version++;
    }
  }

  /**
   * The user's conversation ids: remembered ones while younger than REVALIDATE_MS, else
   * `read` (which re-reads every head too). One read at a time per user; a read that a
   * membership change overtook answers its own callers but is not remembered.
   */
  async membership(userId: string, read: () => Promise<string[]>): Promise<string[]> {
    const order = this.#orders.peek(userId);
    if (order && Date.now() - order.readAt < REVALIDATE_MS) return order.ids;
    const pending = this.#reading.get(userId);
    if (pending) return await pending;
    const readAt = Date.now();
    const reading = read();
    this.#reading.set(userId, reading);
    try {
      const ids = await reading;
      if (this.#reading.get(userId) === reading) {
        this.#orders.set(userId, { ids, readAt });
      }
      return ids;
    } finally {
      if (this.#reading.get(userId) === reading) this.#reading.delete(userId);
    }
  }

  /**
   * The user's conversations newest first, sorted again only when some activity changed
   * since. Ids whose activity is unknown are left out (read them first).
   */
  sorted(userId: string, ids: string[]): Ranked[] {
    const order = this.#orders.peek(userId);
    if (order?.ids !== ids) return rank(ids, this.#activity);
    if (order.sorted?.version !== this.#version) {
      order.sorted = { version: this.#version, ranked: rank(ids, this.#activity) };
    }
    return order.sorted.ranked;
  }

  /** Their conversations changed (joined, left, created, deleted): read them again. */
  forgetUsers(userIds: Iterable<string>): void {
    for (const id of userIds) {
      this.#orders.delete(id);
      this.#reading.delete(id);
    }
  }

  /** A record if it is known under this participant-change counter. */
  record(conversationId: string, members: number): ConversationRecord | undefined {
    const known = this.#records.peek(conversationId);
    return known?.members === members ? known.record : undefined;
  }

  /** A record read after (or with) a head whose counter was `members`. */
  keepRecord(record: ConversationRecord, members: number): void {
    this.#records.set(record.id, { record, members });
  }

  /** The conversation's record and activity changed or went: read them again. */
  forgetConversation(conversationId: string): void {
    this.#records.delete(conversationId);
    if (this.#activity.delete(conversationId)) this.#version++;
  }
}

function sameActivity(a: Activity, b: Activity): boolean {
  return a.seq === b.seq && a.updatedAt === b.updatedAt;
}

/** Newest first (ties: the higher id first), leaving out ids whose activity is unknown. */
function rank(ids: string[], activity: LruCache<string, Activity>): Ranked[] {
  const ranked: Ranked[] = [];
  for (const id of ids) {
    const a = activity.peek(id);
    if (a) ranked.push({ id, updatedAt: a.updatedAt });
  }
  return ranked.sort(byActivity);
}

/** Newest first; ties: the higher id first (ISO times and ULIDs compare as plain strings). */
export function byActivity(a: Ranked, b: Ranked): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The list cache of this KV handle (each handle is its own: tests open several). */
export const listCacheOf: (kv: Deno.Kv) => ListCache = perStore(() => new ListCache());

/** Who joined or left `conversationId` sees their list read again; so does its record. */
export function forgetMembers(
  kv: Deno.Kv,
  conversationId: string,
  userIds: (string | undefined)[],
): void {
  const cache = listCacheOf(kv);
  cache.forgetUsers(userIds.filter((id) => id !== undefined));
  cache.forgetConversation(conversationId);
}
