import assert from "node:assert/strict";
import type { Project } from "../../lib/projects/mod.ts";
import type { User } from "../../lib/accounts/mod.ts";
import {
  assertError,
  form,
  json,
  okJson,
  type Person,
  registerUser,
  type TestApp,
  uploadInit,
  withApp,
  withCookie,
} from "../support/helpers.ts";

/** Registers people in parallel. */
async function people(app: TestApp, count: number): Promise<Person[]> {
  return await Promise.all(Array.from({ length: count }, () => registerUser(app)));
}

async function createProjectVia(
  app: TestApp,
  owner: Person,
  name = "Apollo",
  description?: string,
): Promise<Project> {
  const res = await app.fetch("/api/projects", json("POST", { name, description }, owner.cookie));
  return (await okJson(res, 201)).project;
}

function addMember(app: TestApp, actor: Person, projectId: string, body: unknown) {
  return app.fetch(`/api/projects/${projectId}/members`, json("POST", body, actor.cookie));
}

async function addMemberOk(
  app: TestApp,
  actor: Person,
  projectId: string,
  who: Person,
  role?: "admin" | "member",
) {
  const res = await addMember(app, actor, projectId, { username: who.user.username, role });
  return (await okJson(res, 201)).member;
}

function removeMember(app: TestApp, actor: Person, projectId: string, userId: string) {
  return app.fetch(
    `/api/projects/${projectId}/members/${userId}`,
    json("DELETE", undefined, actor.cookie),
  );
}

async function uploadOk(app: TestApp, who: Person, projectId: string, name: string, text = "hi") {
  const res = await app.fetch(
    `/api/projects/${projectId}/files`,
    uploadInit(name, text, who.cookie),
  );
  return (await okJson(res, 201)).file;
}

Deno.test("POST /api/projects creates a project with its conversation, creator as owner", async () => {
  await withApp(async (app) => {
    const [ada] = await people(app, 1);
    const res = await app.fetch(
      "/api/projects",
      json("POST", { name: "  Apollo  ", description: "Moon shot" }, ada.cookie),
    );
    const { project } = await okJson(res, 201);
    assert.match(project.id, /^[0-9A-Z]{26}$/);
    assert.equal(project.name, "Apollo");
    assert.equal(project.description, "Moon shot");
    assert.equal(project.role, "owner");
    assert.equal(typeof project.conversationId, "string");
    assert.ok(project.conversationId.length > 0);
    assert.ok(!Number.isNaN(Date.parse(project.createdAt)));

    const conv = await okJson(
      await app.fetch(`/api/conversations/${project.conversationId}`, withCookie(ada.cookie)),
    );
    assert.equal(conv.conversation.kind, "project");
    assert.equal(conv.conversation.projectId, project.id);
    assert.deepEqual(conv.conversation.participants.map((u: User) => u.id), [ada.user.id]);
  });
});

Deno.test("POST /api/projects without a name answers 400 with the field", async () => {
  await withApp(async (app) => {
    const [ada] = await people(app, 1);
    const error = await assertError(
      await app.fetch("/api/projects", json("POST", { name: "   " }, ada.cookie)),
      400,
      "invalid_input",
    );
    assert.ok(error.fields?.name);
  });
});

Deno.test("GET /api/projects lists only the projects you are a member of", async () => {
  await withApp(async (app) => {
    const [ada, bob] = await people(app, 2);
    const mine = await createProjectVia(app, ada, "Mine");
    const theirs = await createProjectVia(app, bob, "Theirs");
    const shared = await createProjectVia(app, bob, "Shared");
    await addMemberOk(app, bob, shared.id, ada);

    const { projects } = await okJson(await app.fetch("/api/projects", withCookie(ada.cookie)));
    const byId = new Map(projects.map((p: Project) => [p.id, p]));
    assert.deepEqual([...byId.keys()].sort(), [mine.id, shared.id].sort());
    assert.equal((byId.get(mine.id) as Project).role, "owner");
    assert.equal((byId.get(shared.id) as Project).role, "member");
    assert.ok(!byId.has(theirs.id));
  });
});

Deno.test("GET /api/projects/:id answers the project with its members", async () => {
  await withApp(async (app) => {
    const [ada, bob, cy] = await people(app, 3);
    const project = await createProjectVia(app, ada);
    await addMemberOk(app, ada, project.id, bob, "admin");
    await addMemberOk(app, ada, project.id, cy);

    const body = await okJson(
      await app.fetch(`/api/projects/${project.id}`, withCookie(cy.cookie)),
    );
    assert.equal(body.project.id, project.id);
    assert.equal(body.project.role, "member");
    assert.deepEqual(
      body.members.map((m: { user: User; role: string }) => [m.user.id, m.role]),
      [[ada.user.id, "owner"], [bob.user.id, "admin"], [cy.user.id, "member"]],
    );
    assert.ok(
      body.members.every((m: { joinedAt: string }) => !Number.isNaN(Date.parse(m.joinedAt))),
    );
    assert.ok(!("password" in body.members[0].user), "no credentials in the answer");
  });
});

Deno.test("POST /api/projects/:id/members adds people by username for owners and admins", async (t) => {
  await withApp(async (app) => {
    const [ada, bob, cy, dee] = await people(app, 4);
    const project = await createProjectVia(app, ada);

    await t.step("the owner adds an admin (username in any case)", async () => {
      const res = await addMember(app, ada, project.id, {
        username: bob.user.username.toUpperCase(),
        role: "admin",
      });
      const { member } = await okJson(res, 201);
      assert.equal(member.user.id, bob.user.id);
      assert.equal(member.role, "admin");
    });

    await t.step("an admin adds a member (role defaults to member)", async () => {
      const member = await addMemberOk(app, bob, project.id, cy);
      assert.equal(member.role, "member");
    });

    await t.step("a plain member gets 403", async () => {
      await assertError(
        await addMember(app, cy, project.id, { username: dee.user.username }),
        403,
        "forbidden",
      );
    });

    await t.step("an unknown username is a 400", async () => {
      const error = await assertError(
        await addMember(app, ada, project.id, { username: "nobody_here" }),
        400,
        "invalid_input",
      );
      assert.ok(error.fields?.username);
    });

    await t.step("someone already a member is a 409", async () => {
      await assertError(
        await addMember(app, ada, project.id, { username: cy.user.username }),
        409,
        "already_member",
      );
    });

    await t.step("the owner role is refused with 400", async () => {
      const error = await assertError(
        await addMember(app, ada, project.id, { username: dee.user.username, role: "owner" }),
        400,
        "invalid_input",
      );
      assert.ok(error.fields?.role);
    });

    await t.step("only the successful adds became members", async () => {
      const { members } = await okJson(
        await app.fetch(`/api/projects/${project.id}`, withCookie(ada.cookie)),
      );
      assert.deepEqual(
        members.map((m: { user: User }) => m.user.id).sort(),
        [ada.user.id, bob.user.id, cy.user.id].sort(),
      );
    });
  });
});

Deno.test("project members are exactly the participants of its conversation", async () => {
  await withApp(async (app) => {
    const [ada, bob, eve] = await people(app, 3);
    const project = await createProjectVia(app, ada);
    await addMemberOk(app, ada, project.id, bob);

    for (const who of [ada, bob]) {
      const { conversations } = await okJson(
        await app.fetch("/api/conversations", withCookie(who.cookie)),
      );
      const conv = conversations.find((c: { id: string }) => c.id === project.conversationId);
      assert.ok(conv, `the project's conversation is listed for ${who.user.username}`);
      assert.equal(conv.kind, "project");
      assert.equal(conv.projectId, project.id);
      assert.deepEqual(
        conv.participants.map((u: User) => u.id).sort(),
        [ada.user.id, bob.user.id].sort(),
      );
    }
    const { conversations } = await okJson(
      await app.fetch("/api/conversations", withCookie(eve.cookie)),
    );
    assert.deepEqual(conversations, [], "a non-member does not see it");
  });
});

Deno.test("DELETE /api/projects/:id/members/:userId removes their access to the project and its conversation", async () => {
  await withApp(async (app) => {
    const [ada, bob] = await people(app, 2);
    const project = await createProjectVia(app, ada);
    await addMemberOk(app, ada, project.id, bob);
    const conv = `/api/conversations/${project.conversationId}`;
    await okJson(
      await app.fetch(`${conv}/messages`, json("POST", { content: "hello" }, ada.cookie)),
      201,
    );
    await okJson(await app.fetch(`${conv}/messages`, withCookie(bob.cookie)));

    const res = await removeMember(app, ada, project.id, bob.user.id);
    assert.equal(res.status, 204);
    assert.equal(await res.text(), "");

    await assertError(
      await app.fetch(`/api/projects/${project.id}`, withCookie(bob.cookie)),
      404,
      "not_found",
    );
    await assertError(await app.fetch(conv, withCookie(bob.cookie)), 404, "not_found");
    await assertError(
      await app.fetch(`${conv}/messages`, withCookie(bob.cookie)),
      404,
      "not_found",
    );
    await assertError(
      await app.fetch(`${conv}/messages`, json("POST", { content: "still here?" }, bob.cookie)),
      404,
      "not_found",
    );
    const { projects } = await okJson(await app.fetch("/api/projects", withCookie(bob.cookie)));
    assert.deepEqual(projects, []);
    const { conversations } = await okJson(
      await app.fetch("/api/conversations", withCookie(bob.cookie)),
    );
    assert.deepEqual(conversations, []);
    const { members } = await okJson(
      await app.fetch(`/api/projects/${project.id}`, withCookie(ada.cookie)),
    );
    assert.deepEqual(members.map((m: { user: User }) => m.user.id), [ada.user.id]);
  });
});

Deno.test("removing members follows the roles: owner stays, admins only by the owner", async (t) => {
  await withApp(async (app) => {
    const [ada, bob, cy, dee] = await people(app, 4);
    const project = await createProjectVia(app, ada);
    await addMemberOk(app, ada, project.id, bob, "admin");
    await addMemberOk(app, ada, project.id, cy, "admin");
    await addMemberOk(app, ada, project.id, dee);

    await t.step("a plain member cannot remove someone else", async () => {
      await assertError(await removeMember(app, dee, project.id, cy.user.id), 403, "forbidden");
    });
    await t.step("an admin cannot remove another admin", async () => {
      await assertError(await removeMember(app, bob, project.id, cy.user.id), 403, "forbidden");
    });
    await t.step("nobody can remove the owner", async () => {
      await assertError(await removeMember(app, bob, project.id, ada.user.id), 403, "forbidden");
      await assertError(await removeMember(app, ada, project.id, ada.user.id), 403, "forbidden");
    });
    await t.step("someone not a member is a 404", async () => {
      await assertError(
        await removeMember(app, ada, project.id, "01HZZZZZZZZZZZZZZZZZZZZZZZ"),
        404,
        "not_found",
      );
    });
    await t.step("a member may leave", async () => {
      assert.equal((await removeMember(app, dee, project.id, dee.user.id)).status, 204);
    });
    await t.step("the owner removes an admin", async () => {
      assert.equal((await removeMember(app, ada, project.id, cy.user.id)).status, 204);
    });
  });
});

Deno.test("the project forms work without JavaScript and answer 303 redirects", async (t) => {
  await withApp(async (app) => {
    const [ada, bob, cy] = await people(app, 3);
    let projectId = "";

    await t.step("creating a project redirects to its page", async () => {
      const res = await app.fetch(
        "/api/projects",
        form({ name: "Gemini", description: "" }, ada.cookie),
      );
      assert.equal(res.status, 303);
      const location = res.headers.get("location") ?? "";
      assert.match(location, /^\/projects\/[0-9A-Z]{26}$/);
      projectId = location.split("/").pop() ?? "";
      const { project } = await okJson(
        await app.fetch(`/api/projects/${projectId}`, withCookie(ada.cookie)),
      );
      assert.equal(project.name, "Gemini");
      assert.equal(project.description, "");
    });

    await t.step("adding a member redirects back to the project", async () => {
      for (const who of [bob, cy]) {
        const res = await app.fetch(
          `/api/projects/${projectId}/members`,
          form({ username: who.user.username, role: "" }, ada.cookie),
        );
        assert.equal(res.status, 303);
        assert.equal(res.headers.get("location"), `/projects/${projectId}`);
      }
    });

    await t.step("removing a member redirects back to the project", async () => {
      const res = await app.fetch(
        `/api/projects/${projectId}/members/${bob.user.id}/remove`,
        form({}, ada.cookie),
      );
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `/projects/${projectId}`);
      await assertError(
        await app.fetch(`/api/projects/${projectId}`, withCookie(bob.cookie)),
        404,
        "not_found",
      );
    });

    await t.step("leaving redirects to the project list", async () => {
      const res = await app.fetch(
        `/api/projects/${projectId}/members/${cy.user.id}/remove`,
        form({}, cy.cookie),
      );
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), "/projects");
      await assertError(
        await app.fetch(`/api/projects/${projectId}`, withCookie(cy.cookie)),
        404,
        "not_found",
      );
    });
  });
});

/** Every project endpoint, for a project, a file in it, and its owner. */
function projectEndpoints(
  projectId: string,
  fileId: string,
  ownerId: string,
  cookie?: string,
): [string, string, RequestInit][] {
  const base = `/api/projects/${projectId}`;
  const get: RequestInit = cookie ? withCookie(cookie) : {};
  return [
    ["GET project", base, get],
    ["POST members", `${base}/members`, json("POST", { username: "someone" }, cookie)],
    ["DELETE member", `${base}/members/${ownerId}`, json("DELETE", undefined, cookie)],
    ["POST member remove form", `${base}/members/${ownerId}/remove`, form({}, cookie)],
    ["GET files", `${base}/files`, get],
    ["POST files", `${base}/files`, uploadInit("x.txt", "sneaky", cookie)],
    ["GET file", `${base}/files/${fileId}`, get],
    ["DELETE file", `${base}/files/${fileId}`, json("DELETE", undefined, cookie)],
    ["POST file delete form", `${base}/files/${fileId}/delete`, form({}, cookie)],
  ];
}

Deno.test("a non-member gets 404 on every project endpoint and changes nothing", async () => {
  await withApp(async (app) => {
    const [ada, eve] = await people(app, 2);
    const project = await createProjectVia(app, ada);
    const file = await uploadOk(app, ada, project.id, "plan.txt", "the plan");

    for (
      const [label, path, init] of projectEndpoints(project.id, file.id, ada.user.id, eve.cookie)
    ) {
      await assertError(await app.fetch(path, init), 404, "not_found").catch((err) => {
        throw new Error(`${label}: ${err.message}`);
      });
    }
    const { files } = await okJson(
      await app.fetch(`/api/projects/${project.id}/files`, withCookie(ada.cookie)),
    );
    assert.deepEqual(files.map((f: { id: string }) => f.id), [file.id]);
    const { members } = await okJson(
      await app.fetch(`/api/projects/${project.id}`, withCookie(ada.cookie)),
    );
    assert.deepEqual(members.map((m: { user: User }) => m.user.id), [ada.user.id]);
  });
});

Deno.test("a member asking for a project that does not exist gets 404", async () => {
  await withApp(async (app) => {
    const [ada] = await people(app, 1);
    for (const id of ["01HZZZZZZZZZZZZZZZZZZZZZZZ", "not-an-id", "x".repeat(200)]) {
      await assertError(
        await app.fetch(`/api/projects/${id}`, withCookie(ada.cookie)),
        404,
        "not_found",
      );
    }
  });
});

Deno.test("every project endpoint answers 401 unauthorized when signed out", async () => {
  await withApp(async (app) => {
    const [ada] = await people(app, 1);
    const project = await createProjectVia(app, ada);
    const file = await uploadOk(app, ada, project.id, "plan.txt");
    const endpoints: [string, string, RequestInit][] = [
      ["GET projects", "/api/projects", {}],
      ["POST projects", "/api/projects", json("POST", { name: "Nope" })],
      ...projectEndpoints(project.id, file.id, ada.user.id),
    ];
    for (const [label, path, init] of endpoints) {
      await assertError(await app.fetch(path, init), 401, "unauthorized").catch((err) => {
        throw new Error(`${label}: ${err.message}`);
      });
    }
  });
});

Deno.test("the /projects page lists your projects and the form to create one", async () => {
  await withApp(async (app) => {
    const [ada, bob] = await people(app, 2);
    await createProjectVia(app, ada, "Apollo <script>alert(1)</script>", "Moon & back");
    await createProjectVia(app, bob, "Bob's secret plan");

    const res = await app.fetch("/projects", withCookie(ada.cookie));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.ok(html.includes("Apollo &lt;script>alert(1)&lt;/script>"), "the name, escaped");
    assert.ok(!html.includes("<script>alert(1)"), "never raw");
    assert.ok(html.includes("Moon &amp; back"));
    assert.ok(!html.includes("secret plan"), "other people's projects are not shown");
    assert.match(html, /<form[^>]*action="\/api\/projects"/);
  });
});

Deno.test("the /projects/:id page shows the project, members and escaped file names", async () => {
  await withApp(async (app) => {
    const [ada, bob] = await people(app, 2);
    const project = await createProjectVia(app, ada, "Apollo");
    await addMemberOk(app, ada, project.id, bob);
    await uploadOk(app, ada, project.id, "<img src=x onerror=alert(1)>.txt");
    await uploadOk(app, ada, project.id, "budget.txt");

    const res = await app.fetch(`/projects/${project.id}`, withCookie(bob.cookie));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.ok(html.includes("Apollo"));
    assert.ok(html.includes(`@${ada.user.username}`));
    assert.ok(html.includes("budget.txt"));
    assert.ok(html.includes("&lt;img src=x onerror=alert(1)>.txt"), "the hostile name, escaped");
    assert.ok(!html.includes("<img src=x"), "the hostile name never raw");
  });
});

Deno.test("the /projects/:id page is the 404 page for a non-member", async () => {
  await withApp(async (app) => {
    const [ada, eve] = await people(app, 2);
    const project = await createProjectVia(app, ada, "Top secret");
    const res = await app.fetch(`/projects/${project.id}`, withCookie(eve.cookie));
    assert.equal(res.status, 404);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.ok(html.includes("Not found"));
    assert.ok(!html.includes("Top secret"));
  });
});

Deno.test("the project pages redirect to /login when signed out", async () => {
  await withApp(async (app) => {
    const [ada] = await people(app, 1);
    const project = await createProjectVia(app, ada);
    const list = await app.fetch("/projects");
    assert.equal(list.status, 303);
    assert.equal(list.headers.get("location"), "/login?next=%2Fprojects");
    const one = await app.fetch(`/projects/${project.id}`);
    assert.equal(one.status, 303);
    assert.equal(
      one.headers.get("location"),
      `/login?next=${encodeURIComponent(`/projects/${project.id}`)}`,
    );
  });
});

Deno.test("removing a member by an overlong or unknown id answers 404, never 500", async () => {
  await withApp(async (app) => {
    const [owner] = await people(app, 1);
    const project = await createProjectVia(app, owner);
    await assertError(
      await removeMember(app, owner, project.id, "x".repeat(3000)),
      404,
      "not_found",
    );
    await assertError(await removeMember(app, owner, project.id, "01NOBODY"), 404, "not_found");
  });
});

Deno.test("conversations inside a project take only its members, and removal takes them out of all", async () => {
  await withApp(async (app) => {
    const [owner, member, outsider] = await people(app, 3);
    const project = await createProjectVia(app, owner);
    await addMemberOk(app, owner, project.id, member);
    const create = (who: Person, others: Person[]) =>
      app.fetch(
        "/api/conversations",
        json("POST", {
          projectId: project.id,
          participantIds: others.map((o) => o.user.id),
        }, who.cookie),
      );

    const made = (await okJson(await create(owner, [member]), 201)).conversation;
    assert.equal(made.projectId, project.id);
    assert.equal(made.kind, "group");
    await assertError(await create(owner, [outsider]), 400, "invalid_input");
    await assertError(await create(outsider, [owner]), 404, "not_found");

    assert.equal((await removeMember(app, owner, project.id, member.user.id)).status, 204);
    const after = await app.fetch(`/api/conversations/${made.id}`, withCookie(member.cookie));
    await assertError(after, 404, "not_found");
  });
});
