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

export const projectRoutes = new Hono<Env>()
  .get("/", async (c) => {
    const user = requireUser(c);
    return c.json({ projects: await listProjectsForUser(c.get("ctx").kv, user.id) });
  })
  .post("/", async (c) => {
    const user = requireUser(c);
    const input = await readBody(c, createSchema);
    await limitCreation(c, user.id, "project");
    const project = await createProject(c.get("ctx").kv, user, input);
    return isFormPost(c) ? c.redirect(`/projects/${project.id}`, 303) : c.json({ project }, 201);
  })
  .get("/:id", async (c) => {
    const { project } = await memberProject(c);
    return c.json({ project, members: await listMembers(c.get("ctx").kv, project.id) });
  })
  .post("/:id/members", async (c) => {
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
  })
  .delete("/:id/members/:userId", async (c) => {
    await removeMemberAndEvict(c);
    return c.body(null, 204);
  })
  // The no-JavaScript form for removing (forms cannot send DELETE).
  .post("/:id/members/:userId/remove", async (c) => {
    const { user, project, userId } = await removeMemberAndEvict(c);
    return c.redirect(userId === user.id ? "/projects" : `/projects/${project.id}`, 303);
  });
