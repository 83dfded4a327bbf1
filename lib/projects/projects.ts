import { z } from "zod";
import { isId } from "../storage/ids.ts";
import { ulid } from "ulid";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import { commitRetryingLocks, getManyChunked } from "../storage/kv.ts";
import {
  addParticipant,
  createConversation,
  deleteConversation,
  getConversationRecord,
  listProjectConversationIds,
  MAX_PARTICIPANTS,
  removeParticipant,
} from "../conversations/conversations.ts";
import { getUsersByIds, type User } from "../accounts/users.ts";
import { deleteProjectFiles } from "../files/files.ts";
import {
  projectKey,
  projectMemberKey,
  projectMembersPrefix,
  userProjectKey,
  userProjectsPrefix,
} from "../storage/keys.ts";

export const roleSchema = z.enum(["owner", "admin", "member"]);
export type Role = z.infer<typeof roleSchema>;

export const projectNameSchema = z.string().trim().min(1, "Give the project a name.").max(
  80,
  "Use at most 80 characters.",
);
export const projectDescriptionSchema = z.string().trim().max(500, "Use at most 500 characters.");

export type ProjectRecord = {
  id: string;
  name: string;
  description: string;
  conversationId: string;
  createdBy: string;
  createdAt: string;
};

/** A project as one member sees it (with their role). */
export type Project = Omit<ProjectRecord, "createdBy"> & { role: Role };
export type Member = { user: User; role: Role; joinedAt: string };

type MemberRecord = { role: Role; joinedAt: string };

/** Who may manage members: owners and admins. */
export function canManage(role: Role): boolean {
  return role === "owner" || role === "admin";
}

/**
 * Creates a project with `owner` as its owner. `conversationId` is the project's
 * conversation, created by the caller (lib/project_service.ts) in the same flow.
 */
export async function createProjectRecord(
  kv: Deno.Kv,
  owner: User,
  input: { name: string; description?: string; conversationId: string; id?: string },
): Promise<Project> {
  const now = new Date().toISOString();
  const record: ProjectRecord = {
    id: input.id ?? ulid(),
    name: input.name,
    description: input.description ?? "",
    conversationId: input.conversationId,
    createdBy: owner.id,
    createdAt: now,
  };
  const member: MemberRecord = { role: "owner", joinedAt: now };
  const result = await commitRetryingLocks(() =>
    kv.atomic()
      .check({ key: projectKey(record.id), versionstamp: null })
      .set(projectKey(record.id), record)
      .set(projectMemberKey(record.id, owner.id), member)
      .set(userProjectKey(owner.id, record.id), "owner")
  );
  if (!result.ok) throw new ConflictError("That project exists already.");
  return toProject(record, "owner");
}

function toProject(record: ProjectRecord, role: Role): Project {
  const { createdBy: _createdBy, ...rest } = record;
  return { ...rest, role };
}

/** The project and the caller's role. Throws NotFoundError for non-members (no IDOR). */
export async function getProjectForUser(
  kv: Deno.Kv,
  projectId: string,
  userId: string,
): Promise<Project> {
  if (!isId(projectId)) throw new NotFoundError("Project not found.");
  const [project, member] = await kv.getMany<[ProjectRecord, MemberRecord]>([
    projectKey(projectId),
    projectMemberKey(projectId, userId),
  ]);
  if (!project.value || !member.value) throw new NotFoundError("Project not found.");
  return toProject(project.value, member.value.role);
}

/** The projects the user belongs to, newest first. */
export async function listProjectsForUser(kv: Deno.Kv, userId: string): Promise<Project[]> {
  const roles = new Map<string, Role>();
  for await (const e of kv.list<Role>({ prefix: userProjectsPrefix(userId) })) {
    roles.set(String(e.key[2]), e.value);
  }
  const entries = await getManyChunked<ProjectRecord>(kv, [...roles.keys()].map(projectKey));
  return entries.flatMap((e) =>
    e.value ? [toProject(e.value, roles.get(e.value.id) ?? "member")] : []
  )
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

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

/**
 * Adds `user` with `role`. Throws ForbiddenError unless the actor is an owner or admin,
 * ValidationError for the owner role (a project has one owner), ConflictError when the user
 * is a member already.
 */
export async function addMember(
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
    throw new ConflictError(`${input.user.username} is already a member.`, "already_member");
  }
  return { user: input.user, role: input.role, joinedAt };
}

/**
 * Removes a member. Owners and admins may remove others (an admin not the owner); anyone may
 * leave, except the owner. Throws NotFoundError for someone who is not a member.
 */
export async function removeMember(
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

/**
 * Creates a project and its conversation (kind "project"), with `owner` as owner and only
 * participant. Members added later join the conversation too.
 */
export async function createProject(
  kv: Deno.Kv,
  owner: User,
  input: { name: string; description?: string },
): Promise<Project> {
  const id = ulid();
  const { conversation } = await createConversation(kv, owner, {
    others: [],
    kind: "project",
    title: input.name,
    projectId: id,
  });
  return await createProjectRecord(kv, owner, { ...input, id, conversationId: conversation.id });
}

/** Adds a member to the project and its conversation (see addMember for what it throws). */
export async function addProjectMember(
  kv: Deno.Kv,
  project: Project,
  input: { user: User; role: Role },
): Promise<Member> {
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

/** The ids of the project's members. */
export async function listMemberIds(kv: Deno.Kv, projectId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: projectMembersPrefix(projectId) })) {
    ids.push(String(e.key[2]));
  }
  return ids;
}

/**
 * Deletes a project and all it holds: its conversations (with their messages), its files
 * (with their chunks) and its memberships. Not one atomic step: the record goes first, so the
 * project is gone for everyone at once, and the rest follows.
 */
export async function deleteProject(kv: Deno.Kv, projectId: string): Promise<void> {
  const memberIds = await listMemberIds(kv, projectId);
  const op = kv.atomic().delete(projectKey(projectId));
  for (const id of memberIds) {
    op.delete(projectMemberKey(projectId, id)).delete(userProjectKey(id, projectId));
  }
  await op.commit();
  for (const id of await listProjectConversationIds(kv, projectId)) {
    await deleteConversation(kv, id);
  }
  await deleteProjectFiles(kv, projectId);
}
