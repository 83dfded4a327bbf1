import { describeError, log } from "../ops/mod.ts";
import type { SignalEnvelope } from "./signals.ts";

/**
 * What one hub rings to the other workers of its process. Only doorbells: a hub that hears
 * one reads what it has not delivered from KV, so a lost doorbell only delays (the next one,
 * or the head poll, reads the whole gap).
 */
export type Doorbell =
  | { kind: "message"; conversationId: string; seq: number }
  | { kind: "change"; conversationId: string; rev: number }
  | { kind: "signals"; envelopes: SignalEnvelope[] }
  | { kind: "evict"; conversationId: string; userId: string }
  | { kind: "session_ended"; sessionId: string }
  | { kind: "read"; userId: string; conversationId: string; seq: number }
  | { kind: "presence"; conversationId: string }
  /** A hub started (and, while it has heard no one, again now and then): "here" answers. */
  | { kind: "hello" }
  | { kind: "here" }
  /** The bells of one turn of the event loop, in the order rung: one post for all. */
  | { kind: "batch"; bells: Doorbell[] };

/**
 * The wire between hubs. The hub takes one (tests inject a lossy one); the default is a
 * BroadcastChannel, which reaches the other workers of the process and drops in bursts.
 */
export type DoorbellChannel = {
  post(bell: Doorbell): void;
  /** Sets the one listener for bells rung by the other hubs (not this one's own). */
  listen(onBell: (bell: Doorbell) => void): void;
  close(): void;
};

/** A DoorbellChannel over a BroadcastChannel of that name. */
export function broadcastDoorbells(name: string): DoorbellChannel {
  const channel = new BroadcastChannel(name);
  return {
    post: (bell) => channel.postMessage(bell),
    listen: (onBell) => channel.onmessage = (e: MessageEvent<Doorbell>) => onBell(e.data),
    close: () => channel.close(),
  };
}

/** How often a hub that has heard no other says hello again (a lost hello, a late worker). */
export const HELLO_MS = 2000;

/**
 * Rings doorbells on a channel (none: rings nowhere). What is rung in one turn of the event
 * loop goes out as one post (a message's bells once per conversation, after the rest). A hub
 * says hello when it starts, and again every HELLO_MS while it has heard no other hub; a hub
 * answers a hello with "here". One that has heard no one for HELLO_MS after it started posts
 * nothing more until it does: a process of one worker (`main.ts`) posts nothing per message,
 * and a worker that starts later is heard by its hello before it has a socket. A bell rung
 * into that silence is lost as any doorbell may be (the head poll reads the gap).
 */
export class Doorbells {
  #channel: DoorbellChannel | null;
  #peers = false;
  /** Nothing heard for HELLO_MS since the start: bells are not posted (until a hub is heard). */
  #alone = false;
  #pending: Doorbell[] = [];
  #messages = new Map<string, Doorbell & { kind: "message" }>();
  #flushQueued = false;
  #hello: ReturnType<typeof setInterval> | undefined;

  constructor(
    channel: DoorbellChannel | null,
    onBell: (bell: Doorbell) => void,
    helloMs = HELLO_MS,
  ) {
    this.#channel = channel;
    if (!channel) return;
    const heard = (bell: Doorbell) => {
      if (bell.kind === "batch") return bell.bells.forEach(heard);
      if (bell.kind === "hello") return this.#post({ kind: "here" });
      if (bell.kind === "here") return;
      try {
        onBell(bell);
      } catch (err) {
        log("warn", "doorbell not answered", describeError(err));
      }
    };
    channel.listen((bell) => {
      if (!this.#peers) this.#heardPeer();
      heard(bell);
    });
    this.#post({ kind: "hello" });
    this.#hello = setInterval(() => {
      this.#alone = true;
      this.#post({ kind: "hello" });
    }, helloMs);
    Deno.unrefTimer(this.#hello);
  }

  /** Whether bells are posted: another hub was heard, or this one started a moment ago. */
  get posting(): boolean {
    return this.#channel !== null && (this.#peers || !this.#alone);
  }

  ring(bell: Doorbell): void {
    if (!this.posting) return;
    this.#pending.push(bell);
    this.#queueFlush();
  }

  /**
   * One doorbell per conversation per turn, not per message: the sends of a commit resolve
   * together, and a receiver reads every seq up to the one rung anyway. The participants are
   * not carried: the other hubs' lists hear of it by the `activity` signal.
   */
  ringMessage(conversationId: string, seq: number, _participantIds?: string[]): void {
    if (!this.posting) return;
    const pending = this.#messages.get(conversationId);
    if (!pending || pending.seq < seq) {
      this.#messages.set(conversationId, { kind: "message", conversationId, seq });
    }
    this.#queueFlush();
  }

  /** Stops listening and ringing (an open channel keeps a worker alive). */
  close(): void {
    clearInterval(this.#hello);
    this.#channel?.close();
    this.#channel = null;
  }

  #heardPeer(): void {
    this.#peers = true;
    clearInterval(this.#hello);
    this.#hello = undefined;
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      const bells = [...this.#pending, ...this.#messages.values()];
      this.#pending = [];
      this.#messages.clear();
      if (bells.length > 0) this.#post(bells.length === 1 ? bells[0] : { kind: "batch", bells });
    });
  }

  #post(bell: Doorbell): void {
    try {
      this.#channel?.post(bell);
    } catch (err) {
      log("warn", "doorbell not sent", describeError(err));
    }
  }
}
