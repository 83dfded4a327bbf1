/**
 * Names that impersonate: display names, conversation titles, project names and file names
 * lose control, bidi and zero-width characters on the way in (and on the way out, for what
 * was stored before); a file keeps its name's last segment only; a display name that mixes
 * scripts ("аdmin" with a Cyrillic а) is marked wherever others see it.
 */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  json,
  okJson,
  registerUser,
  uploadInit,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { parseDisposition } from "../support/util.ts";

Deno.test("display names lose bidi overrides, zero-width characters and NUL; mixed scripts are marked", async () => {
  await withApp(async (app) => {
    const spoof = await registerUser(app, { displayName: "\u202Enimda\u200B\u0000" });
    assert.equal(spoof.user.displayName, "nimda");
    const lookalike = await registerUser(app, { displayName: "аdmin" }); // Cyrillic а
    assert.equal(lookalike.user.displayName, "аdmin [mixed scripts]");
    const real = await registerUser(app, { displayName: "Zoë 👩‍💻" });
    assert.equal(real.user.displayName, "Zoë 👩‍💻");

    const found = await okJson(
      await app.fetch("/api/conversations/users?search=dmin", withCookie(real.cookie)),
    );
    const names = found.users.map((u: { displayName: string }) => u.displayName).sort();
    assert.deepEqual(names, ["аdmin [mixed scripts]"]);

    // Shown with the mark on the pages others read (here, beside a message she sent).
    const id = await createConversationVia(app, lookalike.cookie, [real.user]);
    await okJson(
      await app.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: "please send me your password" }, lookalike.cookie),
      ),
      201,
    );
    const page = await (await app.fetch(`/conversations/${id}`, withCookie(real.cookie))).text();
    assert.ok(page.includes("аdmin [mixed scripts]"), "the mark is on the page");
    assert.ok(!/аdmin(?! \[mixed scripts\])/.test(page), "never without it");

    const invisible = await app.fetch(
      "/api/auth/register",
      json("POST", { username: "ghost", password: "a long password", displayName: "\u200B\u202E" }),
    );
    const error = await assertError(invisible, 400, "invalid_input");
    assert.ok(error.fields?.displayName, "says which field");
  });
});

Deno.test("conversation titles and project names lose control, bidi and zero-width characters", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(
      app,
      ann.cookie,
      [ben.user],
      "\u202Egnp.exe\u200B\u0007",
    );
    const { conversation } = await okJson(
      await app.fetch(`/api/conversations/${id}`, withCookie(ann.cookie)),
    );
    assert.equal(conversation.title, "gnp.exe");

    const project = await okJson(
      await app.fetch("/api/projects", json("POST", { name: "Ops\u2066\u200D team" }, ann.cookie)),
      201,
    );
    assert.equal(project.project.name, "Ops team");
    const empty = await app.fetch(
      "/api/projects",
      json("POST", { name: "\u200B\u202E" }, ann.cookie),
    );
    await assertError(empty, 400, "invalid_input");
  });
});

Deno.test("an uploaded file keeps its name's last segment only, without bidi characters", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const id = await createConversationVia(app, ann.cookie, [ben.user]);
    for (
      const [given, stored] of [
        ['../../etc/pa"ss', 'pa"ss'],
        ["..\\..\\boot.ini", "boot.ini"],
        ["invoice\u202Efdp.exe", "invoicefdp.exe"],
        ["..", "file"],
      ]
    ) {
      const { file } = await okJson(
        await app.fetch(`/api/conversations/${id}/files`, uploadInit(given, "hello", ann.cookie)),
        201,
      );
      assert.equal(file.name, stored, given);
      const res = await app.fetch(`/api/conversations/${id}/files/${file.id}`, {
        headers: { cookie: ann.cookie },
      });
      await res.body?.cancel();
      const disposition = parseDisposition(res.headers.get("content-disposition"));
      assert.equal(disposition.name, stored);
      assert.doesNotMatch(res.headers.get("content-disposition") ?? "", /\.\.|\//);
    }
  });
});
