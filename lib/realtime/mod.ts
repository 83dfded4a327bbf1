/**
 * Real time (layer 9): the hub that delivers each message once and in order to every socket,
 * presence and typing, and the WebSocket it serves. What main, routes and other folders use.
 */
export { Hub, type HubOptions } from "./hub.ts";
export type { Connection } from "./connection.ts";
export { broadcastDoorbells, type Doorbell, type DoorbellChannel } from "./doorbells.ts";
export { serveSocket } from "./socket.ts";
