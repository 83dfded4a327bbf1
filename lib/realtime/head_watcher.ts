import { describeError, log } from "../ops/mod.ts";
import type { ConversationHead } from "../conversations/mod.ts";
import { getManyChunked, headKey, presenceRevKey } from "../storage/mod.ts";

type OnHead = (conversationId: string, head: ConversationHead) => void;
type OnPresence = (conversationId: string) => void;

/**
 * Tells the hub when a watched conversation's head moves (a message, or a change of
 * participants), or its presence counter (someone came, went, or went away elsewhere; see
 * presence.ts), whoever wrote it. Two ways, both
 * only doorbells (the hub reads what it missed from KV):
 * - polling every `pollMs`: the floor that always works, including several processes on one
 *   local KV file (kv.watch does not fire across processes there) and lost doorbells;
 * - `kv.watch` per conversation when `watch` is on (a remote KV: it crosses instances).
 */
export class HeadWatcher {
  #kv: Deno.Kv;
  #onHead: OnHead;
  #onPresence: OnPresence;
  #ids = new Set<string>();
  /** Per conversation, the presence counter's versionstamp last seen. */
  #presence = new Map<string, string | null>();
  #watches = new Map<string, ReadableStreamDefaultReader<Deno.KvEntryMaybe<unknown>[]>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #watch: boolean;
  #polling = false;

  constructor(
    kv: Deno.Kv,
    onHead: OnHead,
    options: { pollMs: number; watch: boolean; onPresence?: OnPresence },
  ) {
    this.#kv = kv;
    this.#onHead = onHead;
    this.#onPresence = options.onPresence ?? (() => {});
    this.#watch = options.watch;
    if (options.pollMs > 0) {
      const timer = setInterval(() => void this.#poll(), options.pollMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  add(conversationId: string): void {
    if (this.#ids.has(conversationId)) return;
    this.#ids.add(conversationId);
    if (this.#watch) this.#startWatch(conversationId);
  }

  remove(conversationId: string): void {
    this.#ids.delete(conversationId);
    this.#presence.delete(conversationId);
    this.#watches.get(conversationId)?.cancel().catch(() => {});
    this.#watches.delete(conversationId);
  }

  close(): void {
    clearInterval(this.#timer);
    for (const id of [...this.#ids]) this.remove(id);
  }

  async #poll(): Promise<void> {
    if (this.#polling || this.#ids.size === 0) return;
    this.#polling = true;
    try {
      const ids = [...this.#ids];
      const entries = await getManyChunked<unknown>(this.#kv, [
        ...ids.map(headKey),
        ...ids.map(presenceRevKey),
      ]);
      ids.forEach((id, i) => {
        const head = entries[i].value as ConversationHead | null;
        if (head) this.#onHead(id, head);
        this.#sawPresence(id, entries[ids.length + i].versionstamp);
      });
    } catch (err) {
      log("warn", "head poll failed", describeError(err));
    } finally {
      this.#polling = false;
    }
  }

  /**
   * Tells the hub when a conversation's presence counter moved since last seen, and on the
   * first sight of it too (it may have moved between the hub's own read and this one).
   */
  #sawPresence(conversationId: string, versionstamp: string | null): void {
    if (!this.#ids.has(conversationId)) return;
    const last = this.#presence.get(conversationId);
    this.#presence.set(conversationId, versionstamp);
    if (last !== versionstamp) this.#onPresence(conversationId);
  }

  #startWatch(conversationId: string): void {
    const keys = [headKey(conversationId), presenceRevKey(conversationId)];
    const reader = this.#kv.watch(keys).getReader();
    this.#watches.set(conversationId, reader);
    void (async () => {
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          const head = r.value[0]?.value as ConversationHead | null;
          if (head) this.#onHead(conversationId, head);
          this.#sawPresence(conversationId, r.value[1]?.versionstamp ?? null);
        }
      } catch (err) {
        if (this.#ids.has(conversationId)) log("warn", "head watch ended", describeError(err));
      }
    })();
  }
}
