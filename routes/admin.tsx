/**
 * The site admin's pages: /admin (people, invites, settings) and the confirmation before
 * deleting an account (/admin/users/:id/delete). Signed out: to sign in first; signed in
 * without the site-admin role: a 403 page. Every change is a plain form to /api/admin (or
 * /api/invites) that comes back here with a notice, so it all works without JavaScript.
 */
import { Hono } from "hono";
import { z } from "zod";
import { AdminDelete } from "../components/AdminDelete.tsx";
import { AdminPage } from "../components/AdminPage.tsx";
import { InvitePanel } from "../components/InvitePanel.tsx";
import { getSiteSettings, getUsersByIds, listInvites, type User } from "../lib/accounts/mod.ts";
import {
  accountById,
  activeAdminIds,
  adminView,
  deletionPreview,
  isSiteAdmin,
  listPeople,
} from "../lib/admin/mod.ts";
import { inviteBase } from "./api/invites.ts";
import type { AppCtx, Env } from "./_http.ts";
import { page, siteName } from "./_page.tsx";
import { foundOrNull, notFoundPage, signedIn } from "./chat.tsx";

const query = z.object({
  search: z.string().max(100).optional().catch(undefined),
  cursor: z.string().max(64).optional().catch(undefined),
  done: z.string().max(40).optional().catch(undefined),
  failed: z.string().max(40).optional().catch(undefined),
});

/** The page for someone signed in without the site-admin role. */
function notAnAdmin(c: AppCtx) {
  return page(c, {
    title: "Site admin",
    status: 403,
    children: (
      <main class="flex min-h-full flex-col items-center justify-center gap-2 px-4 text-center">
        <h1 class="text-2xl font-bold">Only for site admins</h1>
        <p class="text-slate-600 dark:text-slate-400">
          This page is for the people who run{" "}
          {siteName(c)}. Ask one of them if you need something changed.
        </p>
        <a class="font-semibold text-indigo-600 dark:text-indigo-400" href="/">
          Back to your conversations
        </a>
      </main>
    ),
  });
}

/** A page only a site admin sees (others get notAnAdmin). */
function adminOnly(render: (c: AppCtx, me: User) => Promise<Response>) {
  return signedIn(async (c, me) => {
    if (!(await isSiteAdmin(c.get("ctx").kv, me))) return notAnAdmin(c);
    return await render(c, me);
  });
}

const adminPage = adminOnly(async (c, me) => {
  const { kv, config } = c.get("ctx");
  const q = query.parse(c.req.query());
  const search = (q.search ?? "").trim();
  const [people, admins, settings, invites] = await Promise.all([
    listPeople(kv, { search, cursor: q.cursor }),
    activeAdminIds(kv),
    getSiteSettings(kv, config),
    listInvites(kv, { base: inviteBase(c) }),
  ]);
  return page(c, {
    title: "Site admin",
    children: (
      <AdminPage
        me={me}
        siteName={settings.name}
        people={{
          ...people,
          search,
          cursor: q.cursor,
          soleAdmin: admins.length === 1 && admins[0] === me.id,
        }}
        settings={settings}
        invites={
          <InvitePanel
            invites={invites}
            canCreate
            next="/admin"
            showCreator
            heading="Invites"
          />
        }
        outcome={{ done: q.done, failed: q.failed }}
      />
    ),
  });
});

const deletePage = adminOnly(async (c) => {
  const { kv } = c.get("ctx");
  const account = await foundOrNull(accountById(kv, c.req.param("id") ?? ""));
  if (!account) return notFoundPage(c);
  const [user, preview] = await Promise.all([
    adminView(kv, account),
    deletionPreview(kv, account.id),
  ]);
  const memberIds = [...new Set(preview.shared.flatMap((p) => p.others))];
  const members = await getUsersByIds(kv, memberIds);
  return page(c, {
    title: `Delete @${account.username}`,
    children: (
      <AdminDelete
        user={user}
        preview={preview}
        members={members}
        failed={query.parse(c.req.query()).failed}
      />
    ),
  });
});

export const adminPageRoutes = new Hono<Env>()
  .get("/admin", adminPage)
  .get("/admin/users/:id/delete", deletePage);
