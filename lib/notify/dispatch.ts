/**
 * The notifier: stored messages → pushes (and, with email on, missed-message entries and the
 * person's digest job). The commit that stores messages sets the conversation's pending marker
 * (lib/messages/send.ts); every process runs `startNotifier`, whose loop looks at pending
 * conversations about every second, reads the messages after the conversation's cursor that
 * are older than a short grace (a visible tab reads them first, and a read message is not
 * pushed), decides who hears of each, and in ONE commit checked on the cursor advances it and
 * queues the work (lib/outbound's outbox): two processes never queue the same push twice.
 * Who is told is notify_rules.ts.
 */
import type { Config } from "../../config.ts";
import { describeError, log, startPolling } from "../ops/mod.ts";
import { getConfirmedEmails } from "../accounts/mod.ts";
import {
  type Mail,
  MAIL_QUEUE,
  mailHandler,
  OutboxWorker,
  type WorkerOptions,
} from "../outbound/mod.ts";
import { notifyPendingPrefix } from "../storage/mod.ts";
import { digestHandler } from "./digest.ts";
import { DIGEST_QUEUE, notifyConversation } from "./notify_rules.ts";
import { PUSH_QUEUE, pushHandler, type PushJob } from "./push_send.ts";
import { ensurePushCounts } from "./push_counts.ts";

export {
  PUSH_QUEUE,
  PUSH_TTL_SECONDS,
  pushHandler,
  type PushJob,
  type PushNotification,
  retryAfter,
} from "./push_send.ts";
export {
  ensurePushCounts,
  PUSH_COUNTS_MIGRATION,
  recountPushSubscriptions,
} from "./push_counts.ts";
export {
  type ConfirmedEmails,
  DIGEST_QUEUE,
  notificationOf,
  notifyConversation,
  type NotifyOptions,
} from "./notify_rules.ts";

export type NotifierOptions = {
  /** false: nothing runs by itself (tests call runOnce and the workers' runDue). Default true. */
  start?: boolean;
  /** How often pending conversations are looked at (default 1 s). */
  pollMs?: number;
  /** How old a message must be before it is pushed: a visible tab reads it first (3 s). */
  graceMs?: number;
  /** The push queue's worker options (backoff, lease…). */
  push?: WorkerOptions;
  /** The "mail" and "mail_digest" workers' options (backoff, lease…). */
  mail?: WorkerOptions;
  /** Mutations per notifier commit (tests make it small to see a message split in commits). */
  maxMutations?: number;
  /** Conversations looked at per round (default 200). */
  pendingBatch?: number;
};

export type Notifier = {
  /** The push queue's worker (`runDue` for tests; `wake` after queueing). */
  push: OutboxWorker<PushJob>;
  /** With email on (config.email): the "mail" and "mail_digest" queues' workers. */
  mail: OutboxWorker<Mail> | null;
  digest: OutboxWorker<unknown> | null;
  /** Looks at every pending conversation once; how many jobs it queued. For tests too. */
  runOnce(now?: number): Promise<number>;
  /** Stops the loop and the workers; resolves when the work in flight is done. */
  stop(): Promise<void>;
};

/**
 * Conversations looked at per round at most; the next round goes on after the last one (a
 * conversation still within its grace never keeps the ones after it waiting).
 */
const PENDING_BATCH = 200;

/** Starts the notifier loop and the outbox workers of this process. */
export function startNotifier(
  ctx: { kv: Deno.Kv; config: Config },
  options: NotifierOptions = {},
): Notifier {
  const { kv, config } = ctx;
  const pollMs = options.pollMs ?? 1000;
  const graceMs = options.graceMs ?? 3000;
  const push = new OutboxWorker<PushJob>(kv, PUSH_QUEUE, pushHandler(kv, config), options.push);
  // Email, when configured: the mail queue (lib/outbound/mail.ts) and the digests, which
  // also run password-reset requests (lib/notify/digest.ts).
  const mail = config.email
    ? new OutboxWorker<Mail>(kv, MAIL_QUEUE, mailHandler(config), options.mail)
    : null;
  const digest = config.email
    ? new OutboxWorker<unknown>(kv, DIGEST_QUEUE, digestHandler(kv, config), options.mail)
    : null;
  const workers = [push, mail, digest].filter((w) => w !== null) as {
    start(): void;
    stop(): Promise<void>;
  }[];
  const email = config.email
    ? { confirmedEmails: getConfirmedEmails, delayMs: config.email.delayMs }
    : null;

  const batch = options.pendingBatch ?? PENDING_BATCH;
  let resumeAt: string | undefined;
  // A store from before the push counts is recounted before the first round (once a store).
  let counted: Promise<unknown> | null = null;
  const runOnce = async (now = Date.now()): Promise<number> => {
    counted ??= ensurePushCounts(kv).catch((err) => {
      counted = null;
      throw err;
    });
    await counted;
    const ids = new Set<string>();
    const list = (cursor?: string) =>
      kv.list({ prefix: notifyPendingPrefix() }, { limit: batch, cursor });
    let iter = list(resumeAt);
    for await (const e of iter) ids.add(String(e.key.at(-1)));
    if (ids.size < batch && resumeAt) {
      // The end of the list: the round goes on from its start.
      iter = list();
      for await (const e of iter) {
        if (ids.size >= batch || ids.has(String(e.key.at(-1)))) break;
        ids.add(String(e.key.at(-1)));
      }
    }
    resumeAt = ids.size >= batch ? iter.cursor : undefined;
    let queued = 0;
    for (const id of ids) {
      try {
        const result = await notifyConversation(kv, id, {
          now,
          graceMs,
          email,
          maxMutations: options.maxMutations,
        });
        queued += result.pushes + result.digests;
        if (result.pushes) push.wake();
        if (result.digests && email?.delayMs === 0) digest?.wake();
      } catch (err) {
        log("warn", "notifier: a conversation failed", {
          conversationId: id,
          ...describeError(err),
        });
      }
    }
    return queued;
  };

  const loop = options.start === false ? null : startPolling("notifier", runOnce, pollMs);
  if (loop) { for (const w of workers) w.start(); }
  return {
    push,
    mail,
    digest,
    runOnce,
    stop: async () => {
      await loop?.stop();
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}
