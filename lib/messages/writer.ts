import { type HeadCache, newHeadCache, type SendRequest, type SendResult } from "./message.ts";
import { commitMessages, unfurlWrites } from "./send.ts";
import { type MessageIndexer, searchHooks } from "./index_port.ts";

/**
 * Per commit: a KV file allows 100 checks (one per conversation here; measured on Deno 2.9.6),
 * but a remote KV (denokv, Deno Deploy: denokv_proto's MAX_CHECKS) only 10, which a burst of
 * sends queued across more conversations broke (bench/remote.ts); 1,000 mutations and ~800 KiB.
 * Each conversation takes two mutations (its head and the notifier's pending marker,
 * lib/notify/dispatch.ts); the rest is shared by the messages (see `cost`).
 */
const MAX_CONVERSATIONS = 10;
const MAX_MESSAGES = 200;
const MAX_MUTATIONS = 1000 - 2 * MAX_CONVERSATIONS;
const MAX_BYTES = 480 * 1024;

type Pending = { request: SendRequest; resolve(r: SendResult): void; reject(e: unknown): void };

/**
 * What a message adds to a commit: its record twice (message and head) plus keys, its
 * clientId, its author's read mark and a reference per attached file. (Its search words
 * are the indexer's, in a commit of their own.) A reply adds its thread entry, two people's
 * thread entries and a change-log entry (the parent's record: see PARENT_BYTES).
 */
function cost(request: SendRequest): { bytes: number; writes: number } {
  const files = request.attachments ?? [];
  const bytes = 2 * (request.content.length * 3 + 400 + files.length * 1200);
  const reply = request.parentSeq !== undefined;
  // A message with a link also queues its preview's job (lib/previews) in the commit.
  const writes = 3 + files.length + (reply ? 4 : 0) + unfurlWrites(request);
  return { bytes: bytes + (reply ? 600 : 0), writes };
}

/**
 * A thread's parent is rewritten once per commit whatever number of its replies it holds,
 * and its size is not known when the batch is cut: counted at KV's largest value (reactions
 * can fill a record), plus its write.
 */
const PARENT_BYTES = 64 * 1024 + 200;

/**
 * Group commit: sends that arrive while a commit is in flight wait and go together in the
 * next one. Every commit fsyncs (~95 µs measured), so one message per commit tops out near
 * 2,000/s; batches lift that by an order of magnitude, and a lone send still commits at
 * once. Order is kept: requests commit in the order they were queued. The search index
 * follows each commit in the writer's own indexer (given where the writer is built, else
 * the installed search's: index_port.ts); a writer too far ahead of it waits before its
 * next commit (lib/search/indexer.ts: MAX_INDEX_LAG).
 */
export class MessageWriter {
  #kv: Deno.Kv;
  #queue: Pending[] = [];
  #running = false;
  /** The heads this writer committed last: most batches need not read them. */
  #heads: HeadCache = newHeadCache();
  #indexer: MessageIndexer | null;

  /** Without an indexer (and no search installed) nothing is indexed: see index_port.ts. */
  constructor(kv: Deno.Kv, indexer: MessageIndexer | null = searchHooks()?.indexer(kv) ?? null) {
    this.#kv = kv;
    this.#indexer = indexer;
  }

  /** Resolves when every message committed so far is in the search index. */
  async indexed(): Promise<void> {
    await this.#indexer?.idle();
  }

  /** Stops indexing after the commit in flight (for shutdown; see MessageIndexer.close). */
  close(): void {
    this.#indexer?.close();
  }

  /** Queues a message; resolves when it (and its batch) is committed. */
  send(request: SendRequest): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      if (!this.#running) void this.#run();
    });
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        await this.#indexer?.caughtUp();
        const batch = this.#take();
        try {
          const outcomes = await commitMessages(
            this.#kv,
            batch.map((p) => p.request),
            this.#heads,
            (stored) => this.#indexer?.stored?.(stored),
          );
          batch.forEach((p, i) => {
            const outcome = outcomes[i];
            if ("refused" in outcome) p.reject(outcome.refused);
            else p.resolve(outcome);
          });
          for (const o of outcomes) {
            if ("created" in o && o.created) this.#indexer?.add(o.message.conversationId, 1);
          }
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /** The longest prefix of the queue that fits one commit. */
  #take(): Pending[] {
    const conversations = new Set<string>();
    const parents = new Set<string>();
    let bytes = 0;
    let writes = 0;
    let n = 0;
    for (; n < this.#queue.length && n < MAX_MESSAGES; n++) {
      const { request } = this.#queue[n];
      const newConversation = !conversations.has(request.conversationId);
      if (n > 0 && newConversation && conversations.size >= MAX_CONVERSATIONS) break;
      const c = cost(request);
      const parent = request.parentSeq === undefined
        ? null
        : `${request.conversationId}\0${request.parentSeq}`;
      if (parent && !parents.has(parent)) {
        c.bytes += PARENT_BYTES;
        c.writes += 1;
      }
      if (n > 0 && bytes + c.bytes > MAX_BYTES) break;
      if (n > 0 && writes + c.writes > MAX_MUTATIONS) break;
      if (parent) parents.add(parent);
      conversations.add(request.conversationId);
      bytes += c.bytes;
      writes += c.writes;
    }
    return this.#queue.splice(0, n);
  }
}
