import assert from "node:assert/strict";
import { createConversation } from "../conversations/mod.ts";
import { withUsers } from "../../tests/support/store_users.ts";
import { MessageWriter } from "./writer.ts";
import { commitMessages } from "./send.ts";
import { listMessages, MAX_SCAN } from "./history.ts";
import { readThread } from "./threads.ts";
import { MAX_THREAD_PARTICIPANTS, withReply } from "./replies.ts";
import type { MessageRecord } from "../shared/message.ts";

Deno.test("a run of replies longer than a page's scan ends the page early, and paging goes on", async () => {
  await withUsers(["ann", "ben"], async (kv, { ann, ben }) => {
    const { conversation } = await createConversation(kv, ann, { others: [ben] });
    const id = conversation.id;
    await commitMessages(kv, [{ author: ann, conversationId: id, content: "top" }]);
    const writer = new MessageWriter(kv, null);
    const replies = Array.from(
      { length: MAX_SCAN + 50 },
      (_, i) => writer.send({ author: ben, conversationId: id, content: `r${i}`, parentSeq: 1 }),
    );
    const results = await Promise.all(replies);
    assert.equal(results.at(-1)!.message.seq, MAX_SCAN + 51);
    const first = await listMessages(kv, id, { limit: 50, topLevel: true });
    assert.deepEqual(first.messages, []);
    assert.ok(first.nextCursor, "more may come");
    const next = await listMessages(kv, id, {
      limit: 50,
      topLevel: true,
      before: Number(first.nextCursor),
    });
    assert.deepEqual(next.messages.map((m) => m.seq), [1]);
    assert.equal(next.nextCursor, null);
    assert.equal(next.messages[0].thread?.replyCount, MAX_SCAN + 50);
    const newest = await readThread(kv, id, 1, { before: MAX_SCAN + 60, limit: 2 });
    assert.deepEqual(newest.replies.map((m) => m.seq), [MAX_SCAN + 50, MAX_SCAN + 51]);
  });
});

Deno.test("a thread names its parent's author first and the latest repliers, at most 20", () => {
  let parent = {
    id: "p",
    conversationId: "c",
    seq: 1,
    authorId: "author",
    content: "x",
    clientId: null,
    createdAt: "2026-01-01T00:00:00.000Z",
  } as MessageRecord;
  for (let i = 0; i < 30; i++) {
    const reply = { ...parent, seq: i + 2, authorId: `u${i}`, createdAt: `t${i}` };
    parent = withReply(parent, reply as MessageRecord);
  }
  parent = withReply(parent, { ...parent, seq: 40, authorId: "u5", createdAt: "t40" });
  assert.equal(parent.thread?.replyCount, 31);
  assert.equal(parent.thread?.lastReplyAt, "t40");
  const ids = parent.thread!.participantIds;
  assert.equal(ids.length, MAX_THREAD_PARTICIPANTS);
  assert.equal(ids[0], "author");
  assert.equal(ids.at(-1), "u5");
  assert.equal(ids.at(-2), "u29");
});
