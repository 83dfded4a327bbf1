/**
 * Projects: a named group of members with roles, one conversation of its own and a file area.
 * Above files and conversations: it creates and deletes both with the project.
 */
export type { Member, Project, Role } from "./records.ts";
export { canManage, projectDescriptionSchema, projectNameSchema, roleSchema } from "./records.ts";
export {
  createProject,
  deleteProject,
  getProjectForUser,
  listProjectsForUser,
} from "./projects.ts";
export {
  addProjectMember,
  listMemberIds,
  listMembers,
  removeProjectMember,
  requireProjectMembers,
  transferOwnership,
} from "./members.ts";
