/**
 * The site admin's API (/api/admin, issue 16): people (list, search, pages, make and remove
 * admins, disable and enable, delete, create) and the site's settings, with every refusal:
 * signed out 401, not an admin 403, the last admin 409, your own account 409, bad input 400,
 * an owner of shared projects 409. The form twins (the /admin page without JavaScript) answer
 * with 303s back to /admin. The site's name shows in every page's title.
 */
import assert from "node:assert/strict";
import { listPeople, setSiteAdmin } from "../../lib/admin/mod.ts";
import {
  assertError,
  createProjectVia,
  form,
  json,
  okJson,
  registerUser,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { openSocket } from "../support/ws_client.ts";
import { startTestServer } from "../support/helpers.ts";

type Registered = Awaited<ReturnType<typeof registerUser>>;

/** Ann (the site admin) and Ben (a member). */
async function annAndBen(app: TestApp): Promise<{ ann: Registered; ben: Registered }> {
  const ann = await registerUser(app, { username: "ann", displayName: "Ann Admin" });
  await setSiteAdmin(app.ctx.kv, ann.user.id, true);
  const ben = await registerUser(app, { username: "ben", displayName: "Ben Member" });
  await setSiteAdmin(app.ctx.kv, ben.user.id, false);
  return { ann, ben };
}

const patch = (body: unknown, cookie: string) => json("PATCH", body, cookie);

Deno.test("signed out: 401 on every admin route; a member: 403 forbidden", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await annAndBen(app);
    const id = ann.user.id;
    const routes: [string, string, unknown?][] = [
      ["GET", "/api/admin/users"],
      ["POST", "/api/admin/users", { username: "zed", password: "correct horse battery" }],
      ["PATCH", `/api/admin/users/${id}`, { isAdmin: false }],
      ["POST", `/api/admin/users/${id}`, { disabled: true }],
      ["DELETE", `/api/admin/users/${id}`],
      ["POST", `/api/admin/users/${id}/delete`, {}],
      ["GET", "/api/admin/settings"],
      ["PATCH", "/api/admin/settings", { name: "Mine now" }],
      ["POST", "/api/admin/settings", { name: "Mine now" }],
    ];
    for (const [method, path, body] of routes) {
      await assertError(await app.fetch(path, json(method, body)), 401, "unauthorized");
      await assertError(await app.fetch(path, json(method, body, ben.cookie)), 403, "forbidden");
    }
    // Nothing changed.
    const { settings } = await okJson(
      await app.fetch("/api/admin/settings", withCookie(ann.cookie)),
    );
    assert.equal(settings.name, "Hearth");
    const people = await okJson(await app.fetch("/api/admin/users", withCookie(ann.cookie)));
    assert.equal(people.users.length, 2);
    assert.ok(people.users.every((u: { disabled: boolean }) => !u.disabled));
  });
});

Deno.test("the people list: every account with its state, search, pages", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await annAndBen(app);
    const carol = await registerUser(app, { username: "carol", displayName: "Carol Bennett" });
    const list = await okJson(await app.fetch("/api/admin/users", withCookie(ann.cookie)));
    assert.deepEqual(list.users.map((u: { username: string }) => u.username), [
      "ann",
      "ben",
      "carol",
    ]);
    assert.equal(list.nextCursor, null);
    const [a, b] = list.users;
    assert.equal(a.id, ann.user.id);
    assert.equal(a.displayName, "Ann Admin");
    assert.equal(a.isAdmin, true);
    assert.equal(b.isAdmin, false);
    assert.equal(a.disabled, false);
    assert.ok(!Number.isNaN(Date.parse(a.createdAt)));
    assert.ok(!Number.isNaN(Date.parse(a.lastSeenAt)), "signed in: seen");
    for (const secret of ["password", "siteAdmin", "disabledAt", "hasPassword"]) {
      assert.ok(!(secret in a), `${secret} is not shown`);
    }

    // Search: username or display name, any case.
    const search = async (q: string) =>
      (await okJson(
        await app.fetch(`/api/admin/users?search=${encodeURIComponent(q)}`, withCookie(ann.cookie)),
      )).users.map((u: { username: string }) => u.username);
    assert.deepEqual(await search("BEN"), ["ben", "carol"]);
    assert.deepEqual(await search("admin"), ["ann"]);
    assert.deepEqual(await search("nobody"), []);

    // Pages: after the cursor; a full page names the next one.
    const after = await okJson(
      await app.fetch(`/api/admin/users?cursor=${ann.user.id}`, withCookie(ann.cookie)),
    );
    assert.deepEqual(after.users.map((u: { id: string }) => u.id), [ben.user.id, carol.user.id]);
    const first = await listPeople(app.ctx.kv, { limit: 2 });
    assert.equal(first.users.length, 2);
    assert.equal(first.nextCursor, ben.user.id);
    const second = await listPeople(app.ctx.kv, { limit: 2, cursor: first.nextCursor! });
    assert.deepEqual(second.users.map((u) => u.username), ["carol"]);
    assert.equal(second.nextCursor, null);

    await assertError(
      await app.fetch(`/api/admin/users?search=${"x".repeat(101)}`, withCookie(ann.cookie)),
      400,
      "invalid_input",
    );
  });
});

Deno.test("making and removing admins; the last admin cannot give up the role (409)", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await annAndBen(app);
    const alone = await app.fetch(
      `/api/admin/users/${ann.user.id}`,
      patch({ isAdmin: false }, ann.cookie),
    );
    const refusal = await assertError(alone, 409, "last_admin");
    assert.match(refusal.message, /only site admin/);

    const made = await okJson(
      await app.fetch(`/api/admin/users/${ben.user.id}`, patch({ isAdmin: true }, ann.cookie)),
    );
    assert.equal(made.user.isAdmin, true);
    assert.equal(made.user.username, "ben");
    // Ben is an admin at once (his session reads the account on every request).
    await okJson(await app.fetch("/api/admin/users", withCookie(ben.cookie)));

    // Now Ann may step down; then she is a member like any other.
    const down = await okJson(
      await app.fetch(`/api/admin/users/${ann.user.id}`, patch({ isAdmin: false }, ann.cookie)),
    );
    assert.equal(down.user.isAdmin, false);
    await assertError(
      await app.fetch("/api/admin/users", withCookie(ann.cookie)),
      403,
      "forbidden",
    );
    // Ben is the last one now.
    await assertError(
      await app.fetch(`/api/admin/users/${ben.user.id}`, patch({ isAdmin: false }, ben.cookie)),
      409,
      "last_admin",
    );
  });
});

Deno.test("PATCH refuses bad input (400) and unknown accounts (404)", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await annAndBen(app);
    const path = `/api/admin/users/${ben.user.id}`;
    for (
      const body of [{}, { isAdmin: "yes" }, { disabled: 1 }, { isAdmin: true, role: "owner" }]
    ) {
      await assertError(await app.fetch(path, patch(body, ann.cookie)), 400, "invalid_input");
    }
    const bad = await app.fetch(path, {
      method: "PATCH",
      headers: {
        cookie: ann.cookie,
        origin: "http://localhost",
        "content-type": "application/json",
      },
      body: "{not json",
    });
    await assertError(bad, 400, "malformed_json");
    for (const id of ["01HZZZZZZZZZZZZZZZZZZZZZZZ", "x".repeat(3000), "a%2Fb"]) {
      await assertError(
        await app.fetch(`/api/admin/users/${id}`, patch({ disabled: true }, ann.cookie)),
        404,
        "not_found",
      );
      await assertError(
        await app.fetch(`/api/admin/users/${id}`, json("DELETE", undefined, ann.cookie)),
        404,
        "not_found",
      );
    }
  });
});

Deno.test("disabling signs the person out at once; enabling lets them back; not yourself", async () => {
  const server = await startTestServer();
  try {
    const { ann, ben } = await annAndBen(server as unknown as TestApp);
    const socket = await openSocket(server.base, ben.cookie);
    const off = await okJson(
      await server.fetch(`/api/admin/users/${ben.user.id}`, patch({ disabled: true }, ann.cookie)),
    );
    assert.equal(off.user.disabled, true);
    assert.equal(off.user.lastSeenAt, null, "no session left");
    const closed = await socket.waitClosed(5000);
    assert.equal(closed.code, 1008);
    assert.equal((await server.fetch("/api/conversations", withCookie(ben.cookie))).status, 401);
    const login = json("POST", { username: "ben", password: ben.password });
    await assertError(await server.fetch("/api/auth/login", login), 403, "account_disabled");

    const on = await okJson(
      await server.fetch(`/api/admin/users/${ben.user.id}`, patch({ disabled: false }, ann.cookie)),
    );
    assert.equal(on.user.disabled, false);
    assert.equal((await server.fetch("/api/auth/login", login)).status, 200);

    await assertError(
      await server.fetch(`/api/admin/users/${ann.user.id}`, patch({ disabled: true }, ann.cookie)),
      409,
      "own_account",
    );
  } finally {
    await server.close();
  }
});

Deno.test("deleting: the account goes, its name is free; not yourself; shared projects 409", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await annAndBen(app);
    const carol = await registerUser(app, { username: "carol" });
    const project = await createProjectVia(app, ben.cookie, { name: "Garden" }, ["carol"]);

    await assertError(
      await app.fetch(`/api/admin/users/${ann.user.id}`, json("DELETE", undefined, ann.cookie)),
      409,
      "own_account",
    );
    const stuck = await assertError(
      await app.fetch(`/api/admin/users/${ben.user.id}`, json("DELETE", undefined, ann.cookie)),
      409,
      "owns_projects",
    );
    assert.match(stuck.message, /Garden/);
    assert.equal((await app.fetch("/api/conversations", withCookie(ben.cookie))).status, 200);
    await assertError(
      await app.fetch(
        `/api/admin/users/${ben.user.id}?transferTo=nobody`,
        json("DELETE", undefined, ann.cookie),
      ),
      400,
      "invalid_input",
    );

    const gone = await app.fetch(
      `/api/admin/users/${ben.user.id}?transferTo=carol`,
      json("DELETE", undefined, ann.cookie),
    );
    assert.equal(gone.status, 204);
    assert.equal((await app.fetch("/api/conversations", withCookie(ben.cookie))).status, 401);
    const { users } = await okJson(await app.fetch("/api/admin/users", withCookie(ann.cookie)));
    assert.deepEqual(users.map((u: { username: string }) => u.username), ["ann", "carol"]);
    const handed = await okJson(
      await app.fetch(`/api/projects/${project.id}`, withCookie(carol.cookie)),
    );
    assert.equal(handed.project.role, "owner");
    // The name is free again.
    await registerUser(app, { username: "ben" });
    await assertError(
      await app.fetch(`/api/admin/users/${ben.user.id}`, json("DELETE", undefined, ann.cookie)),
      404,
      "not_found",
    );
  });
});

Deno.test("admins create accounts (also when registration is closed)", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await annAndBen(app);
    const closed = await app.fetch(
      "/api/admin/settings",
      patch({ registration: "closed" }, ann.cookie),
    );
    assert.equal((await okJson(closed)).settings.registration, "closed");
    await assertError(
      await app.fetch(
        "/api/auth/register",
        json("POST", { username: "dana", password: "correct horse battery" }),
      ),
      403,
      "registration_closed",
    );
    const made = await app.fetch(
      "/api/admin/users",
      json(
        "POST",
        { username: "@Dana", password: "correct horse battery", displayName: "Dana" },
        ann.cookie,
      ),
    );
    const { user } = await okJson(made, 201);
    assert.equal(user.username, "dana");
    assert.equal(user.isAdmin, false);
    assert.equal(user.lastSeenAt, null);
    const login = await app.fetch(
      "/api/auth/login",
      json("POST", { username: "dana", password: "correct horse battery" }),
    );
    assert.equal(login.status, 200);

    await assertError(
      await app.fetch(
        "/api/admin/users",
        json("POST", { username: "dana", password: "correct horse battery" }, ann.cookie),
      ),
      409,
      "username_taken",
    );
    for (
      const body of [
        { username: "x", password: "correct horse battery" },
        { username: "erin", password: "password" },
        { username: "erin" },
        { username: "erin", password: 12345678 },
        { username: "erin", password: "correct horse battery", isAdmin: true },
      ]
    ) {
      await assertError(
        await app.fetch("/api/admin/users", json("POST", body, ann.cookie)),
        400,
        "invalid_input",
      );
    }
    assert.equal(ben.user.username, "ben");
  });
});

Deno.test("settings: read, change, refuse bad input; the name titles every page", async () => {
  await withApp(async (app) => {
    // The first account is always allowed (and is the site admin).
    const ann = await registerUser(app, { username: "ann" });
    await setSiteAdmin(app.ctx.kv, ann.user.id, true);
    const read = await okJson(await app.fetch("/api/admin/settings", withCookie(ann.cookie)));
    assert.deepEqual(read.settings, {
      name: "Hearth",
      registration: "invite",
      membersMayInvite: false,
    });

    const changed = await okJson(
      await app.fetch(
        "/api/admin/settings",
        patch({ name: "  Acme Team ", registration: "open", membersMayInvite: true }, ann.cookie),
      ),
    );
    assert.deepEqual(changed.settings, {
      name: "Acme Team",
      registration: "open",
      membersMayInvite: true,
    });
    const again = await okJson(await app.fetch("/api/admin/settings", withCookie(ann.cookie)));
    assert.deepEqual(again.settings, changed.settings);

    for (
      const body of [
        { name: "" },
        { name: "x".repeat(61) },
        { registration: "sometimes" },
        { membersMayInvite: "yes" },
        { colour: "red" },
      ]
    ) {
      await assertError(
        await app.fetch("/api/admin/settings", patch(body, ann.cookie)),
        400,
        "invalid_input",
      );
    }

    // The name, at once, in the title of pages signed in and out.
    const login = await (await app.fetch("/login")).text();
    assert.match(login, /<title>Sign in · Acme Team<\/title>/);
    const account = await (await app.fetch("/account", withCookie(ann.cookie))).text();
    assert.match(account, /<title>Your account · Acme Team<\/title>/);
  }, { REGISTRATION: "invite" });
});

Deno.test("SITE_NAME names the site until an admin changes it; markup in it stays text", async () => {
  await withApp(async (app) => {
    const login = await (await app.fetch("/login")).text();
    assert.match(login, /<title>Sign in · Rock &amp; &lt;Roll><\/title>/);
  }, { SITE_NAME: "Rock & <Roll>" });
});

Deno.test("the form twins answer 303 back to /admin with what happened", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await annAndBen(app);
    await registerUser(app, { username: "gus" });
    await createProjectVia(app, ben.cookie, { name: "Garden" }, ["gus"]);
    const withReferer = (init: RequestInit, referer: string): RequestInit => ({
      ...init,
      headers: { ...init.headers as Record<string, string>, referer, accept: "text/html" },
    });
    const post = (
      path: string,
      fields: Record<string, string>,
      referer = "http://localhost/admin",
    ) => app.fetch(path, withReferer(form(fields, ann.cookie), referer));

    let res = await post(
      `/api/admin/users/${ben.user.id}`,
      { disabled: "true" },
      "http://localhost/admin?search=be&done=x",
    );
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/admin?search=be&done=disabled#people");
    res = await post(`/api/admin/users/${ben.user.id}`, { disabled: "false" });
    assert.equal(res.headers.get("location"), "/admin?done=enabled#people");
    res = await post(`/api/admin/users/${ben.user.id}`, { isAdmin: "true" });
    assert.equal(res.headers.get("location"), "/admin?done=made_admin#people");
    res = await post(`/api/admin/users/${ben.user.id}`, { isAdmin: "false" });
    assert.equal(res.headers.get("location"), "/admin?done=removed_admin#people");
    res = await post(`/api/admin/users/${ann.user.id}`, { isAdmin: "false" });
    assert.equal(res.headers.get("location"), "/admin?failed=last_admin#people");
    // A Referer elsewhere is not followed.
    res = await post(
      `/api/admin/users/${ann.user.id}`,
      { disabled: "true" },
      "https://evil.example/admin",
    );
    assert.equal(res.headers.get("location"), "/admin?failed=own_account#people");

    res = await post("/api/admin/users", {
      username: "erin",
      password: "correct horse battery",
      displayName: "",
    });
    assert.equal(res.headers.get("location"), "/admin?done=created#people");
    res = await post("/api/admin/users", { username: "erin", password: "correct horse battery" });
    assert.equal(res.headers.get("location"), "/admin?failed=username_taken#people");
    res = await post("/api/admin/users", { username: "fay", password: "password" });
    assert.equal(res.headers.get("location"), "/admin?failed=bad_password#people");

    res = await post("/api/admin/settings", {
      name: "Acme",
      registration: "closed",
      membersMayInvite: "false",
    });
    assert.equal(res.headers.get("location"), "/admin?done=settings_saved#settings");
    // The checkbox after its hidden "false": ticked.
    const ticked = new URLSearchParams([["membersMayInvite", "false"], [
      "membersMayInvite",
      "true",
    ]]);
    res = await app.fetch("/api/admin/settings", {
      method: "POST",
      headers: {
        origin: "http://localhost",
        cookie: ann.cookie,
        accept: "text/html",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: ticked.toString(),
    });
    assert.equal(res.status, 303);
    const { settings } = await okJson(
      await app.fetch("/api/admin/settings", withCookie(ann.cookie)),
    );
    assert.deepEqual(settings, { name: "Acme", registration: "closed", membersMayInvite: true });
    res = await post("/api/admin/settings", { name: "", registration: "sometimes" });
    assert.equal(res.headers.get("location"), "/admin?failed=bad_registration#settings");

    // Delete: refused for an owner of a shared project (back to its confirmation), then done.
    res = await post(`/api/admin/users/${ben.user.id}/delete`, {});
    assert.equal(
      res.headers.get("location"),
      `/admin/users/${ben.user.id}/delete?failed=owns_projects`,
    );
    res = await post(`/api/admin/users/${ben.user.id}/delete`, { transferTo: "@gus" });
    assert.equal(res.headers.get("location"), "/admin?done=deleted#people");

    // A member posting the form is refused as everywhere (back where they came from).
    const erin = await app.fetch(
      "/api/auth/login",
      json("POST", { username: "erin", password: "correct horse battery" }),
    );
    const erinCookie = erin.headers.getSetCookie()[0].split(";")[0];
    res = await app.fetch(
      "/api/admin/settings",
      withReferer(form({ name: "Erin's" }, erinCookie), "http://localhost/"),
    );
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/?error=forbidden");
  });
});

Deno.test("the /admin pages: admins only (sign in first, 403 for a member, 404 for no account)", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await annAndBen(app);
    const out = await app.fetch("/admin");
    assert.equal(out.status, 303);
    assert.equal(out.headers.get("location"), "/login?next=%2Fadmin");
    const member = await app.fetch("/admin", withCookie(ben.cookie));
    assert.equal(member.status, 403);
    assert.match(await member.text(), /Only for site admins/);
    assert.equal(
      (await app.fetch(`/admin/users/${ann.user.id}/delete`, withCookie(ben.cookie))).status,
      403,
    );

    const admin = await app.fetch("/admin?failed=last_admin&done=<script>", withCookie(ann.cookie));
    assert.equal(admin.status, 200);
    const html = await admin.text();
    assert.match(html, /<title>Site admin · Hearth<\/title>/);
    assert.match(html, /only site admin/);
    assert.ok(!html.includes("<script>"), "only known codes are said");
    assert.match(html, /Disable: Ben Member \(@ben\)/);
    assert.ok(!html.includes("Disable: Ann Admin"), "no button to disable yourself");
    assert.ok(!html.includes("Remove admin: Ann Admin"), "the sole admin cannot step down");

    const confirm = await app.fetch(`/admin/users/${ben.user.id}/delete`, withCookie(ann.cookie));
    assert.equal(confirm.status, 200);
    assert.match(await confirm.text(), /Delete Ben Member/);
    const none = await app.fetch(
      "/admin/users/01HZZZZZZZZZZZZZZZZZZZZZZZ/delete",
      withCookie(ann.cookie),
    );
    assert.equal(none.status, 404);
  });
});

Deno.test("two admins stepping down at the same moment: one stays admin", async () => {
  await withApp(async (app) => {
    const { ann, ben } = await annAndBen(app);
    await setSiteAdmin(app.ctx.kv, ben.user.id, true);
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all([
        app.fetch(`/api/admin/users/${ann.user.id}`, patch({ isAdmin: false }, ann.cookie)),
        app.fetch(`/api/admin/users/${ben.user.id}`, patch({ isAdmin: false }, ben.cookie)),
      ]);
      const statuses = answers.map((r) => r.status).sort();
      await Promise.all(answers.map((r) => r.body?.cancel()));
      assert.ok(statuses.includes(409), `one is refused (${statuses})`);
      const admins = (await listPeople(app.ctx.kv)).users.filter((u) => u.isAdmin);
      assert.ok(admins.length >= 1, "someone is still admin");
      for (const who of [ann, ben]) await setSiteAdmin(app.ctx.kv, who.user.id, true);
    }
    // Disabling each other at once: the same.
    const answers = await Promise.all([
      app.fetch(`/api/admin/users/${ben.user.id}`, patch({ disabled: true }, ann.cookie)),
      app.fetch(`/api/admin/users/${ann.user.id}`, patch({ disabled: true }, ben.cookie)),
    ]);
    await Promise.all(answers.map((r) => r.body?.cancel()));
    const active = (await listPeople(app.ctx.kv)).users.filter((u) => u.isAdmin && !u.disabled);
    assert.ok(active.length >= 1, "an active admin is left");
  });
});
