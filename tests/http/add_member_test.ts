/**
 * Issue 15, item 6, the server's side: `@carol` is carol; a name nobody has is a 400 whose
 * field says which name; a form post without JavaScript comes back to the project page with
 * the error by the field (never the page-wide banner), and a crafted address cannot make the
 * page say anything but a username.
 */
import assert from "node:assert/strict";
import { assertError, form, json, registerUser, withApp, withCookie } from "../support/helpers.ts";

Deno.test("adding a project member by @name, and an unknown name said by the field", async (t) => {
  await withApp(async (app) => {
    const ann = await registerUser(app, { username: "ann" });
    const carol = await registerUser(app, { username: "carol", displayName: "Carol Diaz" });
    const { project } = await (await app.fetch(
      "/api/projects",
      json("POST", { name: "Apollo" }, ann.cookie),
    )).json();
    const add = (body: unknown) =>
      app.fetch(`/api/projects/${project.id}/members`, json("POST", body, ann.cookie));

    await t.step("an unknown @name: 400 naming it in fields.username", async () => {
      const error = await assertError(await add({ username: "@carl" }), 400, "invalid_input");
      assert.equal(error.fields?.username, "Nobody is called @carl.");
    });

    await t.step("@carol (as names are shown) adds carol", async () => {
      const res = await add({ username: " @Carol " });
      assert.equal(res.status, 201);
      assert.equal((await res.json()).member.user.id, carol.user.id);
    });

    await t.step("without JavaScript: back to the page, the error by the field", async () => {
      const res = await app.fetch(`/api/projects/${project.id}/members`, {
        ...form({ username: "@carl", role: "" }, ann.cookie),
        headers: {
          ...form({}, ann.cookie).headers as Record<string, string>,
          accept: "text/html",
          referer: `http://localhost/projects/${project.id}`,
        },
      });
      assert.equal(res.status, 303);
      const location = res.headers.get("location") ?? "";
      assert.equal(
        location,
        `/projects/${project.id}?add_error=unknown_user&add=%40carl#add-member`,
      );
      const page = await (await app.fetch(location, withCookie(ann.cookie))).text();
      assert.match(page, /id="member-username-error"[^>]*>Nobody is called @carl\.</);
      assert.match(page, /aria-invalid="true"/);
      assert.doesNotMatch(page, /class="fixed[^"]*"[^>]*>|role="alert"[^>]*class="fixed/);
    });

    await t.step("a crafted address says nothing of its own (the field keeps it)", async () => {
      const page = await (await app.fetch(
        `/projects/${project.id}?add_error=unknown_user&add=${encodeURIComponent("Call us now")}`,
        withCookie(ann.cookie),
      )).text();
      assert.match(page, /id="member-username-error"[^>]*>Nobody has that username\.</);
      assert.doesNotMatch(page, />[^<]*Call us now[^<]*</, "only as the field's value");
    });
  });
});
