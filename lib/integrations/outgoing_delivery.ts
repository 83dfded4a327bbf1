/**
 * Outgoing webhooks' deliveries, without touching the send path. Every process runs
 * `startOutgoingWebhooks`: its loop lists the conversations that have outgoing webhooks
 * (their `outgoingCursorKey`), reads their heads, and for one whose head passed its cursor
 * reads the new messages (≤100 a round) and in ONE commit checked on the cursor advances it
 * and queues a job per (webhook, matching message) in lib/outbound's outbox, with the
 * delivery id `<hookId>.<seq>`: two processes never queue a message twice, and a retried
 * delivery keeps its id. The "webhook" queue's worker POSTs each, signed; a 2xx answer's
 * `{text}` is posted back as the webhook's bot with the delivery id as its clientId (a
 * repeated delivery never posts twice). Failures worth retrying are retried with backoff for
 * 24 h (the outbox's maxAgeMs); every attempt is logged for a week.
 */
import type { Config } from "../../config.ts";
import { getActiveUserById, getUsersByIds } from "../accounts/mod.ts";
import type { ConversationHead, ConversationRecord } from "../conversations/mod.ts";
import { AppError } from "../errors.ts";
import { contentSchema, type MessageRecord, withAuthors } from "../messages/mod.ts";
import { retryAfter } from "../notify/mod.ts";
import { describeError, log, startPolling } from "../ops/mod.ts";
import {
  AddressRefusedError,
  enqueue,
  guardedFetch,
  type Job,
  OutboxWorker,
  type Outcome,
  type WorkerOptions,
} from "../outbound/mod.ts";
import type { Hub } from "../realtime/mod.ts";
import { MAX_MESSAGE_CHARS } from "../shared/limits.ts";
import {
  conversationKey,
  deliveryLogKey,
  getManyChunked,
  headKey,
  messageKey,
  outgoingCursorKey,
  outgoingCursorsPrefix,
  outgoingHookKey,
  outgoingHooksPrefix,
} from "../storage/mod.ts";
import type { DeliveryEntry, OutgoingHookRecord } from "./outgoing_types.ts";

export const OUTGOING_QUEUE = "webhook";
/** One delivery: a message of a conversation to one of its webhooks (read when it is sent). */
export type OutgoingJob = { conversationId: string; hookId: string; seq: number };

/** Messages read per conversation per commit. */
const MESSAGES_PER_COMMIT = 100;
/** Jobs per commit (two mutations each, and the cursor's): well inside KV's limits. */
const MAX_JOBS_PER_COMMIT = 300;
/** Commits per conversation per round (the next round goes on). */
const STEPS_PER_ROUND = 5;
const WEEK_MS = 7 * 24 * 60 * 60_000;

export type OutgoingWebhooksOptions = {
  /** false: nothing runs by itself (tests call runOnce and worker.runDue). Default true. */
  start?: boolean;
  /** How often the cursors are looked at, and the queue (default 500 ms). */
  pollMs?: number;
  /** The "webhook" queue worker's options (backoff, lease, maxAgeMs…). */
  worker?: WorkerOptions;
  /** One delivery's whole exchange (default 10 s). */
  timeoutMs?: number;
};

/** This process's outgoing-webhook loop and delivery worker. */
export type OutgoingWebhooks = {
  worker: OutboxWorker<OutgoingJob>;
  /** Looks at every conversation with outgoing webhooks once; how many jobs it queued. */
  runOnce(now?: number): Promise<number>;
  stop(): Promise<void>;
};

/** Starts this process's loop and the "webhook" queue's worker. */
export function startOutgoingWebhooks(
  ctx: { kv: Deno.Kv; config: Config; hub?: Hub },
  options: OutgoingWebhooksOptions = {},
): OutgoingWebhooks {
  const { kv } = ctx;
  const pollMs = options.pollMs ?? 500;
  const worker = new OutboxWorker<OutgoingJob>(
    kv,
    OUTGOING_QUEUE,
    outgoingHandler(ctx, { timeoutMs: options.timeoutMs }),
    { pollMs, ...options.worker },
  );

  const runOnce = async (): Promise<number> => {
    const cursors = new Map<string, number>();
    for await (const e of kv.list<number>({ prefix: outgoingCursorsPrefix() })) {
      cursors.set(String(e.key.at(-1)), e.value);
    }
    if (cursors.size === 0) return 0;
    const ids = [...cursors.keys()];
    const heads = await getManyChunked<ConversationHead>(kv, ids.map((id) => headKey(id)));
    let queued = 0;
    for (const [i, id] of ids.entries()) {
      if ((heads[i].value?.seq ?? 0) <= cursors.get(id)!) continue;
      try {
        for (let step = 0; step < STEPS_PER_ROUND; step++) {
          const result = await queueOutgoing(kv, id);
          queued += result.queued;
          if (!result.more) break;
        }
      } catch (err) {
        log("warn", "outgoing webhooks: a conversation failed", {
          conversationId: id,
          ...describeError(err),
        });
      }
    }
    if (queued > 0) worker.wake();
    return queued;
  };

  const loop = options.start === false ? null : startPolling("outgoing webhooks", runOnce, pollMs);
  if (loop) worker.start();
  return {
    worker,
    runOnce,
    stop: async () => {
      await loop?.stop();
      await worker.stop();
    },
  };
}

/** Does this webhook want this message? (System, deleted and bots' messages never.) */
function matches(
  hook: OutgoingHookRecord,
  record: MessageRecord,
  bots: Set<string>,
): boolean {
  if (!hook.events.includes("message")) return false;
  if (record.kind === "system" || record.deletedAt || bots.has(record.authorId)) return false;
  // A message from before the webhook (a cursor left behind by others) is not its business.
  if (record.seq <= (hook.afterSeq ?? 0)) return false;
  if (hook.triggerWords.length === 0) return true;
  const first = record.content.trim().split(/\s+/, 1)[0]?.toLowerCase() ?? "";
  return hook.triggerWords.includes(first);
}

/**
 * Queues the deliveries of the conversation's messages after its cursor (one commit, checked
 * on the cursor). Returns how many jobs it queued and whether messages remain.
 */
export async function queueOutgoing(
  kv: Deno.Kv,
  conversationId: string,
): Promise<{ queued: number; more: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const [cursor, head] = await kv.getMany<[number, ConversationHead]>([
      outgoingCursorKey(conversationId),
      headKey(conversationId),
    ]);
    if (cursor.value === null) return { queued: 0, more: false };
    const from = cursor.value;
    const last = head.value?.seq ?? 0;
    if (last <= from) return { queued: 0, more: false };
    const hooks: OutgoingHookRecord[] = [];
    for await (
      const e of kv.list<OutgoingHookRecord>({ prefix: outgoingHooksPrefix(conversationId) })
    ) {
      hooks.push(e.value);
    }
    const records: MessageRecord[] = [];
    const iter = kv.list<MessageRecord>({
      start: messageKey(conversationId, from + 1),
      end: messageKey(conversationId, Math.min(last, from + MESSAGES_PER_COMMIT) + 1),
    }, { batchSize: MESSAGES_PER_COMMIT });
    for await (const e of iter) records.push(e.value);
    const authors = [...new Set(records.map((r) => r.authorId))];
    const bots = new Set(
      (await getUsersByIds(kv, authors)).filter((u) => u.isBot).map((u) => u.id),
    );
    const jobs: OutgoingJob[] = [];
    let upTo = from;
    for (const record of records) {
      const wanted = hooks.filter((h) => matches(h, record, bots));
      if (upTo > from && jobs.length + wanted.length > MAX_JOBS_PER_COMMIT) break;
      for (const h of wanted) jobs.push({ conversationId, hookId: h.id, seq: record.seq });
      upTo = record.seq;
    }
    // Seqs have no gaps, but a message may be missing (its conversation going): past them.
    if (records.length === 0 || upTo === records.at(-1)!.seq) {
      upTo = Math.min(last, from + MESSAGES_PER_COMMIT);
    }
    const op = kv.atomic().check(cursor).set(outgoingCursorKey(conversationId), upTo);
    for (const job of jobs) enqueue(op, OUTGOING_QUEUE, job, { id: `${job.hookId}.${job.seq}` });
    if ((await op.commit()).ok) return { queued: jobs.length, more: upTo < last };
  }
  return { queued: 0, more: true };
}

/** `sha256=<hex HMAC-SHA256 of body with secret>`: what X-Hearth-Signature carries. */
export async function signBody(secret: string, body: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body as BufferSource));
  return "sha256=" + Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The "webhook" queue's handler: one delivery attempt. */
export function outgoingHandler(
  ctx: { kv: Deno.Kv; config: Config; hub?: Hub },
  options: { timeoutMs?: number } = {},
): (job: Job<OutgoingJob>) => Promise<Outcome> {
  const { kv, config } = ctx;
  return async (job) => {
    const { conversationId, hookId, seq } = job.payload;
    const [hook, record, conv] = await kv.getMany<
      [OutgoingHookRecord, MessageRecord, ConversationRecord]
    >([
      outgoingHookKey(conversationId, hookId),
      messageKey(conversationId, seq),
      conversationKey(conversationId),
    ]);
    // The webhook (or its conversation) is gone, or the message was deleted: dropped.
    if (!hook.value || !conv.value || !record.value || record.value.deletedAt) return "done";
    // A webhook sends only what the person who made it may still read: not once their
    // account is disabled or they have left the conversation (dropped, logged).
    const creator = conv.value.participantIds.includes(hook.value.createdBy)
      ? await getActiveUserById(kv, hook.value.createdBy)
      : null;
    if (!creator) {
      await logAttempt(kv, hookId, {
        id: job.id,
        seq,
        at: new Date().toISOString(),
        attempt: job.attempt + 1,
        status: null,
        ok: false,
        error: "not sent: its creator no longer takes part in the conversation",
        ms: 0,
      });
      return "done";
    }
    const [message] = await withAuthors(kv, [record.value]);
    const body = new TextEncoder().encode(JSON.stringify({
      event: "message",
      conversation: { id: conv.value.id, kind: conv.value.kind, title: conv.value.title },
      message,
    }));
    const headers = new Headers({
      "Content-Type": "application/json",
      "User-Agent": "Hearth-Webhooks",
      "X-Hearth-Event": "message",
      "X-Hearth-Delivery": job.id,
      "X-Hearth-Signature": await signBody(hook.value.secret, body),
    });
    const at = Date.now();
    const started = performance.now();
    const entry = (status: number | null, ok: boolean, error: string | null): DeliveryEntry => ({
      id: job.id,
      seq,
      at: new Date(at).toISOString(),
      attempt: job.attempt + 1,
      status,
      ok,
      error,
      ms: Math.round(performance.now() - started),
    });
    let res;
    try {
      res = await guardedFetch(hook.value.url, { method: "POST", headers, body }, {
        allowPrivate: config.webhooks.allowPrivate,
        timeoutMs: options.timeoutMs ?? 10_000,
        maxBytes: 64 * 1024,
        maxRedirects: 0,
      });
    } catch (err) {
      if (err instanceof AddressRefusedError) {
        await logAttempt(kv, hookId, entry(null, false, `address refused: ${err.reason}`));
        return "done";
      }
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      await logAttempt(kv, hookId, entry(null, false, reason.slice(0, 300)));
      return { reason: `webhook unreachable: ${reason}` };
    }
    const { status } = res;
    if (status >= 200 && status < 300) {
      const text = answerText(res.headers, res.body);
      let error: string | null = null;
      if (text !== null) {
        error = await postAnswer(ctx, hook.value, job.id, text, record.value.parentSeq ?? null);
      }
      await logAttempt(kv, hookId, entry(status, true, error));
      return "done";
    }
    if (status === 408 || status === 429 || status >= 500) {
      await logAttempt(kv, hookId, entry(status, false, `answered ${status}`));
      return { reason: `webhook answered ${status}`, retryInMs: retryAfter(res.headers) };
    }
    // Another answer (a 3xx: redirects are not followed; a 4xx): sending again would not help.
    await logAttempt(kv, hookId, entry(status, false, `answered ${status}: not retried`));
    return "done";
  };
}

/** A JSON answer's non-empty string `text`, else null. */
function answerText(headers: Headers, body: Uint8Array): string | null {
  if (!(headers.get("content-type") ?? "").toLowerCase().includes("json")) return null;
  try {
    const value = JSON.parse(new TextDecoder().decode(body));
    const text = value && typeof value === "object" ? value.text : undefined;
    return typeof text === "string" && text.trim() !== "" ? text : null;
  } catch {
    return null;
  }
}

/**
 * Posts the receiver's answer as the webhook's bot (clientId: the delivery's id, so a
 * repeated delivery posts once), in the message's thread when it was a reply. Returns what went wrong (logged with the attempt), or null.
 * A refusal (archived, the bot gone) is not retried; a store failure throws (retried).
 */
async function postAnswer(
  ctx: { kv: Deno.Kv; hub?: Hub },
  hook: OutgoingHookRecord,
  deliveryId: string,
  text: string,
  parentSeq: number | null,
): Promise<string | null> {
  if (!ctx.hub) return "answer not posted: no hub in this process";
  const [bot] = await getUsersByIds(ctx.kv, [hook.botId]);
  if (!bot) return "answer not posted: the webhook's bot is gone";
  const content = text.length > MAX_MESSAGE_CHARS
    ? text.slice(0, MAX_MESSAGE_CHARS - 1) + "…"
    : text;
  if (!contentSchema.safeParse(content).success) return "answer not posted: empty text";
  try {
    await ctx.hub.send(bot, {
      conversationId: hook.conversationId,
      content,
      clientId: deliveryId,
      // A reply in a thread is answered in that thread.
      ...(parentSeq ? { parentSeq } : {}),
    });
    return null;
  } catch (err) {
    if (err instanceof AppError) return `answer not posted: ${err.message}`;
    throw err;
  }
}

/** Writes one attempt to the webhook's log (a week); best-effort. */
async function logAttempt(kv: Deno.Kv, hookId: string, entry: DeliveryEntry): Promise<void> {
  try {
    await kv.set(
      deliveryLogKey(hookId, Date.parse(entry.at), `${entry.id}.${entry.attempt}`),
      entry,
      {
        expireIn: WEEK_MS,
      },
    );
  } catch (err) {
    log("warn", "webhook delivery not logged", { hookId, ...describeError(err) });
  }
}
