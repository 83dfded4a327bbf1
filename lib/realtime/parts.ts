import type { Connections } from "./connection.ts";
import type { Members } from "./members.ts";
import type { RoomPresence } from "./room_presence.ts";
import type { Rooms } from "./rooms.ts";
import type { SignalBus } from "./signals.ts";
import type { People } from "./people.ts";

/** The parts of one hub that its joins, evictions and answers to other hubs work with. */
export type HubParts = {
  kv: Deno.Kv;
  conns: Connections;
  rooms: Rooms;
  members: Members;
  presence: RoomPresence;
  /** Typing and list activity to the hubs of every process (signals.ts). */
  signals: SignalBus;
  /** Who is online anywhere, and who watches them here (people.ts). */
  people: People;
};
