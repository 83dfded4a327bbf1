import { Hono } from "hono";
import { z } from "zod";
import { AppError, ValidationError } from "../../lib/errors.ts";
import { addMemberErrorPath, UNKNOWN_USER } from "../../components/MemberList.tsx";
import {
  addProjectMember,
  createProject,
  listMembers,
  listProjectsForUser,
  projectDescriptionSchema,
  projectNameSchema,
  removeProjectMember,
  roleSchema,
} from "../../lib/projects/mod.ts";
import { getUsersByUsernames, usernameSchema } from "../../lib/accounts/mod.ts";
import { memberProject } from "./_project.ts";
import { limitCreation } from "./_limits.ts";
import { type AppCtx, type Env, isFormPost, postedForm, readBody, requireUser } from "../_http.ts";
import { doc, type RouteDoc } from "../_openapi.ts";

const createSchema = z.object({
  name: projectNameSchema,
  description: z.preprocess((v) => (v === "" ? undefined : v), projectDescriptionSchema.optional()),
});
const addMemberSchema = z.object({
  /** A username as the app shows it works too: "@carol" is carol. */
  username: z.preprocess(
    (v) => (typeof v === "string" ? v.trim().replace(/^@/, "") : v),
    usernameSchema,
  ),
  role: z.preprocess(
    (v) => (v === "" ? undefined : v),
    roleSchema.exclude(["owner"]).default("member"),
  ),
});

async function removeMemberAndEvict(c: AppCtx) {
  const { user, project } = await memberProject(c);
  const { kv, hub } = c.get("ctx");
  const userId = c.req.param("userId") ?? "";
  const conversationIds = await removeProjectMember(kv, project, { actorId: user.id, userId });
  for (const id of conversationIds) hub.evict(id, userId);
  return { user, project, userId };
}

const removeDoc: RouteDoc = {
  tag: "Projects",
  summary: "Removes a member from a project, or yourself (leaving).",
  description:
    "Removing others: the owner and admins (an admin: only the owner). The owner cannot be " +
    "removed. The person leaves the project's conversations too.",
  params: z.object({ id: z.string(), userId: z.string() }),
  responses: {
    204: "Removed.",
    403: "You may not remove that member (or the owner).",
    404: "No such project for you, or no such member.",
    409: "The membership changed meanwhile: try again.",
  },
};

export const projectRoutes = new Hono<Env>()
  .get(
    "/",
    doc({
      tag: "Projects",
      summary: "Your projects.",
      responses: { 200: "`{projects: Project[]}` (each with your role)." },
    }),
    async (c) => {
      const user = requireUser(c);
      return c.json({ projects: await listProjectsForUser(c.get("ctx").kv, user.id) });
    },
  )
  .post(
    "/",
    doc({
      tag: "Projects",
      summary: "Creates a project (you are its owner; it gets its own conversation).",
      body: createSchema,
      bodyTypes: ["json", "form"],
      responses: {
        201: "`{project: Project}`.",
        303: "A form post: to the project's page.",
        400: "An invalid name or description.",
        429: "Too many projects: wait for `Retry-After`.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const input = await readBody(c, createSchema);
      await limitCreation(c, user.id, "project");
      const project = await createProject(c.get("ctx").kv, user, input);
      return isFormPost(c) ? c.redirect(`/projects/${project.id}`, 303) : c.json({ project }, 201);
    },
  )
  .get(
    "/:id",
    doc({
      tag: "Projects",
      summary: "A project of yours and its members.",
      responses: {
        200: "`{project: Project, members: ProjectMember[]}`.",
        404: "No such project for you.",
      },
    }),
    async (c) => {
      const { project } = await memberProject(c);
      return c.json({ project, members: await listMembers(c.get("ctx").kv, project.id) });
    },
  )
  .post(
    "/:id/members",
    doc({
      tag: "Projects",
      summary: "Adds someone to a project by username, as member or admin.",
      description: "The project's owners and admins may. A form post that fails goes back to the " +
        "project's page, where the form says what is wrong.",
      body: addMemberSchema,
      bodyTypes: ["json", "form"],
      responses: {
        201: "`{member: ProjectMember}`.",
        303: "A form post: to the project's page (with the error beside the field).",
        400: "An invalid username or role, or nobody of that name (`fields.username`).",
        403: "You may not add members.",
        404: "No such project for you.",
        409: "Already a member (`already_member`).",
        429: "Too many additions: wait for `Retry-After`.",
      },
    }),
    async (c) => {
      const { user: actor, project } = await memberProject(c);
      const { kv } = c.get("ctx");
      let unknown: AppError | null = null;
      try {
        const input = await readBody(c, addMemberSchema);
        await limitCreation(c, actor.id, "project_member");
        const [user] = await getUsersByUsernames(kv, [input.username]);
        if (!user) {
          const message = `Nobody is called @${input.username}.`;
          throw unknown = new ValidationError(message, { username: message });
        }
        const member = await addProjectMember(kv, project, {
          user,
          role: input.role,
          actorId: actor.id,
        });
        return isFormPost(c) ? c.redirect(`/projects/${project.id}`, 303) : c.json({ member }, 201);
      } catch (err) {
        // Without JavaScript: back to the project, where the form says what went wrong beside
        // the field (components/MemberList.tsx), not in a banner over the page.
        if (!isFormPost(c) || !(err instanceof AppError)) throw err;
        const typed = String(postedForm(c).get("username") ?? "");
        const code = err === unknown ? UNKNOWN_USER : err.code;
        return c.redirect(addMemberErrorPath(project.id, code, typed), 303);
      }
    },
  )
  .delete("/:id/members/:userId", doc(removeDoc), async (c) => {
    await removeMemberAndEvict(c);
    return c.body(null, 204);
  })
  // The no-JavaScript form for removing (forms cannot send DELETE).
  .post(
    "/:id/members/:userId/remove",
    doc({
      ...removeDoc,
      summary: "Removes a member (or yourself) from a form (pages without JavaScript).",
      responses: { ...removeDoc.responses, 303: "To the project's page (yourself: the projects)." },
    }),
    async (c) => {
      const { user, project, userId } = await removeMemberAndEvict(c);
      return c.redirect(userId === user.id ? "/projects" : `/projects/${project.id}`, 303);
    },
  );
