import {
  commitRetryingLocks,
  getManyChunked,
  isId,
  projectMemberKey,
  projectMembersPrefix,
  userProjectKey,
} from "../storage/mod.ts";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import {
  addParticipant,
  getConversationRecord,
  listProjectConversationIds,
  MAX_PARTICIPANTS,
  removeParticipant,
  requireNotBlocked,
} from "../conversations/mod.ts";
import { getUsersByIds, type User } from "../accounts/mod.ts";
import { canManage, type Member, type MemberRecord, type Project, type Role } from "./records.ts";

/*
 * A member is in the project (its membership records) and in the project's conversation: the
 * exported verbs keep both in step.
 */

/** Members with their users, owners first, then admins, then by name. */
export async function listMembers(kv: Deno.Kv, projectId: string): Promise<Member[]> {
  const records: [string, MemberRecord][] = [];
  for await (const e of kv.list<MemberRecord>({ prefix: projectMembersPrefix(projectId) })) {
    records.push([String(e.key[2]), e.value]);
  }
  const users = new Map((await getUsersByIds(kv, records.map(([id]) => id))).map((u) => [u.id, u]));
  const order: Record<Role, number> = { owner: 0, admin: 1, member: 2 };
  return records.flatMap(([id, m]) => {
    const user = users.get(id);
    return user ? [{ user, role: m.role, joinedAt: m.joinedAt }] : [];
  }).sort((a, b) =>
    order[a.role] - order[b.role] || a.user.username.localeCompare(b.user.username)
  );
}

/** The ids of the project's members. */
export async function listMemberIds(kv: Deno.Kv, projectId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: projectMembersPrefix(projectId) })) {
    ids.push(String(e.key[2]));
  }
  return ids;
}

/** Throws ValidationError naming anyone in `users` who is not a member of the project. */
export async function requireProjectMembers(
  kv: Deno.Kv,
  projectId: string,
  users: User[],
): Promise<void> {
  const entries = await getManyChunked<MemberRecord>(
    kv,
    users.map((u) => projectMemberKey(projectId, u.id)),
  );
  const outsiders = users.filter((_, i) => !entries[i].value).map((u) => u.username);
  if (outsiders.length) {
    throw new ValidationError("Only members of the project can be in its conversations.", {
      participants: `Not project members: ${outsiders.join(", ")}`,
    });
  }
}

/** Adds a member to the project and its conversation (see addMember for what it throws). */
export async function addProjectMember(
  kv: Deno.Kv,
  project: Project,
  input: { user: User; role: Role; actorId?: string },
): Promise<Member> {
  // Who adds them: refused when the person added blocks them (lib/conversations/blocks.ts).
  if (input.actorId) await requireNotBlocked(kv, input.actorId, [input.user]);
  // The project's conversation lists every member: refuse before anything is written.
  const conversation = await getConversationRecord(kv, project.conversationId);
  if ((conversation?.participantIds.length ?? 0) >= MAX_PARTICIPANTS) {
    throw new ValidationError(`A project holds at most ${MAX_PARTICIPANTS} members.`, {
      username: "The project is full.",
    });
  }
  const member = await addMember(kv, project, input);
  await addParticipant(kv, project.conversationId, input.user.id);
  return member;
}

/**
 * Removes a member from the project and from every conversation of the project; returns
 * those conversations' ids. The caller also evicts their open sockets from them
 * (Hub.evict) so they stop receiving at once.
 */
export async function removeProjectMember(
  kv: Deno.Kv,
  project: Project,
  input: { actorId: string; userId: string },
): Promise<string[]> {
  await removeMember(kv, project, input);
  const ids = await listProjectConversationIds(kv, project.id);
  for (const id of ids) await removeParticipant(kv, id, input.userId);
  return ids;
}

/**
 * Makes `toUserId` (a member) the owner and the current owner an admin. Throws NotFoundError
 * when either is not a member, ConflictError when the membership changed meanwhile.
 */
export async function transferOwnership(
  kv: Deno.Kv,
  projectId: string,
  input: { fromUserId: string; toUserId: string },
): Promise<void> {
  const [from, to] = await kv.getMany<[MemberRecord, MemberRecord]>([
    projectMemberKey(projectId, input.fromUserId),
    projectMemberKey(projectId, input.toUserId),
  ]);
  if (!from.value || from.value.role !== "owner") throw new NotFoundError("Not the owner.");
  if (!to.value) throw new NotFoundError("The new owner must be a member of the project.");
  const result = await commitRetryingLocks(() =>
    kv.atomic().check(from, to)
      .set(projectMemberKey(projectId, input.fromUserId), { ...from.value!, role: "admin" })
      .set(userProjectKey(input.fromUserId, projectId), "admin")
      .set(projectMemberKey(projectId, input.toUserId), { ...to.value!, role: "owner" })
      .set(userProjectKey(input.toUserId, projectId), "owner")
  );
  if (!result.ok) throw new ConflictError("The membership changed meanwhile. Try again.");
}

/**
 * Adds `user` with `role`. Throws ForbiddenError unless the actor is an owner or admin,
 * ValidationError for the owner role (a project has one owner), ConflictError when the user
 * is a member already.
 */
async function addMember(
  kv: Deno.Kv,
  project: Project,
  input: { user: User; role: Role },
): Promise<Member> {
  if (!canManage(project.role)) throw new ForbiddenError("Only owners and admins can add people.");
  if (input.role === "owner") {
    throw new ValidationError("A project has one owner.", { role: "Choose admin or member." });
  }
  const joinedAt = new Date().toISOString();
  const result = await commitRetryingLocks(() =>
    kv.atomic()
      .check({ key: projectMemberKey(project.id, input.user.id), versionstamp: null })
      .set(projectMemberKey(project.id, input.user.id), { role: input.role, joinedAt })
      .set(userProjectKey(input.user.id, project.id), input.role)
  );
  if (!result.ok) {
    throw new ConflictError(`@${input.user.username} is already a member.`, "already_member");
  }
  return { user: input.user, role: input.role, joinedAt };
}

/**
 * Removes a member. Owners and admins may remove others (an admin not the owner); anyone may
 * leave, except the owner. Throws NotFoundError for someone who is not a member.
 */
async function removeMember(
  kv: Deno.Kv,
  project: Project,
  input: { actorId: string; userId: string },
): Promise<void> {
  if (!isId(input.userId)) throw new NotFoundError("That person is not a member.");
  const target = await kv.get<MemberRecord>(projectMemberKey(project.id, input.userId));
  if (!target.value) throw new NotFoundError("That person is not a member.");
  const self = input.actorId === input.userId;
  if (target.value.role === "owner") {
    throw new ForbiddenError("The owner cannot be removed from the project.");
  }
  if (!self && !canManage(project.role)) {
    throw new ForbiddenError("Only owners and admins can remove people.");
  }
  if (!self && target.value.role === "admin" && project.role !== "owner") {
    throw new ForbiddenError("Only the owner can remove an admin.");
  }
  const result = await commitRetryingLocks(() =>
    kv.atomic()
      .check(target)
      .delete(projectMemberKey(project.id, input.userId))
      .delete(userProjectKey(input.userId, project.id))
  );
  if (!result.ok) throw new ConflictError("The membership changed meanwhile. Try again.");
}
