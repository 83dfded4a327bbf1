/**
 * "This account's sockets must end now" (said by whoever disables, deletes or resets an
 * account; the admin CLI is a separate process) and "some of its sessions ended" (said by
 * every revocation of a session: sign-out, password change, a sign-in replacing one), heard by every hub, whatever process or
 * instance it runs in. kv.watch does not cross processes on a local file and BroadcastChannel
 * does not leave the process, so each hub polls one small key, `["account_events"]`, about
 * once a second: one read a second per hub, nothing per message.
 */
import { accountEventsKey, commitWithRetry } from "../storage/mod.ts";
import { describeError, log } from "../ops/mod.ts";

/**
 * One event: the account closed (disabled, deleted, reset: every socket of it ends), or, with
 * `kind: "sessions"`, some of its sessions ended (each hub checks the sessions of the user's
 * sockets it holds: see sessions.ts, which publishes it in the commit that deletes them).
 */
type AccountEvent = { epoch: number; userId: string; at: string; kind?: "sessions" };

/** The last events, newest last; `epoch` counts every event ever published. */
type AccountEvents = { epoch: number; recent: AccountEvent[] };

/** Events kept: a hub that missed more than these (asleep for a long time) re-checks everyone. */
const KEEP = 200;

/**
 * Adds an event to `op` (checked against the events as read, so a lost race retries): the
 * event commits with what it tells of, or not at all. (Nothing is returned: an atomic
 * operation cannot be the value of a promise.)
 */
export async function withAccountEvent(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  event: { userId: string; kind?: "sessions" },
): Promise<void> {
  const entry = await kv.get<AccountEvents>(accountEventsKey());
  const epoch = (entry.value?.epoch ?? 0) + 1;
  const recent = [
    ...(entry.value?.recent ?? []),
    { epoch, ...event, at: new Date().toISOString() },
  ].slice(-KEEP);
  // Ephemeral: gone an hour after the last event (a hub then starts counting from 0 again).
  op.check(entry).set(accountEventsKey(), { epoch, recent }, { expireIn: 60 * 60_000 });
}

/** Tells every hub to close the user's sockets. */
export async function publishAccountEvent(kv: Deno.Kv, userId: string): Promise<void> {
  await commitWithRetry(async () => {
    const op = kv.atomic();
    await withAccountEvent(kv, op, { userId });
    return (await op.commit()).ok ? true : null;
  });
}

type Handlers = {
  onUser: (userId: string) => void;
  /** Some of the user's sessions ended (absent: treated as onUser). */
  onSessions?: (userId: string) => void;
  onMissed: () => void;
};

/**
 * Polls the events key; calls `onUser` for each user named since the last poll, or
 * `onMissed` when more happened than the key keeps. Events from before it started are ignored.
 */
export class AccountEventWatcher {
  #kv: Deno.Kv;
  #seen: number | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #polling = false;

  constructor(
    kv: Deno.Kv,
    handlers: Handlers,
    options: { pollMs: number },
  ) {
    this.#kv = kv;
    void this.#poll(handlers);
    if (options.pollMs > 0) {
      this.#timer = setInterval(() => void this.#poll(handlers), options.pollMs);
      Deno.unrefTimer(this.#timer);
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #poll(handlers: Handlers) {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const events = (await this.#kv.get<AccountEvents>(accountEventsKey())).value;
      const epoch = events?.epoch ?? 0;
      const seen = this.#seen;
      this.#seen = epoch;
      if (seen === null || epoch === seen || !events) return;
      // Behind what was seen: the key expired and a publish began again from 1 between two
      // polls, so every event in it is new.
      const after = epoch < seen ? 0 : seen;
      const missed = events.recent.length === 0 || events.recent[0].epoch > after + 1;
      if (missed) return handlers.onMissed();
      for (const e of events.recent) {
        if (e.epoch <= after) continue;
        if (e.kind === "sessions" && handlers.onSessions) handlers.onSessions(e.userId);
        else handlers.onUser(e.userId);
      }
    } catch (err) {
      log("warn", "account event poll failed", describeError(err));
    } finally {
      this.#polling = false;
    }
  }
}
