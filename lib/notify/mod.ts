/**
 * Notifications beyond the open tab (layer 10, above realtime): who wants to hear of what
 * (prefs.ts), the notifier that turns stored messages into pushes and emails (dispatch.ts),
 * Web Push (push.ts) and the missed-messages email (digest.ts). Each file's exports are the
 * folder's: the files are owned by different people while issue 18 is built.
 */
export * from "./prefs.ts";
export * from "./dispatch.ts";
export * from "./push.ts";
export * from "./digest.ts";
