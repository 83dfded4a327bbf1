import { Hono } from "hono";
import { type AddMemberError, MemberList } from "../components/MemberList.tsx";
import FileManager from "../islands/FileManager.tsx";
import {
  getConversationForUser,
  listConversationsForUser,
  listMessages,
} from "../lib/messages/mod.ts";
import { listFiles } from "../lib/files/mod.ts";
import { island } from "../lib/web/mod.ts";
import { getProjectForUser, listMembers, listProjectsForUser } from "../lib/projects/mod.ts";
import type { User } from "../lib/accounts/mod.ts";
import type { AppCtx, Env } from "./_http.ts";
import { withNotifications } from "../lib/notify/mod.ts";
import { ChatRoomIsland, foundOrNull, notFoundPage, shell, signedIn } from "./chat.tsx";

const FileManagerIsland = island("FileManager", FileManager);

/** A failed "add a person" form post, as routes/api/projects.ts sent the page back. */
function addErrorOf(c: AppCtx): AddMemberError | null {
  const code = c.req.query("add_error");
  return code ? { code: code.slice(0, 40), username: c.req.query("add") ?? "" } : null;
}

async function projectsPage(c: AppCtx, me: User) {
  const { kv } = c.get("ctx");
  const [projects, list] = await Promise.all([
    listProjectsForUser(kv, me.id),
    listConversationsForUser(kv, me.id),
  ]);
  return await shell(c, {
    me,
    title: "Projects",
    section: "projects",
    list,
    children: (
      <div class="flex-1 overflow-y-auto bg-white dark:bg-slate-900 p-8">
        <div class="mx-auto max-w-3xl space-y-8">
          <h1 class="text-2xl font-bold tracking-tight">Projects</h1>
          {projects.length === 0 && (
            <p class="text-slate-600 dark:text-slate-400">
              No projects yet. Create the first one below.
            </p>
          )}
          <ul class="grid gap-3 sm:grid-cols-2" aria-label="Your projects">
            {projects.map((p) => (
              <li key={p.id}>
                <a
                  href={`/projects/${p.id}`}
                  class="block rounded-xl border border-slate-200 dark:border-slate-700 p-4 hover:border-indigo-300 hover:shadow-sm"
                >
                  <span class="flex items-center justify-between gap-2">
                    <span class="truncate font-semibold">{p.name}</span>
                    <span class="rounded-full bg-slate-100 dark:bg-slate-800 px-2 py-0.5 text-[11px] text-slate-600 dark:text-slate-400">
                      {p.role}
                    </span>
                  </span>
                  <span class="mt-1 line-clamp-2 block text-sm text-slate-600 dark:text-slate-400">
                    {p.description || "No description"}
                  </span>
                </a>
              </li>
            ))}
          </ul>
          <form
            method="post"
            action="/api/projects"
            class="space-y-3 rounded-xl bg-slate-50 dark:bg-slate-800 p-5 ring-1 ring-slate-200 dark:ring-slate-700"
          >
            <h2 class="font-semibold">New project</h2>
            <div>
              <label
                for="project-name"
                class="block text-sm font-medium text-slate-700 dark:text-slate-300"
              >
                Project name
              </label>
              <input
                id="project-name"
                name="name"
                required
                maxLength={80}
                class="mt-1 block w-full rounded-lg border border-slate-300 dark:border-slate-600 px-3 py-2 text-sm"
              />
            </div>
            <div>
              <label
                for="project-description"
                class="block text-sm font-medium text-slate-700 dark:text-slate-300"
              >
                Description
              </label>
              <textarea
                id="project-description"
                name="description"
                rows={2}
                maxLength={500}
                class="mt-1 block w-full rounded-lg border border-slate-300 dark:border-slate-600 px-3 py-2 text-sm"
              />
            </div>
            <button
              type="submit"
              class="rounded-lg bg-indigo-600 px-4 py-2 text-sm font-semibold text-white hover:bg-indigo-500"
            >
              Create project
            </button>
          </form>
        </div>
      </div>
    ),
  });
}

async function projectPage(c: AppCtx, me: User) {
  const { kv, config } = c.get("ctx");
  const project = await foundOrNull(getProjectForUser(kv, c.req.param("id") ?? "", me.id));
  if (!project) return notFoundPage(c);
  const [members, files, conversation, history, list] = await Promise.all([
    listMembers(kv, project.id),
    listFiles(kv, project.id),
    // With your notification setting, for the header's bell (issue 18).
    getConversationForUser(kv, project.conversationId, me.id).then(async (view) =>
      (await withNotifications(kv, me.id, [view]))[0]
    ),
    listMessages(kv, project.conversationId, { limit: 50, topLevel: true }),
    listConversationsForUser(kv, me.id),
  ]);
  const manager = project.role === "owner" || project.role === "admin";
  return await shell(c, {
    me,
    title: project.name,
    currentId: project.conversationId,
    section: "projects",
    list,
    children: (
      <div class="flex min-w-0 flex-1 flex-col lg:flex-row">
        <div class="flex min-h-[60vh] min-w-0 flex-1 lg:min-h-0">
          <ChatRoomIsland
            me={me}
            conversation={conversation}
            messages={history.messages}
            nextCursor={history.nextCursor}
          />
        </div>
        <aside
          class="w-full shrink-0 space-y-6 overflow-y-auto border-l border-slate-200 dark:border-slate-700 bg-white dark:bg-slate-900 p-5 lg:w-96"
          aria-label="Project"
        >
          <div>
            <p class="text-xs font-semibold uppercase tracking-wide text-indigo-600 dark:text-indigo-400">
              Project
            </p>
            <h2 class="text-xl font-bold">{project.name}</h2>
            {project.description && (
              <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">{project.description}</p>
            )}
          </div>
          <MemberList
            project={project}
            members={members}
            me={me}
            addError={addErrorOf(c)}
          />
          <div>
            <FileManagerIsland
              projectId={project.id}
              me={me}
              canManage={manager}
              maxUploadBytes={config.maxUploadBytes}
              files={files}
            />
          </div>
        </aside>
      </div>
    ),
  });
}

export const projectPageRoutes = new Hono<Env>()
  .get("/projects", signedIn(projectsPage))
  .get("/projects/:id", signedIn(projectPage));
