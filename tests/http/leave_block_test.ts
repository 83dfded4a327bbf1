/**
 * Issue 15, item 11: what one person can make others take part in. Creating conversations
 * and projects is limited per person (429 with Retry-After); a person leaves a group they
 * were pulled into, and blocks whoever did it (a direct conversation's other person, a
 * group's creator), who then cannot pull them back.
 */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  json,
  type Person,
  registerUser,
  type TestApp,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { chatTest, join } from "../support/ws_client.ts";

const create = (app: Pick<TestApp, "fetch">, who: Person, body: unknown) =>
  app.fetch("/api/conversations", json("POST", body, who.cookie));
const action = (app: Pick<TestApp, "fetch">, who: Person, id: string, what: string) =>
  app.fetch(`/api/conversations/${id}/${what}`, json("POST", undefined, who.cookie));
const listed = async (app: Pick<TestApp, "fetch">, who: Person): Promise<string[]> => {
  const res = await app.fetch("/api/conversations", withCookie(who.cookie));
  return (await res.json()).conversations.map((c: { id: string }) => c.id);
};

Deno.test("creating conversations and projects is limited per person: 429 with Retry-After", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    // RATE_LIMIT_SCALE 0.1: 10 conversations and 2 projects an hour (and 2 registrations).
    for (let i = 0; i < 10; i++) {
      assert.equal(
        (await create(app, ann, { usernames: [ben.user.username], title: `R${i}` }))
          .status,
        201,
      );
    }
    const res = await create(app, ann, { usernames: [ben.user.username], title: "one more" });
    await assertError(res, 429, "rate_limited");
    assert.ok(Number(res.headers.get("retry-after")) > 0);
    // Ben's own limit is his own.
    assert.equal(
      (await create(app, ben, { usernames: [ann.user.username], title: "x" })).status,
      201,
    );
    const project = () => app.fetch("/api/projects", json("POST", { name: "P" }, ann.cookie));
    assert.equal((await project()).status, 201);
    assert.equal((await project()).status, 201);
    await assertError(await project(), 429, "rate_limited");
  }, { RATE_LIMIT_SCALE: "0.1" });
});

Deno.test("POST /api/conversations/:id/leave: a group is left (204), a direct one or a project's is not", async (t) => {
  await withApp(async (app) => {
    const [ann, ben, cy] = [
      await registerUser(app),
      await registerUser(app),
      await registerUser(app),
    ];
    const group = await createConversationVia(app, ann.cookie, [ben.user, cy.user], "Pulled in");
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);

    await t.step("the group: 204, then a 404 for ben and gone from his list", async () => {
      const res = await action(app, ben, group, "leave");
      assert.equal(res.status, 204);
      assert.ok(!(await listed(app, ben)).includes(group));
      await assertError(
        await app.fetch(`/api/conversations/${group}`, withCookie(ben.cookie)),
        404,
        "not_found",
      );
      const { conversation } = await (await app.fetch(
        `/api/conversations/${group}`,
        withCookie(ann.cookie),
      )).json();
      assert.deepEqual(
        conversation.participants.map((u: { id: string }) => u.id).sort(),
        [ann.user.id, cy.user.id].sort(),
      );
      await assertError(await action(app, ben, group, "leave"), 404, "not_found");
    });

    await t.step("a direct conversation: 409 direct_conversation (block instead)", async () => {
      await assertError(await action(app, ben, direct, "leave"), 409, "direct_conversation");
    });

    await t.step("a project's conversation: 409 leave_project", async () => {
      const res = await app.fetch("/api/projects", json("POST", { name: "Proj" }, ann.cookie));
      const { project } = await res.json();
      await assertError(
        await action(app, ann, project.conversationId, "leave"),
        409,
        "leave_project",
      );
    });

    await t.step("someone else's conversation: 404", async () => {
      const mine = await createConversationVia(app, ann.cookie, [cy.user], "Not Ben's");
      await assertError(await action(app, ben, mine, "leave"), 404, "not_found");
    });
  });
});

Deno.test("POST /api/conversations/:id/block: hidden, and its creator cannot pull them back", async (t) => {
  await withApp(async (app) => {
    const [ann, ben, cy] = [
      await registerUser(app),
      await registerUser(app),
      await registerUser(app),
    ];
    const direct = await createConversationVia(app, ann.cookie, [ben.user]);

    await t.step("ben blocks the direct conversation: 204, gone for him", async () => {
      assert.equal((await action(app, ben, direct, "block")).status, 204);
      assert.ok(!(await listed(app, ben)).includes(direct));
      const blocked = await (await app.fetch(
        "/api/conversations/blocked",
        withCookie(ben.cookie),
      )).json();
      assert.deepEqual(blocked.users.map((u: { id: string }) => u.id), [ann.user.id]);
    });

    await t.step(
      "ann cannot start a direct or group conversation with ben: 403 blocked",
      async () => {
        for (
          const body of [
            { usernames: [ben.user.username] },
            { participantIds: [ben.user.id, cy.user.id], title: "Again" },
          ]
        ) {
          const error = await assertError(await create(app, ann, body), 403, "blocked");
          assert.match(error.message, new RegExp(`@${ben.user.username}`));
        }
        assert.ok(!(await listed(app, ben)).includes(direct));
      },
    );

    await t.step("nor add him to a project", async () => {
      const res = await app.fetch("/api/projects", json("POST", { name: "Proj" }, ann.cookie));
      const { project } = await res.json();
      await assertError(
        await app.fetch(
          `/api/projects/${project.id}/members`,
          json("POST", { username: ben.user.username }, ann.cookie),
        ),
        403,
        "blocked",
      );
    });

    await t.step("others still can; a group's creator is blocked with the group", async () => {
      const group = await createConversationVia(app, cy.cookie, [ben.user, ann.user], "Cy's");
      assert.equal((await action(app, ben, group, "block")).status, 204);
      await assertError(await create(app, cy, { usernames: [ben.user.username] }), 403, "blocked");
    });

    await t.step("unblocked, ann may start a new direct conversation with him", async () => {
      const res = await app.fetch(
        `/api/conversations/blocked/${ann.user.id}`,
        json("DELETE", undefined, ben.cookie),
      );
      assert.equal(res.status, 204);
      const again = await create(app, ann, { usernames: [ben.user.username] });
      assert.equal(again.status, 201);
      const { conversation } = await again.json();
      assert.notEqual(conversation.id, direct);
      assert.ok((await listed(app, ben)).includes(conversation.id));
    });
  });
});

chatTest(
  "leaving a group: the leaver's open socket stops receiving from it at once",
  async (chat) => {
    const { ann, ben, a, b } = await chat.pair();
    const cy = await chat.person();
    const group = await createConversationVia(chat.server, ann.cookie, [ben.user, cy.user], "G");
    await join(a, group);
    await join(b, group);
    const res = await action(chat.server, ben, group, "leave");
    assert.equal(res.status, 204);
    const error = await b.next("error");
    assert.equal(error.code, "removed");
    assert.equal(error.ref, group);
    await chat.post(ann, group, "after ben left");
    await a.next("message", (f) => f.message.content === "after ben left");
    await new Promise((r) => setTimeout(r, 250));
    assert.ok(
      !b.frames.some((f) => f.type === "message" && f.message.content === "after ben left"),
      "ben's socket heard nothing more",
    );
  },
);
