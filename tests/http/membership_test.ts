/**
 * Membership that changes (issue 16, item 4): adding people to a group or channel (any
 * participant; blocks respected; not a direct or a project's conversation), removing them (a
 * channel's creator or a site admin, a group's creator, or yourself), leaving, renaming a
 * group; each as a system message; the person removed loses the conversation and its history.
 */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  createProjectVia,
  form,
  json,
  okJson,
  registerUser,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { history, people } from "../support/talk.ts";

type Person = Awaited<ReturnType<typeof registerUser>>;

const everyone = (app: TestApp) =>
  people(app, ["root", "ann", "ben", "cat", "dan"], { displayNames: true });

async function lastSystem(app: TestApp, who: Person, id: string) {
  const system = (await history(app, who.cookie, id)).filter((m) => m.kind === "system");
  return system.at(-1)!;
}

async function listIds(app: TestApp, who: Person): Promise<string[]> {
  const res = await app.fetch("/api/conversations", withCookie(who.cookie));
  return (await okJson(res)).conversations.map((c: { id: string }) => c.id);
}

const addTo = (app: TestApp, id: string, who: Person, usernames: unknown) =>
  app.fetch(`/api/conversations/${id}/members`, json("POST", { usernames }, who.cookie));
const removeFrom = (app: TestApp, id: string, who: Person, userId: string) =>
  app.fetch(`/api/conversations/${id}/members/${userId}`, json("DELETE", undefined, who.cookie));

Deno.test("adding people to a group: any participant, by username, told as a system message", async (t) => {
  await withApp(async (app) => {
    const { ann, ben, cat, dan } = await everyone(app);
    const group = await createConversationVia(app, ann.cookie, [ben.user], "Planning");

    await t.step("ben adds @Cat and dan: 200, four members, in their lists", async () => {
      const { conversation } = await okJson(await addTo(app, group, ben, ["@Cat", " dan "]));
      assert.equal(conversation.memberCount, 4);
      assert.ok((await listIds(app, cat)).includes(group));
      assert.ok((await listIds(app, dan)).includes(group));
      const message = await lastSystem(app, cat, group);
      assert.equal(message.system?.event, "added");
      assert.equal(message.system?.actor.id, ben.user.id);
      assert.deepEqual(message.system?.users?.map((u) => u.username), ["cat", "dan"]);
      assert.equal(message.content, "Ben added Cat and Dan");
    });

    await t.step("the newcomers read the history from the start", async () => {
      const seen = await history(app, dan.cookie, group);
      assert.equal(seen.at(-1)?.system?.event, "added");
    });

    await t.step("adding who is in already: 200, no new system message", async () => {
      const before = (await history(app, ann.cookie, group)).length;
      await okJson(await addTo(app, group, ann, ["ben", "cat"]));
      assert.equal((await history(app, ann.cookie, group)).length, before);
    });

    await t.step("an unknown name: 400 naming it in fields.usernames; none: 400", async () => {
      let error = await assertError(await addTo(app, group, ann, ["nobody"]), 400, "invalid_input");
      assert.equal(error.fields?.usernames, "Nobody is called @nobody.");
      error = await assertError(await addTo(app, group, ann, []), 400, "invalid_input");
      assert.ok(error.fields?.usernames);
      error = await assertError(await addTo(app, group, ann, 7), 400, "invalid_input");
      assert.ok(error.fields?.usernames);
    });

    await t.step("someone not in it: 404", async () => {
      const eve = await registerUser(app, { username: "eve" });
      await assertError(await addTo(app, group, eve, ["eve"]), 404, "not_found");
    });

    await t.step("a form post (comma separated): 303 back to the conversation", async () => {
      const fay = await registerUser(app, { username: "fay" });
      const res = await app.fetch(
        `/api/conversations/${group}/members`,
        form({ usernames: "@fay" }, ann.cookie),
      );
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `/conversations/${group}`);
      assert.ok((await listIds(app, fay)).includes(group));
    });

    await t.step("signed out: 401", async () => {
      await assertError(
        await app.fetch(`/api/conversations/${group}/members`, json("POST", { usernames: ["x"] })),
        401,
        "unauthorized",
      );
    });
  });
});

Deno.test("adding is refused for a person who blocks you, a direct and a project's conversation", async (t) => {
  await withApp(async (app) => {
    const { ann, ben, cat } = await everyone(app);
    const group = await createConversationVia(app, ann.cookie, [ben.user], "Planning");

    await t.step("cat blocks ann: ann cannot add cat (403 blocked), ben can", async () => {
      const direct = await createConversationVia(app, ann.cookie, [cat.user]);
      const block = await app.fetch(
        `/api/conversations/${direct}/block`,
        json("POST", {}, cat.cookie),
      );
      assert.equal(block.status, 204);
      await assertError(await addTo(app, group, ann, ["cat"]), 403, "blocked");
      await okJson(await addTo(app, group, ben, ["cat"]));
    });

    await t.step("a direct conversation: 409 direct_conversation", async () => {
      const direct = await createConversationVia(app, ann.cookie, [ben.user]);
      await assertError(await addTo(app, direct, ann, ["root"]), 409, "direct_conversation");
    });

    await t.step(
      "a project's conversation follows its members: 409 project_conversation",
      async () => {
        const project = await createProjectVia(app, ann.cookie, { name: "Apollo" }, ["ben"]);
        await assertError(
          await addTo(app, project.conversationId, ann, ["cat"]),
          409,
          "project_conversation",
        );
        await assertError(
          await removeFrom(app, project.conversationId, ann, ben.user.id),
          409,
          "project_conversation",
        );
        // A group inside the project: only the project's members may be added.
        const inner = await okJson(
          await app.fetch(
            "/api/conversations",
            json("POST", { usernames: ["ben"], title: "inner", projectId: project.id }, ann.cookie),
          ),
          201,
        );
        const error = await assertError(
          await addTo(app, inner.conversation.id, ann, ["cat"]),
          400,
          "invalid_input",
        );
        assert.match(error.fields?.participants ?? "", /cat/);
        await okJson(
          await app.fetch(
            `/api/projects/${project.id}/members`,
            json("POST", { username: "root" }, ann.cookie),
          ),
          201,
        );
        await okJson(await addTo(app, inner.conversation.id, ben, ["root"]));
        const patch = await app.fetch(
          `/api/conversations/${project.conversationId}`,
          json("PATCH", { title: "Renamed" }, ann.cookie),
        );
        await assertError(patch, 409, "project_conversation");
      },
    );
  });
});

Deno.test("removing people: a group's creator, a channel's creator or a site admin, or yourself", async (t) => {
  await withApp(async (app) => {
    const { root, ann, ben, cat, dan } = await everyone(app);
    const group = await createConversationVia(app, ann.cookie, [ben.user, cat.user, dan.user]);

    await t.step("in a group, ben (not its creator) removing cat: 403", async () => {
      await assertError(await removeFrom(app, group, ben, cat.user.id), 403, "forbidden");
    });

    await t.step("ann (its creator) removes cat: 204; cat loses it and its history", async () => {
      await app.fetch(
        `/api/conversations/${group}/messages`,
        json("POST", { content: "before" }, ann.cookie),
      );
      assert.equal((await removeFrom(app, group, ann, cat.user.id)).status, 204);
      assert.ok(!(await listIds(app, cat)).includes(group));
      for (const path of [`/api/conversations/${group}`, `/api/conversations/${group}/messages`]) {
        await assertError(await app.fetch(path, withCookie(cat.cookie)), 404, "not_found");
      }
      const send = await app.fetch(
        `/api/conversations/${group}/messages`,
        json("POST", { content: "still here?" }, cat.cookie),
      );
      await assertError(send, 404, "not_found");
      const message = await lastSystem(app, ann, group);
      assert.equal(message.system?.event, "removed");
      assert.deepEqual(message.system?.users?.map((u) => u.id), [cat.user.id]);
    });

    await t.step("someone not in it: 404; removing them again: 404", async () => {
      await assertError(await removeFrom(app, group, ann, cat.user.id), 404, "not_found");
      await assertError(await removeFrom(app, group, cat, ann.user.id), 404, "not_found");
    });

    await t.step("removing yourself is leaving: 204 and 'left'", async () => {
      assert.equal((await removeFrom(app, group, dan, dan.user.id)).status, 204);
      assert.ok(!(await listIds(app, dan)).includes(group));
      const message = await lastSystem(app, ann, group);
      assert.equal(message.system?.event, "left");
      assert.equal(message.system?.actor.id, dan.user.id);
    });

    await t.step(
      "a channel: its creator removes, a member does not, the site admin does",
      async () => {
        const made = await app.fetch(
          "/api/conversations",
          json("POST", { kind: "channel", title: "general" }, ann.cookie),
        );
        const { conversation } = await okJson(made, 201);
        for (const who of [ben, cat, dan]) {
          await okJson(
            await app.fetch(
              `/api/conversations/${conversation.id}/join`,
              json("POST", {}, who.cookie),
            ),
          );
        }
        await assertError(
          await removeFrom(app, conversation.id, ben, cat.user.id),
          403,
          "forbidden",
        );
        assert.equal((await removeFrom(app, conversation.id, ann, cat.user.id)).status, 204);
        // The site admin is not in it (public: they can see it).
        assert.equal((await removeFrom(app, conversation.id, root, dan.user.id)).status, 204);
        const message = await lastSystem(app, ann, conversation.id);
        assert.equal(message.system?.event, "removed");
        assert.equal(message.system?.actor.id, root.user.id);
        // A member who was removed may join a public channel again.
        await okJson(
          await app.fetch(
            `/api/conversations/${conversation.id}/join`,
            json("POST", {}, cat.cookie),
          ),
        );
      },
    );

    await t.step("the form twin: POST …/members/:userId/remove answers 303", async () => {
      const res = await app.fetch(
        `/api/conversations/${group}/members/${ben.user.id}/remove`,
        form({}, ann.cookie),
      );
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), `/conversations/${group}`);
      const self = await app.fetch(
        `/api/conversations/${group}/members/${ann.user.id}/remove`,
        form({}, ann.cookie),
      );
      assert.equal(self.status, 303);
      assert.equal(self.headers.get("location"), "/");
    });

    await t.step("signed out: 401", async () => {
      const res = await app.fetch(
        `/api/conversations/${group}/members/${ben.user.id}`,
        json("DELETE"),
      );
      await assertError(res, 401, "unauthorized");
    });
  });
});

Deno.test("a group's settings: any participant renames it or sets its topic; never archived", async (t) => {
  await withApp(async (app) => {
    const { ann, ben, cat } = await everyone(app);
    const group = await createConversationVia(app, ann.cookie, [ben.user], "Planning");
    const patch = (who: Person, body: unknown) =>
      app.fetch(`/api/conversations/${group}`, json("PATCH", body, who.cookie));

    await t.step("ben renames it and sets a topic: 200, told as system messages", async () => {
      const { conversation } = await okJson(await patch(ben, { title: "Launch", topic: "Friday" }));
      assert.equal(conversation.title, "Launch");
      assert.equal(conversation.topic, "Friday");
      const events = (await history(app, ann.cookie, group)).map((m) => m.system?.event);
      assert.deepEqual(events, ["renamed", "topic"]);
      const listed = await okJson(await app.fetch("/api/conversations", withCookie(ann.cookie)));
      assert.equal(listed.conversations[0].title, "Launch");
    });

    await t.step("an empty title clears it (the names stand in)", async () => {
      const { conversation } = await okJson(await patch(ann, { title: "" }));
      assert.equal(conversation.title, null);
    });

    await t.step("archived: 400 (only channels); too long a title: 400", async () => {
      let error = await assertError(await patch(ann, { archived: true }), 400, "invalid_input");
      assert.ok(error.fields?.archived);
      error = await assertError(await patch(ann, { title: "x".repeat(101) }), 400, "invalid_input");
      assert.ok(error.fields?.title);
    });

    await t.step("someone not in it: 404; a direct conversation: 409", async () => {
      await assertError(await patch(cat, { title: "mine" }), 404, "not_found");
      const direct = await createConversationVia(app, ann.cookie, [cat.user]);
      const res = await app.fetch(
        `/api/conversations/${direct}`,
        json("PATCH", { title: "x" }, ann.cookie),
      );
      await assertError(res, 409, "direct_conversation");
    });
  });
});

Deno.test("leaving a group or channel posts 'left'; a direct one still cannot be left", async () => {
  await withApp(async (app) => {
    const { ann, ben, cat } = await everyone(app);
    const group = await createConversationVia(app, ann.cookie, [ben.user, cat.user]);
    const res = await app.fetch(`/api/conversations/${group}/leave`, json("POST", {}, cat.cookie));
    assert.equal(res.status, 204);
    const message = await lastSystem(app, ann, group);
    assert.equal(message.system?.event, "left");
    assert.equal(message.content, "Cat left");
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);
    await assertError(
      await app.fetch(`/api/conversations/${direct}/leave`, json("POST", {}, ann.cookie)),
      409,
      "direct_conversation",
    );
  });
});
