/**
 * Push on this device once notifications are allowed from the sidebar's offer
 * (NotificationOffer.tsx loads this then, so the pages that show the offer need not load
 * the push code).
 */
import { pushSupported, subscribeDevice } from "../parts/push_device.ts";

/** Subscribes this device to pushes where the browser can take them. */
export async function turnOnPush(): Promise<void> {
  if (pushSupported()) await subscribeDevice();
}
