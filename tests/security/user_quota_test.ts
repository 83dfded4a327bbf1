/**
 * The upload quota is per area and per user: once a user's files (in every project and
 * conversation) reach USER_QUOTA_BYTES, new conversations do not open new room; deleting
 * their files gives it back, and other people are not held to it.
 */
import assert from "node:assert/strict";
import {
  assertError,
  createConversationVia,
  okJson,
  registerUser,
  uploadInit,
  withApp,
} from "../support/helpers.ts";

Deno.test("a user past USER_QUOTA_BYTES cannot upload to a new conversation; deleting frees it", async () => {
  await withApp(async (app) => {
    const ann = await registerUser(app);
    const ben = await registerUser(app);
    const upload = async (cookie: string, conversationId: string, bytes: number) =>
      await app.fetch(
        `/api/conversations/${conversationId}/files`,
        uploadInit("data.txt", "x".repeat(bytes), cookie),
      );
    const first = await createConversationVia(app, ann.cookie, [ben.user]);
    const { file } = await okJson(await upload(ann.cookie, first, 2000), 201);

    // Each new conversation has its own area quota (100,000 here): only the user's stops her.
    for (let i = 0; i < 5; i++) {
      const fresh = await createConversationVia(app, ann.cookie, [ben.user], `room ${i}`);
      const error = await assertError(await upload(ann.cookie, fresh, 2000), 413, "quota_exceeded");
      assert.match(error.message, /your storage/);
    }
    const list = await okJson(
      await app.fetch(`/api/conversations/${first}/files`, { headers: { cookie: ann.cookie } }),
    );
    assert.equal(list.files.length, 1, "nothing of the refused uploads is listed");

    // Someone else in the same conversation has their own.
    await okJson(await upload(ben.cookie, first, 2000), 201);

    const removed = await app.fetch(`/api/conversations/${first}/files/${file.id}`, {
      method: "DELETE",
      headers: { cookie: ann.cookie, origin: "http://localhost" },
    });
    assert.equal(removed.status, 204);
    const again = await createConversationVia(app, ann.cookie, [ben.user], "after deleting");
    await okJson(await upload(ann.cookie, again, 2000), 201);
  }, { USER_QUOTA_BYTES: "3000", PROJECT_QUOTA_BYTES: "100000" });
});
