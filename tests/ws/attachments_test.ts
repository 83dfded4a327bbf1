/** Attachments over the socket: send_message with files, refusals, and live file removal. */
import assert from "node:assert/strict";
import type { FileMeta } from "../../lib/files/mod.ts";
import { json, type Person, uploadInit } from "../support/helpers.ts";
import { PNG } from "../support/util.ts";
import { type Chat, chatTest, join } from "../support/ws_client.ts";

async function upload(
  chat: Chat,
  who: Person,
  conversationId: string,
  name: string,
  content: BlobPart,
) {
  const res = await chat.server.fetch(
    `/api/conversations/${conversationId}/files`,
    uploadInit(name, content, who.cookie),
  );
  assert.equal(res.status, 201);
  return (await res.json()).file as FileMeta;
}

chatTest(
  "send_message with attachmentIds delivers the files to the room and lists",
  async (chat, t) => {
    const { ann, ben, conversationId, a, b } = await chat.pair();
    const png = await upload(chat, ann, conversationId, "cat.png", PNG);
    const txt = await upload(chat, ann, conversationId, "notes.txt", "some notes");
    await join(a, conversationId);
    await join(b, conversationId);

    await t.step("files alone: acked, and Ben gets the message with them", async () => {
      a.send({
        type: "send_message",
        conversationId,
        clientId: "files-1",
        attachmentIds: [png.id, txt.id],
      });
      const ack = await a.next("ack", (f) => f.clientId === "files-1");
      assert.equal(ack.message.content, "");
      const got = await b.next("message", (f) => f.message.id === ack.message.id);
      assert.deepEqual(got.message.attachments, [
        { id: png.id, name: "cat.png", size: PNG.length, contentType: "image/png" },
        { id: txt.id, name: "notes.txt", size: 10, contentType: "text/plain; charset=utf-8" },
      ]);
    });

    await t.step("Ben cannot attach Ann's file: an error frame for his clientId", async () => {
      b.send({
        type: "send_message",
        conversationId,
        content: "mine now",
        clientId: "steal-1",
        attachmentIds: [png.id],
      });
      const error = await b.next("error", (f) => f.ref === "steal-1");
      assert.equal(error.code, "invalid_attachments");
      assert.equal(error.message, "You can only attach files you uploaded.");
    });

    await t.step("neither text nor files, and too many files, are refused", async () => {
      a.send({ type: "send_message", conversationId, clientId: "empty-1" });
      assert.equal((await a.next("error", (f) => f.ref === "empty-1")).code, "invalid_frame");
      a.send({
        type: "send_message",
        conversationId,
        content: "x",
        clientId: "many-1",
        attachmentIds: Array(11).fill(png.id),
      });
      assert.equal((await a.next("error", (f) => f.ref === "many-1")).code, "invalid_frame");
    });

    await t.step("deleting the file shows it removed, live, in the room", async () => {
      const res = await chat.server.fetch(
        `/api/conversations/${conversationId}/files/${png.id}`,
        json("DELETE", undefined, ann.cookie),
      );
      assert.equal(res.status, 204);
      const updated = await b.next("message_updated", (f) => f.message.attachments.length === 2);
      assert.deepEqual(updated.message.attachments.map((x) => x.removed ?? false), [true, false]);
    });
    assert.equal(
      (await chat.history(ben, conversationId)).length,
      1,
      "refused sends stored nothing",
    );
  },
);

chatTest("an outsider's send_message with files gets not_found", async (chat) => {
  const { ann, conversationId } = await chat.pair();
  const file = await upload(chat, ann, conversationId, "a.txt", "a");
  const eve = await chat.person();
  const e = await chat.connect(eve);
  e.send({
    type: "send_message",
    conversationId,
    content: "hi",
    clientId: "eve-1",
    attachmentIds: [file.id],
  });
  assert.equal((await e.next("error", (f) => f.ref === "eve-1")).code, "not_found");
  assert.equal((await chat.history(ann, conversationId)).length, 0);
});

chatTest("editing or deleting the last message updates everyone's list preview", async (chat) => {
  const { ann, ben, conversationId, a, b } = await chat.pair();
  b.send({ type: "watch_list" });
  await b.roundTrip();
  await join(a, conversationId);
  const sent = await chat.post(ann, conversationId, "first draft");
  await b.next("activity", (f) => f.message.id === sent.id && f.message.content === "first draft");
  a.send({ type: "edit_message", conversationId, seq: sent.seq, content: "final words" });
  const edited = await b.next("activity", (f) => f.message.id === sent.id && !!f.message.editedAt);
  assert.equal(edited.message.content, "final words");
  a.send({ type: "delete_message", conversationId, seq: sent.seq });
  const deleted = await b.next(
    "activity",
    (f) => f.message.id === sent.id && !!f.message.deletedAt,
  );
  assert.equal(deleted.message.content, "");
  assert.equal((await chat.history(ben, conversationId))[0].deletedAt, deleted.message.deletedAt);
});
