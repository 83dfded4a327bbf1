import { ulid } from "ulid";
import { ValidationError } from "../errors.ts";
import {
  commitWithRetry,
  conversationKey,
  directPairKey,
  membershipKey,
  projectConversationKey,
} from "../storage/mod.ts";
import type { User } from "../shared/user.ts";
import { cleanName } from "../shared/names.ts";
import {
  type ConversationKind,
  type ConversationRecord,
  MAX_PARTICIPANTS,
} from "./conversation.ts";
import { listCacheOf } from "./list_cache.ts";
import { requireNotBlocked } from "./blocks.ts";

/**
 * Creates a conversation of `creator` with `others`. One other person and no title makes a
 * direct conversation, and the existing one between the two is returned (created: false).
 * Throws ValidationError when nobody else takes part, ForbiddenError("blocked") when one of
 * them blocks the creator (blocks.ts).
 */
export async function createConversation(
  kv: Deno.Kv,
  creator: User,
  input: {
    others: User[];
    title?: string | null;
    kind?: ConversationKind;
    projectId?: string | null;
  },
): Promise<{ conversation: ConversationRecord; created: boolean }> {
  const others = dedupe(input.others.filter((u) => u.id !== creator.id));
  if (others.length === 0 && input.kind !== "project") {
    throw new ValidationError("Add at least one other person.", {
      participants: "Add at least one other person.",
    });
  }
  if (others.length + 1 > MAX_PARTICIPANTS) {
    throw new ValidationError(`A conversation holds at most ${MAX_PARTICIPANTS} people.`, {
      participants: "Too many people.",
    });
  }
  await requireNotBlocked(kv, creator.id, others);
  const kind: ConversationKind = input.kind ??
    (others.length === 1 && !cleanName(input.title ?? "") ? "direct" : "group");
  const record: ConversationRecord = {
    id: ulid(),
    kind,
    // No control, bidi or zero-width characters (lib/shared/names.ts).
    title: cleanName(input.title ?? "") || null,
    projectId: input.projectId ?? null,
    participantIds: [creator.id, ...others.map((u) => u.id)],
    createdBy: creator.id,
    createdAt: new Date().toISOString(),
  };
  return await commitWithRetry(async () => {
    const op = kv.atomic().set(conversationKey(record.id), record);
    for (const id of record.participantIds) op.set(membershipKey(id, record.id), true);
    if (record.projectId) op.set(projectConversationKey(record.projectId, record.id), true);
    if (kind === "direct") {
      const pair = directPairKey(creator.id, others[0].id);
      const existing = await kv.get<string>(pair);
      if (existing.value) {
        const found = await kv.get<ConversationRecord>(conversationKey(existing.value));
        if (found.value) return { conversation: found.value, created: false };
      }
      op.check(existing).set(pair, record.id);
    }
    if (!(await op.commit()).ok) return null;
    listCacheOf(kv).forgetUsers(record.participantIds);
    return { conversation: record, created: true };
  });
}

function dedupe(users: User[]): User[] {
  return [...new Map(users.map((u) => [u.id, u])).values()];
}
