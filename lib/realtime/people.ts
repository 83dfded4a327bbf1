import { RateLimitError } from "../errors.ts";
import { describeError, log } from "../ops/mod.ts";
import { onlineKey, onlinePrefix } from "../storage/mod.ts";
import type { Connection, Connections } from "./connection.ts";
import type { SignalBus } from "./signals.ts";

/**
 * Who is online anywhere (issue 15, 9): a person with any socket open on any hub, in any
 * process or instance, whatever page it is on; away when every such socket is away (tab
 * hidden or idle). Each hub writes, per person with a socket on it, `["online", userId,
 * hubId]` → `{away, at}` (90 s, renewed every 30 s: a hub that died drops out) and signals
 * each change (signals.ts). A socket asks about people (`watch_people`: the sidebar's, a
 * member list's) and hears `people` frames: their states now, then each change.
 */
export type PersonState = "active" | "away" | "offline";

const ONLINE_TTL_MS = 90_000;
const REFRESH_MS = 30_000;
/** People one socket may watch in one scope, and its scopes. */
export const MAX_WATCHED = 200;
const MAX_SCOPES = 4;
/**
 * What one socket's watches may read from the store: people not watched here yet cost a
 * read each; the budget refills at this many a second, up to the most it can hold (a page
 * asks a few times; a loop of watch_people frames must not become a loop of reads).
 */
const READS_PER_SECOND = 40;
const MAX_READS = 800;
/** Keys written per commit. */
const PER_COMMIT = 200;

type Entry = { away: boolean; at: number };

export class People {
  #kv: Deno.Kv;
  #conns: Connections;
  #signals: SignalBus;
  /** Per watched person, their state on each other hub (absent there: offline there). */
  #remote = new Map<string, Map<string, boolean>>();
  /** Per person, the sockets here watching them. */
  #watchers = new Map<string, Set<Connection>>();
  /** Per socket, its budget of reads (see READS_PER_SECOND). */
  #budget = new WeakMap<Connection, { reads: number; at: number }>();
  /** Per socket, whom it watches, by scope (see `watch`). */
  #watching = new WeakMap<Connection, Map<string, Set<string>>>();
  /** Per person, the state last told to their watchers. */
  #told = new Map<string, PersonState>();
  /** This hub's entries to write (null: delete). */
  #pending = new Map<string, boolean | null>();
  /** People whose change here the other hubs are told of once its entry is written. */
  #announce = new Set<string>();
  /** Per watched person, how many changes other hubs told of (a read racing one reads again). */
  #heardCount = new Map<string, number>();
  #flushing: Promise<void> | null = null;
  #timer: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(kv: Deno.Kv, conns: Connections, signals: SignalBus) {
    this.#kv = kv;
    this.#conns = conns;
    this.#signals = signals;
    this.#timer = setInterval(() => this.#refresh(), REFRESH_MS);
    Deno.unrefTimer(this.#timer);
  }

  /** This hub's state of the person (from its sockets here). */
  localState(userId: string): PersonState {
    let any = false;
    for (const conn of this.#conns.ofUser(userId)) {
      if (!conn.away) return "active";
      any = true;
    }
    return any ? "away" : "offline";
  }

  /** The person's state on every hub together. */
  state(userId: string): PersonState {
    const here = this.localState(userId);
    if (here === "active") return here;
    let away = here === "away";
    for (const isAway of this.#remote.get(userId)?.values() ?? []) {
      if (!isAway) return "active";
      away = true;
    }
    return away ? "away" : "offline";
  }

  /**
   * Runs a change to the person's sockets here (a socket came, went, went away or came
   * back) and tells the other hubs and the watchers here what it changed.
   */
  change(userId: string, run: () => void): void {
    const before = this.localState(userId);
    run();
    const after = this.localState(userId);
    if (before === after || this.#closed) return;
    this.#pending.set(userId, after === "offline" ? null : after === "away");
    // The other hubs hear of it once its entry is written (#schedule): one that starts
    // watching the person after hearing reads the entry, not the state before it.
    this.#announce.add(userId);
    this.#schedule();
    this.#tell(userId);
  }

  /** Another hub's person changed state there. */
  heard(hub: string, userId: string, state: PersonState): void {
    if (!this.#watchers.has(userId)) return;
    this.#heardCount.set(userId, (this.#heardCount.get(userId) ?? 0) + 1);
    let hubs = this.#remote.get(userId);
    if (!hubs) this.#remote.set(userId, hubs = new Map());
    if (state === "offline") hubs.delete(hub);
    else hubs.set(hub, state === "away");
    this.#tell(userId);
  }

  /** A hub is gone (its registration expired): its people are offline there. */
  hubGone(hub: string): void {
    for (const [userId, hubs] of this.#remote) {
      if (hubs.delete(hub)) this.#tell(userId);
    }
  }

  /**
   * The socket watches these people from now on, in place of whom it watched in the same
   * scope (a page's parts each keep theirs): it hears their states now, read from every
   * hub, and then each change. A fifth scope replaces the oldest.
   */
  async watch(conn: Connection, userIds: string[], scope = "default"): Promise<void> {
    // Its close already handled (a frame queued behind a slow one): nothing would drop it.
    if (!this.#conns.has(conn)) return;
    const ids = [...new Set(userIds)].slice(0, MAX_WATCHED);
    this.#spend(conn, ids.filter((id) => !this.#watchers.has(id)).length);
    let scopes = this.#watching.get(conn);
    if (!scopes) this.#watching.set(conn, scopes = new Map());
    const before = this.#watchedBy(conn);
    scopes.delete(scope);
    if (scopes.size >= MAX_SCOPES) scopes.delete(scopes.keys().next().value!);
    const wanted = new Set(ids);
    scopes.set(scope, wanted);
    const after = this.#watchedBy(conn);
    for (const id of before) if (!after.has(id)) this.#drop(conn, id);
    const unknown = ids.filter((id) => !this.#watchers.has(id));
    for (const id of ids) {
      let set = this.#watchers.get(id);
      if (!set) this.#watchers.set(id, set = new Set());
      set.add(conn);
    }
    await this.#readRemote(unknown);
    // Watching something else already (a newer watch_people): that one answers.
    if (this.#watching.get(conn)?.get(scope) !== wanted) return;
    const people = ids.map((id) => ({ id, state: this.state(id) }));
    for (const p of people) if (this.#watchers.has(p.id)) this.#told.set(p.id, p.state);
    conn.send({ type: "people", people });
  }

  /** Takes `reads` from the socket's budget; throws RateLimitError when it has not enough. */
  #spend(conn: Connection, reads: number): void {
    const now = Date.now();
    const budget = this.#budget.get(conn) ?? { reads: MAX_READS, at: now };
    budget.reads = Math.min(MAX_READS, budget.reads + (now - budget.at) / 1000 * READS_PER_SECOND);
    budget.at = now;
    this.#budget.set(conn, budget);
    if (reads > budget.reads) {
      throw new RateLimitError(
        Math.ceil((reads - budget.reads) / READS_PER_SECOND),
        "You are asking about people too often. Slow down.",
      );
    }
    budget.reads -= reads;
  }

  /** The socket watches nobody (it closed). */
  unwatch(conn: Connection): void {
    for (const id of this.#watchedBy(conn)) this.#drop(conn, id);
    this.#watching.delete(conn);
  }

  /** Everyone the socket watches, in any scope. */
  #watchedBy(conn: Connection): Set<string> {
    return new Set([...this.#watching.get(conn)?.values() ?? []].flatMap((s) => [...s]));
  }

  #drop(conn: Connection, userId: string): void {
    const set = this.#watchers.get(userId);
    set?.delete(conn);
    if (set?.size === 0) {
      this.#watchers.delete(userId);
      this.#remote.delete(userId);
      this.#told.delete(userId);
      this.#heardCount.delete(userId);
    }
  }

  /** Writes what is queued (shutdown: the others then read this hub's people as gone). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /** On shutdown: every person here is offline here, for the other hubs at once. */
  leaveAll(): void {
    for (const userId of this.#conns.userIds()) {
      this.#pending.set(userId, null);
      this.#signals.publish({ kind: "person", userId, state: "offline" });
    }
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#pending.clear();
    this.#announce.clear();
  }

  /** Tells the person's watchers here when their state changed. */
  #tell(userId: string): void {
    const watchers = this.#watchers.get(userId);
    if (!watchers) return;
    const state = this.state(userId);
    if (this.#told.get(userId) === state) return;
    this.#told.set(userId, state);
    const text = JSON.stringify({ type: "people", people: [{ id: userId, state }] });
    for (const conn of watchers) conn.send(text);
  }

  async #readRemote(userIds: string[]): Promise<void> {
    const hubId = this.#signals.hubId;
    const fresh = Date.now() - ONLINE_TTL_MS;
    await Promise.all(userIds.map(async (userId) => {
      try {
        // A change told while the read was under way may be newer than what it read (its
        // entry written after the read began): read again rather than drop it.
        for (let attempt = 0; attempt < 3; attempt++) {
          const heard = this.#heardCount.get(userId) ?? 0;
          const hubs = new Map<string, boolean>();
          for await (const e of this.#kv.list<Entry>({ prefix: onlinePrefix(userId) })) {
            const hub = String(e.key[2]);
            if (hub !== hubId && e.value.at >= fresh) hubs.set(hub, e.value.away);
          }
          if (!this.#watchers.has(userId)) return;
          if ((this.#heardCount.get(userId) ?? 0) !== heard && attempt < 2) continue;
          this.#remote.set(userId, hubs);
          return;
        }
      } catch (err) {
        log("warn", "presence of a person not read", describeError(err));
      }
    }));
  }

  #schedule(): void {
    if (this.#flushing || this.#closed) return;
    this.#flushing = (async () => {
      await new Promise((r) => setTimeout(r, 0));
      try {
        while (this.#pending.size > 0 && !this.#closed) {
          const batch = [...this.#pending].slice(0, PER_COMMIT);
          for (const [id] of batch) this.#pending.delete(id);
          // Taken with the batch: a change made while it commits is pending and announced again.
          const announced = batch.filter(([id]) => this.#announce.delete(id));
          const op = this.#kv.atomic();
          const at = Date.now();
          for (const [userId, away] of batch) {
            const key = onlineKey(userId, this.#signals.hubId);
            if (away === null) op.delete(key);
            else op.set(key, { away, at } satisfies Entry, { expireIn: ONLINE_TTL_MS });
          }
          await op.commit().catch((err) => log("warn", "presence not written", describeError(err)));
          for (const [userId, away] of announced) {
            const state = away === null ? "offline" : away ? "away" : "active";
            this.#signals.publish({ kind: "person", userId, state });
          }
        }
      } finally {
        this.#flushing = null;
      }
    })();
  }

  /** Rewrites this hub's entries (they expire otherwise) and reads the watched again. */
  #refresh(): void {
    for (const userId of this.#conns.userIds()) {
      if (!this.#pending.has(userId)) this.#pending.set(userId, this.localState(userId) === "away");
    }
    this.#schedule();
    const watched = [...this.#watchers.keys()];
    void this.#readRemote(watched).then(() => watched.forEach((id) => this.#tell(id)));
  }
}
