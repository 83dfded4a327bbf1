/**
 * Changing a group's or a channel's people and settings, and who may: any participant adds
 * people; a channel's creator or a site admin removes them and changes its name, topic and
 * archiving (a group's participants change its title and topic; its creator removes people);
 * anyone may take themself out (leaveConversation). A site admin manages the channels they
 * can see: every public one, and the private ones they are in. Each function returns what
 * changed; the caller posts the system messages and evicts sockets (routes/api/membership.ts).
 */
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import {
  channelKey,
  channelNameKey,
  commitWithRetry,
  conversationKey,
  headKey,
} from "../storage/mod.ts";
import type { SystemRecord } from "../shared/message.ts";
import { cleanName } from "../shared/names.ts";
import type { User } from "../shared/user.ts";
import type { ConversationRecord } from "./conversation.ts";
import { type ConversationHead, setHeadForMembers } from "./head.ts";
import { requireNotBlocked } from "./blocks.ts";
import {
  channelEntryOf,
  channelName,
  cleanTopic,
  getVisibleRecord,
  nameTaken,
} from "./channels.ts";
import { addParticipants, leaveConversation, takeOut } from "./membership.ts";
import { forgetMembers } from "./list_cache.ts";

/** Who asks: the signed-in user (`isAdmin` from their session). */
export type Actor = Pick<User, "id" | "isAdmin">;

/** A group's title: 1–100 characters, or null (none: the names of who is in it stand in). */
export const MAX_GROUP_TITLE = 100;

const isAdmin = (actor: Actor) => actor.isAdmin === true;

/** Direct and project conversations keep their people and names another way. */
function refuseKind(record: ConversationRecord): void {
  if (record.kind === "project") {
    throw new ConflictError(
      "This is the project's conversation: it follows the project's members and name.",
      "project_conversation",
    );
  }
  if (record.kind === "direct") {
    throw new ConflictError(
      "A direct conversation is between two people: start a group instead.",
      "direct_conversation",
    );
  }
}

function archivedError(): ConflictError {
  return new ConflictError("This channel is archived: unarchive it first.", "archived");
}

/** A channel's creator (while in it) or a site admin. */
function managesChannel(record: ConversationRecord, actor: Actor, member: boolean): boolean {
  return isAdmin(actor) || (member && record.createdBy === actor.id);
}

/**
 * `actor`, a participant, adds `users` to a group or channel (not an archived one). Refused
 * when one of them blocks the actor (ForbiddenError "blocked"); ValidationError past
 * MAX_PARTICIPANTS. Returns the record and the ids that were not in yet.
 */
export async function addMembers(
  kv: Deno.Kv,
  conversationId: string,
  actor: Actor,
  users: User[],
): Promise<{ record: ConversationRecord; added: string[] }> {
  const { record, member } = await getVisibleRecord(kv, conversationId, actor.id);
  if (!member) throw new ForbiddenError("Join the channel first, then add people.");
  refuseKind(record);
  if (record.archived) throw archivedError();
  const others = users.filter((u) => u.id !== actor.id);
  await requireNotBlocked(kv, actor.id, others);
  const added = await addParticipants(kv, conversationId, others.map((u) => u.id), (now) => {
    if (!now.participantIds.includes(actor.id)) throw new NotFoundError("Conversation not found.");
    if (now.archived) throw archivedError();
  });
  return { record, added };
}

/**
 * `actor` takes `userId` out of a group or channel: themself (a leave), or as a channel's
 * creator or site admin, or a group's creator. ForbiddenError for anyone else, NotFoundError
 * when `userId` is not in it. Returns the record as it was and `deleted` (see takeOut).
 */
export async function removeMember(
  kv: Deno.Kv,
  conversationId: string,
  actor: Actor,
  userId: string,
): Promise<{ record: ConversationRecord; deleted: boolean }> {
  if (userId === actor.id) return await leaveConversation(kv, conversationId, actor.id);
  const { record, member } = await getVisibleRecord(kv, conversationId, actor.id);
  refuseKind(record);
  const may = record.kind === "channel"
    ? managesChannel(record, actor, member)
    : member && (record.createdBy === actor.id || isAdmin(actor));
  if (!may) {
    throw new ForbiddenError(
      record.kind === "channel"
        ? "Only the channel's creator or a site admin may remove people."
        : "Only the group's creator may remove people.",
    );
  }
  if (!record.participantIds.includes(userId)) {
    throw new NotFoundError("They are not in this conversation.");
  }
  return await takeOut(kv, record, userId);
}

/** A change of a group's or channel's settings (PATCH /api/conversations/:id). */
export type ConversationPatch = { title?: string | null; topic?: string; archived?: boolean };

/**
 * Renames, sets the topic of, archives or unarchives a conversation: a group (any participant;
 * not archived) or a channel (its creator or a site admin). A channel's new name must be
 * free (ConflictError "name_taken"); an archived channel changes nothing but being unarchived
 * (ConflictError "archived"). Commits the record, the channel's directory entry and name, and
 * the head's participant counter at once (sends under way re-read the record, so none lands
 * in a channel just archived; other processes' lists read the new title). Returns the record
 * as it is now and the system messages to post, in order (none when nothing changed).
 */
export async function updateConversation(
  kv: Deno.Kv,
  conversationId: string,
  actor: Actor,
  patch: ConversationPatch,
): Promise<{ record: ConversationRecord; events: SystemRecord[] }> {
  const { record, member } = await getVisibleRecord(kv, conversationId, actor.id);
  refuseKind(record);
  const channel = record.kind === "channel";
  if (channel && !managesChannel(record, actor, member)) {
    throw new ForbiddenError("Only the channel's creator or a site admin may change it.");
  }
  if (!channel && patch.archived !== undefined) {
    const says = "Only channels are archived.";
    throw new ValidationError(says, { archived: says });
  }
  const title = patch.title === undefined
    ? undefined
    : channel
    ? channelName(patch.title ?? "")
    : groupTitle(patch.title);
  const topic = patch.topic === undefined ? undefined : cleanTopic(patch.topic);
  return await commitWithRetry(async () => {
    const [entry, head] = await kv.getMany<[ConversationRecord, ConversationHead]>([
      conversationKey(conversationId),
      headKey(conversationId),
    ]);
    const now = entry.value;
    if (!now) throw new NotFoundError("Conversation not found.");
    const next = { ...now };
    const events: SystemRecord[] = [];
    if (patch.archived === false && now.archived) {
      next.archived = false;
      events.push({ event: "unarchived" });
    }
    if (title !== undefined && title !== now.title) {
      next.title = title;
      events.push({ event: "renamed", title: title ?? "" });
    }
    if (topic !== undefined && topic !== (now.topic ?? "")) {
      next.topic = topic;
      events.push({ event: "topic", topic });
    }
    if (next.archived && events.some((e) => e.event !== "unarchived")) throw archivedError();
    if (patch.archived === true && !now.archived) {
      next.archived = true;
      events.push({ event: "archived" });
    }
    if (events.length === 0) return { record: now, events };
    const op = kv.atomic().check(entry, head).set(conversationKey(conversationId), next);
    setHeadForMembers(op, conversationId, head.value, now.createdAt);
    if (channel) {
      op.set(channelKey(conversationId), channelEntryOf(next));
      await moveName(kv, op, now, next);
    }
    if (!(await op.commit()).ok) return null;
    forgetMembers(kv, conversationId, []);
    return { record: next, events };
  });
}

/** A group's title as stored: cleaned, 1–100 characters, or null for "" or null. */
function groupTitle(raw: string | null): string | null {
  const title = cleanName(raw ?? "");
  if ([...title].length > MAX_GROUP_TITLE) {
    const says = `A title has at most ${MAX_GROUP_TITLE} characters.`;
    throw new ValidationError(says, { title: says });
  }
  return title || null;
}

/** A renamed channel takes its new name (if free) and frees the old, in `op`. */
async function moveName(
  kv: Deno.Kv,
  op: Deno.AtomicOperation,
  before: ConversationRecord,
  after: ConversationRecord,
): Promise<void> {
  const from = channelNameKey(before.title ?? "");
  const to = channelNameKey(after.title ?? "");
  if (from.join() === to.join()) return;
  const [old, taken] = await kv.getMany<[string, string]>([from, to]);
  if (taken.value && taken.value !== after.id) throw nameTaken(after.title ?? "");
  op.check(taken).set(to, after.id);
  if (old.value === after.id) op.check(old).delete(from);
}
