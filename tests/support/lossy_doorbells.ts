import type { Doorbell, DoorbellChannel } from "../../lib/realtime/mod.ts";

/**
 * A doorbell channel that throws away a share (0..1) of what it rings, as a BroadcastChannel
 * does in bursts: for tests that delivery never depends on a doorbell arriving.
 */
export function lossyDoorbells(
  channel: DoorbellChannel,
  dropShare: number,
  random: () => number = Math.random,
): DoorbellChannel {
  return {
    post: (bell: Doorbell) => {
      if (random() < dropShare) return;
      channel.post(bell);
    },
    listen: (onBell) => channel.listen(onBell),
    close: () => channel.close(),
  };
}
