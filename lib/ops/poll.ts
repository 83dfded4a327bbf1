import { describeError, log } from "./log.ts";

/**
 * Runs `round` at once and then `pollMs` after each round ends (never two at a time), until
 * stopped; a failed round is logged as `what` and the loop goes on. `stop()` resolves when the
 * round in flight is done. The notifier and the outgoing webhooks poll this way.
 */
export function startPolling(
  what: string,
  round: () => Promise<unknown>,
  pollMs: number,
): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<unknown> | null = null;
  const tick = async () => {
    if (stopped) return;
    try {
      await (running = round());
    } catch (err) {
      log("warn", `${what} round failed`, describeError(err));
    } finally {
      running = null;
    }
    if (!stopped) timer = setTimeout(tick, pollMs);
  };
  let timer = setTimeout(tick, 0);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}
