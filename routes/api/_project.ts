import { getProjectForUser } from "../../lib/projects/mod.ts";
import { type AppCtx, requireUser } from "../_http.ts";

/** The signed-in user and the project of the `:id` param: 401 signed out, 404 for non-members. */
export async function memberProject(c: AppCtx) {
  const user = requireUser(c);
  return {
    user,
    project: await getProjectForUser(c.get("ctx").kv, c.req.param("id") ?? "", user.id),
  };
}
