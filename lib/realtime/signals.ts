import { ulid } from "ulid";
import { describeError, log } from "../ops/mod.ts";
import type { User } from "../accounts/mod.ts";
import { signalHubKey, signalHubsPrefix, signalKey, signalsPrefix } from "../storage/mod.ts";

/**
 * What a person sees that is not stored with the messages, between hubs in every process and
 * instance: someone typing, and a conversation's `activity` for the conversation lists. Each
 * hub writes its signals under its own keys (`["signal", hubId, seq]`, 60 s; no two hubs write
 * one key), registers itself (`["signal_hub", hubId]`, 90 s, renewed) and reads the others'
 * new signals every poll. The workers of one process hear them at once over the doorbell
 * channel too; a signal heard both ways is handled once (by hub and seq).
 */
export type Signal =
  | { kind: "typing"; conversationId: string; user: User }
  /** A conversation moved (its message `seq` is new or changed): lists show it. */
  | { kind: "activity"; conversationId: string; seq: number; participantIds?: string[] }
  /** A person's state on the hub that sent it changed (people.ts). */
  | { kind: "person"; userId: string; state: "active" | "away" | "offline" }
  /** A file area's files changed (an upload, a delete): its people's pages list them again. */
  | { kind: "files"; areaId: string; participantIds: string[] }
  /** A person was taken out of a conversation: their lists drop it. */
  | { kind: "removed"; userId: string; conversationId: string };

/**
 * A person's draft changed (lib/messages/drafts.ts): each hub with a socket of theirs reads it
 * and tells them. The content is not carried (up to 4,000 characters, 200 signals a commit):
 * read from the store, it is also the newest whatever order the signals come in. The hub
 * answers it itself (Hub), the rest go to elsewhere.ts.
 */
export type DraftSignal = {
  kind: "draft";
  userId: string;
  conversationId: string;
  parentSeq: number | null;
};

/** Every signal the bus carries. */
export type BusSignal = Signal | DraftSignal;

/** A signal as it travels: who sent it, its place in that hub's sequence, and when. */
export type SignalEnvelope = { hub: string; seq: number; at: number; signal: BusSignal };

const SIGNAL_TTL_MS = 60_000;
const HUB_TTL_MS = 90_000;
const HUB_REFRESH_MS = 30_000;
/** A hub seen for the first time: only its signals this recent still matter. */
const FIRST_SIGHT_MS = 3_000;
/** Signals per commit (each a set). */
const PER_COMMIT = 200;
/** Signals kept to send in one go when writes fall behind (typing first to go). */
const MAX_PENDING = 5_000;

type Heard = { after: number; ahead: Set<number>; firstSight: number | null };

export class SignalBus {
  #kv: Deno.Kv;
  readonly hubId = ulid();
  #seq = 0;
  #pending: SignalEnvelope[] = [];
  #flushing: Promise<void> | null = null;
  #heard = new Map<string, Heard>();
  #onSignal: (signal: BusSignal, hub: string) => void;
  #onHubGone: (hub: string) => void;
  #post: (envelopes: SignalEnvelope[]) => void;
  #timers: ReturnType<typeof setInterval>[] = [];
  #polling = false;
  #closed = false;
  /**
   * Other hubs seen registered at the last poll (-1 before the first): with none, nothing
   * is written (one process of one worker writes no signals at all).
   */
  #others = -1;

  /**
   * `post` sends envelopes to the other workers of this process at once (the doorbell
   * channel); `onSignal` hears each signal of another hub once, `onHubGone` when a hub's
   * registration expired (it died without a word).
   */
  constructor(
    kv: Deno.Kv,
    options: {
      pollMs: number;
      post: (envelopes: SignalEnvelope[]) => void;
      onSignal: (signal: BusSignal, hub: string) => void;
      onHubGone?: (hub: string) => void;
    },
  ) {
    this.#kv = kv;
    this.#onSignal = options.onSignal;
    this.#onHubGone = options.onHubGone ?? (() => {});
    this.#post = options.post;
    if (options.pollMs > 0) {
      void this.#register();
      this.#timers.push(setInterval(() => void this.#register(), HUB_REFRESH_MS));
      this.#timers.push(setInterval(() => void this.#poll(), options.pollMs));
      for (const t of this.#timers) Deno.unrefTimer(t);
    }
  }

  /** Tells every other hub (written with the others of this turn in one commit). */
  publish(signal: BusSignal): void {
    if (this.#closed) return;
    const envelope = { hub: this.hubId, seq: ++this.#seq, at: Date.now(), signal };
    this.#post([envelope]);
    if (this.#timers.length === 0 || this.#others === 0) return;
    this.#pending.push(envelope);
    if (this.#pending.length > MAX_PENDING) this.#pending.splice(0, this.#pending.length / 2);
    this.#flushing ??= (async () => {
      await new Promise((r) => setTimeout(r, 0));
      try {
        await this.#write();
      } finally {
        this.#flushing = null;
      }
    })();
  }

  /** Envelopes another worker of this process posted (each handled once, whichever way first). */
  heard(envelopes: SignalEnvelope[]): void {
    for (const e of envelopes) this.#handle(e);
  }

  /** Resolves once what was published is written (shutdown: the other processes hear it). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  close(): void {
    this.#closed = true;
    this.#pending = [];
    for (const t of this.#timers) clearInterval(t);
  }

  async #write(): Promise<void> {
    while (this.#pending.length > 0 && !this.#closed) {
      const batch = this.#pending.splice(0, PER_COMMIT);
      const op = this.#kv.atomic();
      for (const e of batch) op.set(signalKey(this.hubId, e.seq), e, { expireIn: SIGNAL_TTL_MS });
      try {
        await op.commit();
      } catch (err) {
        log("warn", "signals not written", describeError(err));
      }
    }
  }

  async #register(): Promise<void> {
    if (this.#closed) return;
    await this.#kv.set(signalHubKey(this.hubId), { at: Date.now() }, { expireIn: HUB_TTL_MS })
      .catch((err) => log("warn", "signal hub not registered", describeError(err)));
  }

  /** Reads every other hub's signals since the last poll. */
  async #poll(): Promise<void> {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    try {
      const hubs = new Set<string>();
      for await (const e of this.#kv.list({ prefix: signalHubsPrefix() })) {
        const hub = String(e.key[1]);
        if (hub !== this.hubId) hubs.add(hub);
      }
      this.#others = hubs.size;
      for (const hub of this.#heard.keys()) {
        if (hubs.has(hub)) continue;
        this.#heard.delete(hub);
        this.#onHubGone(hub);
      }
      for (const hub of hubs) {
        const heard = this.#heardOf(hub);
        const selector = { prefix: signalsPrefix(hub), start: signalKey(hub, heard.after + 1) };
        for await (const e of this.#kv.list<SignalEnvelope>(selector)) {
          this.#handle(e.value);
          heard.after = Math.max(heard.after, e.value.seq);
        }
        for (const seq of heard.ahead) if (seq <= heard.after) heard.ahead.delete(seq);
        heard.firstSight = null;
      }
    } catch (err) {
      if (!this.#closed) log("warn", "signals not read", describeError(err));
    } finally {
      this.#polling = false;
    }
  }

  #heardOf(hub: string): Heard {
    let heard = this.#heard.get(hub);
    if (!heard) {
      this.#heard.set(hub, heard = { after: 0, ahead: new Set(), firstSight: Date.now() });
    }
    return heard;
  }

  #handle(e: SignalEnvelope): void {
    if (this.#closed || e.hub === this.hubId) return;
    const heard = this.#heardOf(e.hub);
    if (e.seq <= heard.after || heard.ahead.has(e.seq)) return;
    if (heard.firstSight !== null && e.at < heard.firstSight - FIRST_SIGHT_MS) return;
    heard.ahead.add(e.seq);
    // Doorbells can run far ahead of the store when writes lag: keep the set bounded.
    if (heard.ahead.size > 10_000) {
      const oldest = Math.min(...heard.ahead);
      heard.ahead.delete(oldest);
    }
    try {
      this.#onSignal(e.signal, e.hub);
    } catch (err) {
      log("warn", "signal not handled", describeError(err));
    }
  }
}
