import { describeError, log } from "../ops/mod.ts";
import type { SignalEnvelope } from "./signals.ts";

/**
 * What one hub rings to the other workers of its process. Only doorbells: a hub that hears
 * one reads what it has not delivered from KV, so a lost doorbell only delays (the next one,
 * or the head poll, reads the whole gap).
 */
export type Doorbell =
  | { kind: "message"; conversationId: string; seq: number; participantIds: string[] }
  | { kind: "change"; conversationId: string; rev: number }
  | { kind: "signals"; envelopes: SignalEnvelope[] }
  | { kind: "evict"; conversationId: string; userId: string }
  | { kind: "session_ended"; sessionId: string }
  | { kind: "read"; userId: string; conversationId: string; seq: number }
  | { kind: "presence"; conversationId: string };

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

/** Rings doorbells on a channel (none: rings nowhere), one per conversation per commit. */
export class Doorbells {
  #channel: DoorbellChannel | null;
  #bells = new Map<string, Doorbell & { kind: "message" }>();

  constructor(channel: DoorbellChannel | null, onBell: (bell: Doorbell) => void) {
    this.#channel = channel;
    channel?.listen(onBell);
  }

  ring(bell: Doorbell): void {
    try {
      this.#channel?.post(bell);
    } catch (err) {
      log("warn", "doorbell not sent", describeError(err));
    }
  }

  /**
   * One doorbell per conversation per commit, not per message: the sends of a batch resolve
   * together, and a receiver reads every seq up to the one rung anyway.
   */
  ringMessage(conversationId: string, seq: number, participantIds: string[]): void {
    if (this.#bells.size === 0) {
      queueMicrotask(() => {
        for (const bell of this.#bells.values()) this.ring(bell);
        this.#bells.clear();
      });
    }
    const pending = this.#bells.get(conversationId);
    if (!pending || pending.seq < seq) {
      this.#bells.set(conversationId, { kind: "message", conversationId, seq, participantIds });
    }
  }

  /** Stops listening and ringing (an open channel keeps a worker alive). */
  close(): void {
    this.#channel?.close();
    this.#channel = null;
  }
}
