import { z } from "zod";
import { cleanName } from "../shared/names.ts";
import type { User } from "../accounts/mod.ts";

/* What a project and a membership are: their records, schemas and roles. */

export const roleSchema = z.enum(["owner", "admin", "member"]);
export type Role = z.infer<typeof roleSchema>;

/** Cleaned first (no control, bidi or zero-width characters: lib/shared/names.ts). */
export const projectNameSchema = z.string().transform(cleanName).pipe(
  z.string().min(1, "Give the project a name.").max(80, "Use at most 80 characters."),
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

export type MemberRecord = { role: Role; joinedAt: string };

/** Who may manage members: owners and admins. */
export function canManage(role: Role): boolean {
  return role === "owner" || role === "admin";
}

/** The project as a member with `role` sees it (without who created it). */
export function toProject(record: ProjectRecord, role: Role): Project {
  const { createdBy: _createdBy, ...rest } = record;
  return { ...rest, role };
}
