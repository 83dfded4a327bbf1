/** What outgoing webhooks store and show (outgoing.ts, outgoing_delivery.ts). */

/** As stored. */
export type OutgoingHookRecord = {
  id: string;
  conversationId: string;
  name: string;
  url: string;
  events: "message"[];
  triggerWords: string[];
  /** Signs each delivery (HMAC-SHA256); shown once, at creation. */
  secret: string;
  /** The bot account its answers post as. */
  botId: string;
  createdBy: string;
  createdAt: string;
  /** The conversation's last seq when it was made: only later messages are its business. */
  afterSeq?: number;
};

/** One attempt at a delivery, as logged. */
export type DeliveryEntry = {
  /** The delivery's id (`<hookId>.<seq>`: the same for each attempt of it). */
  id: string;
  seq: number;
  at: string;
  attempt: number;
  /** The receiver's HTTP status; null when there was no answer. */
  status: number | null;
  ok: boolean;
  error: string | null;
  /** How long the attempt took. */
  ms: number;
};

/** What participants see of an outgoing webhook (never the secret). */
export type OutgoingWebhookInfo = Omit<
  OutgoingHookRecord,
  "secret" | "conversationId" | "afterSeq"
>;
