import { describeError, log } from "../ops/mod.ts";
import type { User } from "../accounts/mod.ts";
import { presenceKey, presencePrefix, presenceRevKey } from "../storage/mod.ts";

/**
 * Who is online and away in a conversation, across workers, processes and instances. Each
 * hub (one per isolate) writes its own view of each room it has sockets in, under its own
 * key, and bumps the conversation's presence counter; the other hubs see the counter move
 * (the head watcher reads it beside the head: polling, or kv.watch on a remote KV; workers
 * of one process also hear a doorbell) and read the views again. Views expire: a hub that
 * died without clearing its own drops out within PRESENCE_TTL_MS.
 *
 * Keys: `["presence", conversationId, hubId]` → PresenceEntry (expireIn PRESENCE_TTL_MS),
 * `["presence_rev", conversationId]` → Deno.KvU64, bumped by every change of a view.
 */

/** A view: per user with a socket in the room, whether every such socket is away. */
export type PresenceView = Map<string, { user: User; away: boolean }>;
type PresenceEntry = { users: { user: User; away: boolean }[]; at: number };

/** A view not rewritten for this long is ignored (its hub is gone). */
export const PRESENCE_TTL_MS = 90_000;
/** How often a hub rewrites its views (and reads the others' to drop expired ones). */
export const PRESENCE_REFRESH_MS = 30_000;
/** Rooms per commit: a set or delete and a counter bump each. */
const ROOMS_PER_COMMIT = 400;

/**
 * Merges views: a user is online when any view has them, and away only when every view
 * that has them says away.
 */
export function mergeViews(...views: PresenceView[]): PresenceView {
  const merged: PresenceView = new Map();
  for (const view of views) {
    for (const [id, { user, away }] of view) {
      const seen = merged.get(id);
      merged.set(id, { user, away: (seen?.away ?? true) && away });
    }
  }
  return merged;
}

/** One hub's views in KV, written in coalesced commits, and the other hubs' read back. */
export class PresenceBoard {
  #kv: Deno.Kv;
  #hubId: string;
  /** Views to write: null clears this hub's view; `bump` tells the other hubs. */
  #pending = new Map<string, { view: PresenceView; bump: boolean }>();
  #flushing: Promise<void> | null = null;
  #closed = false;
  #onWritten: (conversationIds: string[]) => void;

  /** `onWritten` hears which conversations' counters a commit bumped, once it landed. */
  constructor(kv: Deno.Kv, hubId: string, onWritten: (conversationIds: string[]) => void) {
    this.#kv = kv;
    this.#hubId = hubId;
    this.#onWritten = onWritten;
  }

  /**
   * Queues this hub's view of a conversation (an empty view clears it). Views queued in one
   * turn of the event loop go out in one commit; `bump` (the default) tells the other hubs.
   */
  publish(conversationId: string, view: PresenceView, bump = true): void {
    if (this.#closed) return;
    const queued = this.#pending.get(conversationId);
    this.#pending.set(conversationId, { view, bump: bump || (queued?.bump ?? false) });
    this.#schedule();
  }

  #schedule(): void {
    if (this.#flushing) return;
    this.#flushing = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      try {
        await this.#write();
      } finally {
        this.#flushing = null;
        if (this.#pending.size > 0) this.#schedule();
      }
    })();
  }

  /** Drops what is queued and writes nothing more (the store may close next). */
  close(): void {
    this.#closed = true;
    this.#pending.clear();
  }

  /** Resolves once every queued view is written (shutdown waits for its cleared views). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #write(): Promise<void> {
    while (this.#pending.size > 0) {
      const batch = [...this.#pending].slice(0, ROOMS_PER_COMMIT);
      for (const [id] of batch) this.#pending.delete(id);
      const op = this.#kv.atomic();
      const at = Date.now();
      for (const [id, { view, bump }] of batch) {
        const key = presenceKey(id, this.#hubId);
        if (view.size === 0) op.delete(key);
        else op.set(key, { users: [...view.values()], at }, { expireIn: PRESENCE_TTL_MS });
        if (bump) op.sum(presenceRevKey(id), 1n);
      }
      try {
        await op.commit();
        this.#onWritten(batch.flatMap(([id, { bump }]) => bump ? [id] : []));
      } catch (err) {
        log("warn", "presence not written", describeError(err));
      }
    }
  }

  /** The other hubs' views of a conversation, merged (expired ones left out). */
  async read(conversationId: string): Promise<PresenceView> {
    const views: PresenceView[] = [];
    const fresh = Date.now() - PRESENCE_TTL_MS;
    for await (
      const e of this.#kv.list<PresenceEntry>({ prefix: presencePrefix(conversationId) })
    ) {
      if (e.key[2] === this.#hubId || e.value.at < fresh) continue;
      views.push(new Map(e.value.users.map((u) => [u.user.id, u])));
    }
    return mergeViews(...views);
  }
}
