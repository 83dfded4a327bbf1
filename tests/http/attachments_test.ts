/** Attachments (issue 6): a conversation's files, and messages that carry them. */
import assert from "node:assert/strict";
import type { FileMeta } from "../../lib/files/mod.ts";
import type { Message } from "../../lib/shared/message.ts";
import {
  assertError,
  createConversationVia,
  json,
  okJson,
  type Person,
  registerUser,
  type TestApp,
  uploadInit,
  withApp,
  withCookie,
} from "../support/helpers.ts";
import { parseDisposition, PNG } from "../support/util.ts";

const PDF = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';

async function upload(
  app: TestApp,
  who: Person,
  conversationId: string,
  name: string,
  content: BlobPart,
): Promise<FileMeta> {
  const res = await app.fetch(
    `/api/conversations/${conversationId}/files`,
    uploadInit(name, content, who.cookie),
  );
  return (await okJson(res, 201)).file;
}

function send(app: TestApp, who: Person, conversationId: string, body: unknown) {
  return app.fetch(`/api/conversations/${conversationId}/messages`, json("POST", body, who.cookie));
}

async function history(app: TestApp, who: Person, conversationId: string): Promise<Message[]> {
  const res = await app.fetch(
    `/api/conversations/${conversationId}/messages`,
    withCookie(who.cookie),
  );
  return (await okJson(res)).messages;
}

/** Ann and Bob in a direct conversation; Eve outside it. */
async function world(app: TestApp) {
  const [ann, bob, eve] = await Promise.all([
    registerUser(app, { displayName: "Ann" }),
    registerUser(app, { displayName: "Bob" }),
    registerUser(app, { displayName: "Eve" }),
  ]);
  const conversationId = await createConversationVia(app, ann.cookie, [bob.user]);
  return { ann, bob, eve, conversationId };
}

Deno.test("a conversation's files: participants upload, list and download them", async () => {
  await withApp(async (app) => {
    const { ann, bob, conversationId } = await world(app);
    const file = await upload(app, ann, conversationId, "plan.pdf", PDF);
    assert.equal(file.conversationId, conversationId);
    assert.equal(file.projectId, undefined);
    assert.equal(file.contentType, "application/pdf");
    const list = await okJson(
      await app.fetch(`/api/conversations/${conversationId}/files`, withCookie(bob.cookie)),
    );
    assert.deepEqual(list.files.map((f: FileMeta) => f.id), [file.id]);
    const res = await app.fetch(
      `/api/conversations/${conversationId}/files/${file.id}`,
      withCookie(bob.cookie),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/pdf");
    assert.equal(parseDisposition(res.headers.get("content-disposition"))?.kind, "attachment");
    assert.equal(await res.text(), PDF);
  });
});

Deno.test("only a sniffed raster image is served inline; SVG never is", async () => {
  await withApp(async (app) => {
    const { ann, conversationId } = await world(app);
    // The names lie: the bytes decide.
    const png = await upload(app, ann, conversationId, "photo.svg", PNG);
    const svg = await upload(app, ann, conversationId, "logo.png", SVG);
    assert.equal(png.contentType, "image/png");
    assert.notEqual(svg.contentType, "image/png");
    const base = `/api/conversations/${conversationId}/files`;
    const image = await app.fetch(`${base}/${png.id}?inline=1`, withCookie(ann.cookie));
    assert.equal(parseDisposition(image.headers.get("content-disposition"))?.kind, "inline");
    assert.equal(image.headers.get("x-content-type-options"), "nosniff");
    await image.body?.cancel();
    const vector = await app.fetch(`${base}/${svg.id}?inline=1`, withCookie(ann.cookie));
    assert.equal(parseDisposition(vector.headers.get("content-disposition"))?.kind, "attachment");
    assert.equal(vector.headers.get("x-content-type-options"), "nosniff");
    assert.match(vector.headers.get("content-security-policy") ?? "", /sandbox/);
    await vector.body?.cancel();
  });
});

Deno.test("an outsider gets the 404 of a missing conversation from every file route", async () => {
  await withApp(async (app) => {
    const { ann, eve, conversationId } = await world(app);
    const file = await upload(app, ann, conversationId, "secret.txt", "ann's secret");
    const base = `/api/conversations/${conversationId}/files`;
    const attempts: [string, RequestInit][] = [
      [base, withCookie(eve.cookie)],
      [base, uploadInit("planted.txt", "x", eve.cookie)],
      [`${base}/${file.id}`, withCookie(eve.cookie)],
      [`${base}/${file.id}`, json("DELETE", undefined, eve.cookie)],
      [`${base}/${file.id}/delete`, json("POST", undefined, eve.cookie)],
    ];
    for (const [path, init] of attempts) {
      const error = await assertError(await app.fetch(path, init), 404, "not_found");
      assert.equal(error.message, "Conversation not found.");
    }
    const signedOut = await app.fetch(base);
    await assertError(signedOut, 401, "unauthorized");
    assert.equal((await history(app, ann, conversationId)).length, 0);
  });
});

Deno.test("a message carries files: content may then be empty, and the files are stored with it", async (t) => {
  await withApp(async (app) => {
    const { ann, bob, conversationId } = await world(app);
    const png = await upload(app, ann, conversationId, "cat.png", PNG);
    const pdf = await upload(app, ann, conversationId, "plan.pdf", PDF);

    await t.step("files alone make a message", async () => {
      const res = await send(app, ann, conversationId, { attachmentIds: [png.id, pdf.id] });
      const { message } = await okJson(res, 201);
      assert.equal(message.content, "");
      assert.deepEqual(message.attachments, [
        { id: png.id, name: "cat.png", size: PNG.length, contentType: "image/png" },
        { id: pdf.id, name: "plan.pdf", size: PDF.length, contentType: "application/pdf" },
      ]);
      const [stored] = await history(app, bob, conversationId);
      assert.deepEqual(stored.attachments, message.attachments);
    });

    await t.step("neither text nor files is refused", async () => {
      for (const body of [{ content: "" }, { content: "   ", attachmentIds: [] }, {}]) {
        const error = await assertError(
          await send(app, ann, conversationId, body),
          400,
          "invalid_input",
        );
        assert.equal(error.fields?.content, "Write something first.");
      }
    });

    await t.step("text over 4,000 characters is refused with files too", async () => {
      const res = await send(app, ann, conversationId, {
        content: "x".repeat(4001),
        attachmentIds: [png.id],
      });
      await assertError(res, 400, "invalid_input");
    });

    await t.step("a message without files has an empty list", async () => {
      const { message } = await okJson(
        await send(app, bob, conversationId, { content: "hi" }),
        201,
      );
      assert.deepEqual(message.attachments, []);
    });
    assert.equal((await history(app, ann, conversationId)).length, 2, "nothing else was stored");
  });
});

Deno.test("attaching another conversation's file, someone else's, an unknown one or too many is refused", async () => {
  await withApp(async (app) => {
    const { ann, bob, conversationId } = await world(app);
    const elsewhere = await createConversationVia(app, ann.cookie, [bob.user], "Elsewhere");
    const theirs = await upload(app, bob, conversationId, "bob.txt", "bob's");
    const other = await upload(app, ann, elsewhere, "other.txt", "other");
    const mine = await upload(app, ann, conversationId, "mine.txt", "mine");
    const cases: [unknown, string][] = [
      [{ attachmentIds: [other.id] }, "Attach files uploaded to this conversation."],
      [{ attachmentIds: [mine.id, theirs.id] }, "You can only attach files you uploaded."],
      [
        { attachmentIds: ["01J0000000000000000000000Z"] },
        "Attach files uploaded to this conversation.",
      ],
      [{ attachmentIds: ["not an id"] }, "Attach files uploaded to this conversation."],
    ];
    for (const [body, words] of cases) {
      const error = await assertError(
        await send(app, ann, conversationId, { content: "see", ...body as object }),
        400,
        "invalid_attachments",
      );
      assert.equal(error.fields?.attachmentIds, words);
    }
    const many = await assertError(
      await send(app, ann, conversationId, { attachmentIds: Array(11).fill(mine.id) }),
      400,
      "invalid_input",
    );
    assert.match(many.fields?.attachmentIds ?? "", /at most 10/);
    const notList = await send(app, ann, conversationId, { attachmentIds: "x".repeat(100) });
    await assertError(notList, 400, "invalid_input");
    assert.equal((await history(app, ann, conversationId)).length, 0);
  });
});

Deno.test("a file over the upload limit is refused with 413 and stored nowhere", async () => {
  await withApp(async (app) => {
    const { ann, conversationId } = await world(app);
    const res = await app.fetch(
      `/api/conversations/${conversationId}/files`,
      uploadInit("big.bin", new Uint8Array(2048), ann.cookie),
    );
    await assertError(res, 413, "file_too_large");
    const list = await okJson(
      await app.fetch(`/api/conversations/${conversationId}/files`, withCookie(ann.cookie)),
    );
    assert.deepEqual(list.files, []);
  }, { MAX_UPLOAD_BYTES: "1024" });
});

Deno.test("in a project's conversation, attachments land in the project's files", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const created = await app.fetch("/api/projects", json("POST", { name: "Launch" }, ann.cookie));
    const { project } = await okJson(created, 201);
    const file = await upload(app, ann, project.conversationId, "spec.pdf", PDF);
    assert.equal(file.projectId, project.id);
    const listed = await okJson(
      await app.fetch(`/api/projects/${project.id}/files`, withCookie(ann.cookie)),
    );
    assert.deepEqual(listed.files.map((f: FileMeta) => f.id), [file.id]);
    const res = await send(app, ann, project.conversationId, { attachmentIds: [file.id] });
    assert.equal((await okJson(res, 201)).message.attachments[0].id, file.id);
  });
});

Deno.test("deleting an attached file shows it as removed in its messages and the list", async () => {
  await withApp(async (app) => {
    const { ann, bob, conversationId } = await world(app);
    const file = await upload(app, ann, conversationId, "draft.pdf", PDF);
    const kept = await upload(app, ann, conversationId, "final.pdf", PDF);
    await okJson(await send(app, ann, conversationId, { attachmentIds: [file.id, kept.id] }), 201);
    const byBob = await app.fetch(
      `/api/conversations/${conversationId}/files/${file.id}`,
      json("DELETE", undefined, bob.cookie),
    );
    await assertError(byBob, 403, "forbidden");
    const res = await app.fetch(
      `/api/conversations/${conversationId}/files/${file.id}`,
      json("DELETE", undefined, ann.cookie),
    );
    assert.equal(res.status, 204);
    const [message] = await history(app, bob, conversationId);
    assert.deepEqual(message.attachments.map((a) => [a.name, a.removed ?? false]), [
      ["draft.pdf", true],
      ["final.pdf", false],
    ]);
    const gone = await app.fetch(
      `/api/conversations/${conversationId}/files/${file.id}`,
      withCookie(bob.cookie),
    );
    await assertError(gone, 404, "not_found");
    const { conversations } = await okJson(
      await app.fetch("/api/conversations", withCookie(bob.cookie)),
    );
    assert.equal(conversations[0].lastMessage.attachments[0].removed, true);
  });
});
