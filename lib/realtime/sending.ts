import { getConversationRecord } from "../conversations/mod.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import {
  archivedError,
  changeMessage,
  type ChangeResult,
  type Message,
  type MessageChange,
  MessageWriter,
  noteThreadMentions,
  type SendInput,
  type SendResult,
  type SystemRecord,
  systemRequest,
} from "../messages/mod.ts";
import { BatchedRateLimit, describeError, log, metrics } from "../ops/mod.ts";
import { LruCache } from "../storage/mod.ts";
import { SearchIndexer } from "../search/mod.ts";
import type { User } from "../accounts/mod.ts";
import type { Connection } from "./connection.ts";
import type { Doorbells } from "./doorbells.ts";
import type { HubParts } from "./parts.ts";

/**
 * Sends and changes through one hub: each is committed to KV first (the writer batches
 * commits), then delivered to the rooms here, shown in the participants' lists here, and
 * rung to the other workers.
 */
export class Sender {
  #parts: HubParts;
  #doorbells: Doorbells;
  #writer: MessageWriter;
  #sendLimit: BatchedRateLimit | undefined;
  /**
   * Per conversation, the head's `members` counter under which it was read not to be
   * archived. Archiving moves the counter, so a send under the same counter needs no read;
   * one under another reads the record once (and the commit re-checks a counter that moved).
   */
  #open = new LruCache<string, number>({ maxEntries: 10_000 });

  constructor(
    parts: HubParts,
    doorbells: Doorbells,
    options: { sendLimit?: { limit: number; windowMs: number; scale: number } },
  ) {
    this.#parts = parts;
    this.#doorbells = doorbells;
    this.#writer = new MessageWriter(parts.kv, new SearchIndexer(parts.kv));
    this.#sendLimit = options.sendLimit && new BatchedRateLimit(parts.kv, options.sendLimit);
  }

  /**
   * Resolves once the message has its place in the write queue (the order of one sender's
   * messages is the order of these calls), with `stored` for the commit. Throws
   * NotFoundError for a non-participant and ConflictError `archived` for an archived channel
   * (now, or from `stored` when found at the commit).
   */
  async enqueue(
    author: User,
    input: SendInput,
    from?: Connection,
  ): Promise<{ stored: Promise<SendResult> }> {
    const { conversationId } = input;
    const { rooms, members } = this.#parts;
    const { participantIds, members: counter } = await members.forSend(
      author.id,
      conversationId,
      rooms.get(conversationId),
      from,
    );
    await this.#requireOpen(conversationId, counter);
    this.#sendLimit?.hit(["send", author.id]);
    const stored = this.#writer.send({ author, ...input, members: counter }).then((result) => {
      if (result.members !== counter) members.forget(conversationId);
      if (result.created) {
        this.#delivered(result.message, participantIds);
        if (result.parent) {
          this.#changed(conversationId, result.parent);
          void noteThreadMentions(this.#parts.kv, result.message, participantIds).catch((err) =>
            log("warn", "thread mentions failed", describeError(err))
          );
        }
      }
      return result;
    }, (err) => {
      if (err instanceof NotFoundError || err instanceof ConflictError) {
        members.forget(conversationId);
      }
      throw err;
    });
    return { stored };
  }

  /**
   * Stores a system message by `actor` (who need not take part any more: a leave is written
   * after it) and delivers it like any message: to the room, and to the lists of the people
   * who take part once the change it tells of was made (someone just added sees the
   * conversation appear; someone removed hears nothing more).
   */
  async sendSystem(actor: User, conversationId: string, system: SystemRecord): Promise<Message> {
    const { kv, members } = this.#parts;
    const request = await systemRequest(kv, actor, conversationId, system);
    // Who takes part changed (most system messages tell of that): the cache reads again.
    members.forget(conversationId);
    this.#open.delete(conversationId);
    const result = await this.#writer.send(request);
    const record = await getConversationRecord(kv, conversationId).catch(() => null);
    if (result.created) this.#delivered(result.message, record?.participantIds ?? []);
    return result.message;
  }

  /** A message was stored: the room, the lists here and on other hubs, the other workers. */
  #delivered(message: Message, participantIds: string[]): void {
    const { conversationId, seq } = message;
    metrics.messagesStored.inc();
    this.#parts.rooms.deliver(conversationId, seq, message);
    this.#parts.conns.notifyLists(participantIds, message);
    this.#doorbells.ringMessage(conversationId, seq, participantIds);
    this.#activity(conversationId, seq, participantIds);
  }

  /** Throws ConflictError `archived` when the conversation is an archived channel. */
  async #requireOpen(conversationId: string, counter: number): Promise<void> {
    if (this.#open.get(conversationId) === counter) return;
    const record = await getConversationRecord(this.#parts.kv, conversationId);
    if (record?.archived === true) throw archivedError();
    this.#open.set(conversationId, counter);
  }

  /** See Hub.changeMessage. */
  async change(
    user: User,
    target: { conversationId: string; seq: number },
    change: MessageChange,
  ): Promise<ChangeResult> {
    // A file's removal follows a deletion already allowed and counted: it is no one's send.
    // A found link preview is the server's own (its worker), no one's send either.
    const servers = change.kind === "detach" || (change.kind === "preview" && change.preview);
    if (!servers) this.#sendLimit?.hit(["send", user.id]);
    const result = await changeMessage(this.#parts.kv, user, target, change);
    if (result.rev !== null) {
      this.#changed(target.conversationId, { message: result.message, rev: result.rev });
      // Reactions and previews change nothing a conversation list shows.
      const listed = change.kind !== "react" && change.kind !== "preview";
      if (result.last && listed) void this.#notifyLast(result.message);
    }
    return result;
  }

  /**
   * A message changed (an edit, a reaction, a thread parent a reply moved): the room here
   * gets `message_updated` in rev order, the other workers a doorbell.
   */
  #changed(conversationId: string, known: { message: Message; rev: number }): void {
    this.#parts.rooms.deliverChanges(conversationId, known.rev, known);
    this.#doorbells.ring({ kind: "change", conversationId, rev: known.rev });
  }

  /** Resolves when every message stored here is in the search index. */
  async indexed(): Promise<void> {
    await this.#writer.indexed();
  }

  close(): void {
    this.#sendLimit?.close();
    this.#writer.close();
  }

  /**
   * The last message was edited, deleted or lost a file: every participant's list shows it
   * (an `activity` frame with its seq; other processes hear the doorbell and do the same).
   */
  async #notifyLast(message: Message): Promise<void> {
    const { kv, conns } = this.#parts;
    const record = await getConversationRecord(kv, message.conversationId).catch(() => null);
    if (!record) return;
    conns.notifyLists(record.participantIds, message);
    this.#doorbells.ringMessage(message.conversationId, message.seq, record.participantIds);
    this.#activity(message.conversationId, message.seq, record.participantIds);
  }

  /** Tells the lists on every other hub (a large group's people are read there instead). */
  #activity(conversationId: string, seq: number, participantIds: string[]): void {
    this.#parts.signals.publish({
      kind: "activity",
      conversationId,
      seq,
      ...(participantIds.length <= 200 ? { participantIds } : {}),
    });
  }
}
