import {
  commitRetryingLocks,
  getManyChunked,
  isId,
  projectKey,
  projectMemberKey,
  userProjectKey,
  userProjectsPrefix,
} from "../storage/mod.ts";
import { ulid } from "ulid";
import { ConflictError, NotFoundError } from "../errors.ts";
import {
  createConversation,
  deleteConversation,
  listProjectConversationIds,
} from "../conversations/mod.ts";
import type { User } from "../accounts/mod.ts";
import { deleteAreaFiles } from "../files/mod.ts";
import { listMemberIds } from "./members.ts";
import {
  type MemberRecord,
  type Project,
  type ProjectRecord,
  type Role,
  toProject,
} from "./records.ts";

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

/**
 * Writes a project's record with `owner` as its owner. `conversationId` is the project's
 * conversation, created by createProject just before.
 */
async function createProjectRecord(
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
  await deleteAreaFiles(kv, projectId);
}
