/**
 * Issue 15: what a person sees crosses processes, not only messages and presence: typing
 * and the conversation list's `activity` frames (item 19), and a file area's changes (item
 * 5). Two real server processes on one KV file; nothing but the store connects them.
 */
import assert from "node:assert/strict";
import { createConversationVia, json, registerUser, uploadInit } from "../support/helpers.ts";
import { twoProcessTest } from "../support/two_servers.ts";
import { join } from "../support/ws_client.ts";

twoProcessTest(
  "typing and list activity reach sockets on another process",
  async ({ one, two, socket }, t) => {
    const ann = await registerUser(one);
    const ben = await registerUser(one);
    const cy = await registerUser(one);
    const id = await createConversationVia(one, ann.cookie, [ben.user, cy.user]);
    const a = await socket(one, ann.cookie);
    await join(a, id);
    const b = await socket(two, ben.cookie);
    await join(b, id);
    // Cy has the app open on the other process (a conversation list), not this conversation.
    const c = await socket(two, cy.cookie);
    c.send({ type: "watch_list" });
    await c.roundTrip();

    await t.step("typing on one process is seen on the other, both ways", async () => {
      const typedAt = Date.now();
      b.send({ type: "typing", conversationId: id });
      const seen = await a.next("typing", (f) => f.user.id === ben.user.id, 5000);
      console.log(`typing crossed processes in ${Date.now() - typedAt} ms`);
      assert.equal(seen.conversationId, id);
      a.send({ type: "typing", conversationId: id });
      const back = await b.next("typing", (f) => f.user.id === ann.user.id, 5000);
      assert.equal(back.conversationId, id);
      await b.roundTrip();
      assert.deepEqual(b.pending("typing").filter((f) => f.user.id === ben.user.id), []);
    });

    await t.step("a message sent through one process moves the list on the other", async () => {
      const res = await one.fetch(
        `/api/conversations/${id}/messages`,
        json("POST", { content: "from the first process" }, ann.cookie),
      );
      assert.equal(res.status, 201);
      const sentAt = Date.now();
      const activity = await c.next("activity", (f) => f.conversationId === id, 5000);
      console.log(`activity crossed processes ${Date.now() - sentAt} ms after the 201`);
      assert.equal(activity.message.content, "from the first process");
      // Once: the second process hears of it one way only.
      await new Promise((r) => setTimeout(r, 500));
      await c.roundTrip();
      assert.equal(c.pending("activity").length, 0);
    });

    await t.step(
      "a message sent over a socket on the other process moves the list too",
      async () => {
        b.send({
          type: "send_message",
          conversationId: id,
          content: "over ben's socket",
          clientId: "b-1",
        });
        await b.next("ack");
        const moved = await c.next(
          "activity",
          (f) => f.message.content === "over ben's socket",
          5000,
        );
        assert.equal(moved.conversationId, id);
      },
    );

    await t.step("a file uploaded through one process is told to the other's pages", async () => {
      const up = await one.fetch(
        `/api/conversations/${id}/files`,
        uploadInit("notes.txt", "some notes", ann.cookie),
      );
      assert.equal(up.status, 201, await up.clone().text());
      const told = await c.next("files_changed", () => true, 5000);
      assert.equal(typeof told.areaId, "string");
    });
  },
);
