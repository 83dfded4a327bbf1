import assert from "node:assert/strict";
import type { Message } from "../../lib/shared/message.ts";
import type { ServerFrame } from "../../lib/shared/protocol.ts";
import { nextRev } from "./chat_socket.ts";

const message = { conversationId: "c" } as Message;
const recent = (rev: number): ServerFrame => ({
  type: "recent_messages",
  conversationId: "c",
  messages: [],
  rev,
});
const updated = (rev: number): ServerFrame => ({ type: "message_updated", message, rev });

Deno.test("nextRev: a first join starts at its rev; a rejoin waits for the replayed changes", () => {
  assert.equal(nextRev(undefined, recent(7)), 7);
  // Rejoined with rev 7, the head is at 12: changes 8..12 follow. Lost before them, the next
  // rejoin must still ask from 7.
  assert.equal(nextRev(7, recent(12)), 7);
  assert.equal(nextRev(7, updated(9)), 9);
  assert.equal(nextRev(9, updated(8)), 9);
  assert.equal(nextRev(9, { type: "message_updated", message }), 9);
});
