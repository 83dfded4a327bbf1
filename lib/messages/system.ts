/**
 * System messages: a join, leave, addition, removal, rename, topic, archiving or pin, stored
 * as the conversation's next seq like any message (the hub sends them: Hub.sendSystem), with
 * `kind: "system"`, the facts in `system` and the sentence in `content`. Never edited,
 * deleted or reacted to (changes.ts), not indexed for search (lib/search/indexer.ts), and
 * written whether or not their author still takes part (a leave is written after it).
 */
import { getUsersByIds } from "../accounts/mod.ts";
import { ConflictError } from "../errors.ts";
import type { MessageRecord, SystemRecord } from "../shared/message.ts";
import { systemSentence } from "../shared/system_text.ts";
import type { User } from "../shared/user.ts";
import type { SendRequest } from "./message.ts";

/** Whether a stored message (or one as the API shows it) is a system message. */
export function isSystem(m: Pick<MessageRecord, "kind">): boolean {
  return m.kind === "system";
}

/** The refusal of an edit, a delete or a reaction on a system message. */
export function systemMessageError(): ConflictError {
  return new ConflictError(
    "System messages can't be edited, deleted or reacted to.",
    "system_message",
  );
}

/**
 * The send of a system message by `actor` (the people it names are read, once, for the
 * sentence and the message sent out).
 */
export async function systemRequest(
  kv: Deno.Kv,
  actor: User,
  conversationId: string,
  system: SystemRecord,
): Promise<SendRequest> {
  const ids = [...new Set(system.userIds ?? [])];
  const found = new Map((await getUsersByIds(kv, ids)).map((u) => [u.id, u]));
  const people = ids.map((id) =>
    found.get(id) ?? { id, username: "deleted", displayName: "Deleted user" }
  );
  const byId = new Map(people.map((u) => [u.id, u]));
  const record: SystemRecord = {
    event: system.event,
    ...(system.userIds ? { userIds: system.userIds } : {}),
    ...(system.title !== undefined ? { title: system.title } : {}),
    ...(system.topic !== undefined ? { topic: system.topic } : {}),
    ...(system.seq !== undefined ? { seq: system.seq } : {}),
  };
  const content = systemSentence({
    event: system.event,
    actor,
    ...(system.userIds ? { users: system.userIds.map((id) => byId.get(id)!) } : {}),
    ...(system.title !== undefined ? { title: system.title } : {}),
    ...(system.topic !== undefined ? { topic: system.topic } : {}),
    ...(system.seq !== undefined ? { seq: system.seq } : {}),
  });
  return { author: actor, conversationId, content, system: record, people };
}
