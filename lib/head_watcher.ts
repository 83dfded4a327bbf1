import { describeError, log } from "./log.ts";
import { type ConversationHead, headKey } from "./messages.ts";
import { getManyChunked } from "./kv.ts";

type OnHead = (conversationId: string, head: ConversationHead) => void;

/**
 * Tells the hub when a watched conversation's head moves (a message, or a change of
 * participants), whoever wrote it. Two ways, both
 * only doorbells (the hub reads what it missed from KV):
 * - polling every `pollMs`: the floor that always works, including several processes on one
 *   local KV file (kv.watch does not fire across processes there) and lost doorbells;
 * - `kv.watch` per conversation when `watch` is on (a remote KV: it crosses instances).
 */
export class HeadWatcher {
  #kv: Deno.Kv;
  #onHead: OnHead;
  #ids = new Set<string>();
  #watches = new Map<string, ReadableStreamDefaultReader<Deno.KvEntryMaybe<unknown>[]>>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #watch: boolean;
  #polling = false;

  constructor(kv: Deno.Kv, onHead: OnHead, options: { pollMs: number; watch: boolean }) {
    this.#kv = kv;
    this.#onHead = onHead;
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
      const heads = await getManyChunked<ConversationHead>(this.#kv, ids.map(headKey));
      heads.forEach((h, i) => h.value && this.#onHead(ids[i], h.value));
    } catch (err) {
      log("warn", "head poll failed", describeError(err));
    } finally {
      this.#polling = false;
    }
  }

  #startWatch(conversationId: string): void {
    const reader = this.#kv.watch([headKey(conversationId)]).getReader();
    this.#watches.set(conversationId, reader);
    void (async () => {
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          const head = r.value[0]?.value as ConversationHead | null;
          if (head) this.#onHead(conversationId, head);
        }
      } catch (err) {
        if (this.#ids.has(conversationId)) log("warn", "head watch ended", describeError(err));
      }
    })();
  }
}
