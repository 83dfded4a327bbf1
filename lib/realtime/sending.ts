import { getConversationRecord } from "../conversations/mod.ts";
import { NotFoundError } from "../errors.ts";
import {
  changeMessage,
  type ChangeResult,
  type Message,
  type MessageChange,
  MessageWriter,
  type SendInput,
  type SendResult,
} from "../messages/mod.ts";
import { BatchedRateLimit, metrics } from "../ops/mod.ts";
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
   * NotFoundError for a non-participant (now, or from `stored` when found at the commit).
   */
  async enqueue(
    author: User,
    input: SendInput,
    from?: Connection,
  ): Promise<{ stored: Promise<SendResult> }> {
    const { conversationId } = input;
    const { conns, rooms, members } = this.#parts;
    const { participantIds, members: counter } = await members.forSend(
      author.id,
      conversationId,
      rooms.get(conversationId),
      from,
    );
    this.#sendLimit?.hit(["send", author.id]);
    const stored = this.#writer.send({ author, ...input, members: counter }).then((result) => {
      if (result.members !== counter) members.forget(conversationId);
      if (result.created) {
        metrics.messagesStored.inc();
        rooms.deliver(conversationId, result.message.seq, result.message);
        conns.notifyLists(participantIds, result.message);
        this.#doorbells.ringMessage(conversationId, result.message.seq, participantIds);
        this.#activity(conversationId, result.message.seq, participantIds);
      }
      return result;
    }, (err) => {
      if (err instanceof NotFoundError) members.forget(conversationId);
      throw err;
    });
    return { stored };
  }

  /** See Hub.changeMessage. */
  async change(
    user: User,
    target: { conversationId: string; seq: number },
    change: MessageChange,
  ): Promise<ChangeResult> {
    // A file's removal follows a deletion already allowed and counted: it is no one's send.
    if (change.kind !== "detach") this.#sendLimit?.hit(["send", user.id]);
    const result = await changeMessage(this.#parts.kv, user, target, change);
    if (result.rev !== null) {
      const { conversationId } = target;
      this.#parts.rooms.deliverChanges(conversationId, result.rev, {
        message: result.message,
        rev: result.rev,
      });
      this.#doorbells.ring({ kind: "change", conversationId, rev: result.rev });
      if (result.last && change.kind !== "react") void this.#notifyLast(result.message);
    }
    return result;
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
