import { commitMessages, type HeadCache, type SendRequest, type SendResult } from "./messages.ts";
import { POSTING_SPAN, tokenize } from "./search_index.ts";

/**
 * Per commit: KV allows 100 checks (one per conversation here; measured on Deno 2.9.6),
 * 1,000 mutations and ~800 KiB.
 * Heads take one mutation per conversation; the rest is shared by the messages (see `cost`).
 */
const MAX_CONVERSATIONS = 50;
/** A commit's messages of one conversation are also a search posting's span. */
const MAX_MESSAGES = Math.min(200, POSTING_SPAN);
const MAX_MUTATIONS = 1000 - MAX_CONVERSATIONS;
const MAX_BYTES = 480 * 1024;

type Pending = { request: SendRequest; resolve(r: SendResult): void; reject(e: unknown): void };

/**
 * What a message adds to a commit: its record twice (message and head) plus keys, its
 * clientId, its author's read mark, a reference per attached file, and for each of its words not yet in the batch's
 * postings of its conversation a posting key (a word already there adds a seq and a time).
 */
function cost(
  request: SendRequest,
  words: Set<string>,
): { bytes: number; writes: number; newWords: string[] } {
  const newWords: string[] = [];
  const files = request.attachments ?? [];
  let bytes = 2 * (request.content.length * 3 + 400 + files.length * 1200);
  for (const t of request.tokens ?? []) {
    const slot = `${request.conversationId}\0${t}`;
    if (words.has(slot)) {
      bytes += 20;
    } else {
      newWords.push(slot);
      bytes += t.length * 3 + 100;
    }
  }
  return { bytes, writes: 3 + files.length + newWords.length, newWords };
}

/**
 * Group commit: sends that arrive while a commit is in flight wait and go together in the
 * next one. Every commit fsyncs (~95 µs measured), so one message per commit tops out near
 * 2,000/s; batches lift that by an order of magnitude, and a lone send still commits at
 * once. Order is kept: requests commit in the order they were queued.
 */
export class MessageWriter {
  #kv: Deno.Kv;
  #queue: Pending[] = [];
  #running = false;
  /** The heads this writer committed last: most batches need not read them. */
  #heads: HeadCache = new Map();

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** Queues a message; resolves when it (and its batch) is committed. */
  send(request: SendRequest): Promise<SendResult> {
    // Tokenized once, here: #take needs the count, commitMessages the words.
    request = { ...request, tokens: request.tokens ?? tokenize(request.content) };
    return new Promise((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      if (!this.#running) void this.#run();
    });
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take();
        try {
          const outcomes = await commitMessages(
            this.#kv,
            batch.map((p) => p.request),
            this.#heads,
          );
          batch.forEach((p, i) => {
            const outcome = outcomes[i];
            if ("refused" in outcome) p.reject(outcome.refused);
            else p.resolve(outcome);
          });
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
    const words = new Set<string>();
    let bytes = 0;
    let writes = 0;
    let n = 0;
    for (; n < this.#queue.length && n < MAX_MESSAGES; n++) {
      const { request } = this.#queue[n];
      const newConversation = !conversations.has(request.conversationId);
      if (n > 0 && newConversation && conversations.size >= MAX_CONVERSATIONS) break;
      const c = cost(request, words);
      if (n > 0 && bytes + c.bytes > MAX_BYTES) break;
      if (n > 0 && writes + c.writes > MAX_MUTATIONS) break;
      conversations.add(request.conversationId);
      for (const w of c.newWords) words.add(w);
      bytes += c.bytes;
      writes += c.writes;
    }
    return this.#queue.splice(0, n);
  }
}
