import assert from "node:assert/strict";
import { createConversation } from "../conversations/mod.ts";
import { REPLY_RANGES } from "../conversations/head.ts";
import type { User } from "../accounts/mod.ts";
import { withUsers } from "../../tests/support/store_users.ts";
import type { MessageRecord } from "../shared/message.ts";
import { messagesPrefix, readMarkKey } from "../storage/mod.ts";
import { getConversationForUser, listConversationsForUser } from "./conversation_views.ts";
import { markRead } from "./read_marks.ts";
import { inHistory } from "./replies.ts";
import { commitMessages } from "./send.ts";
import { MessageWriter } from "./writer.ts";

/** Two people and their direct conversation, in a store closed at the end. */
function withPair(fn: (kv: Deno.Kv, ann: User, ben: User, id: string) => Promise<void>) {
  return withUsers(["ann", "ben"], async (kv, { ann, ben }) => {
    const { conversation } = await createConversation(kv, ann, { others: [ben] });
    await fn(kv, ann, ben, conversation.id);
  });
}

/** What the count must be: the history messages (not hidden replies) after the mark, read one by one. */
async function expected(kv: Deno.Kv, id: string, mark: number): Promise<number> {
  let n = 0;
  for await (const e of kv.list<MessageRecord>({ prefix: messagesPrefix(id) })) {
    if (e.value.seq > mark && inHistory(e.value)) n++;
  }
  return n;
}

Deno.test("unread: replies count in their thread, not in the conversation (also-sent ones do)", async () => {
  await withPair(async (kv, ann, ben, id) => {
    const send = (content: string, extra: { parentSeq?: number; also?: boolean } = {}) =>
      commitMessages(kv, [{
        author: ann,
        conversationId: id,
        content,
        ...(extra.parentSeq ? { parentSeq: extra.parentSeq } : {}),
        ...(extra.also ? { alsoToConversation: true } : {}),
      }]);
    await send("top"); // 1
    await send("a reply, @ben", { parentSeq: 1 }); // 2: hidden
    let view = await getConversationForUser(kv, id, ben.id);
    assert.equal(view.unreadCount, 1, "the top-level message");
    await markRead(kv, id, { userId: ben.id, seq: 1 });
    view = await getConversationForUser(kv, id, ben.id);
    assert.equal(view.unreadCount, 0, "one hidden reply after the mark is not unread");
    assert.equal(view.mentionCount, 0, "a mention in a hidden reply is the thread's");
    await send("also here, @ben", { parentSeq: 1, also: true }); // 3
    await send("hidden again", { parentSeq: 1 }); // 4
    await send("second top, @ben"); // 5
    view = await getConversationForUser(kv, id, ben.id);
    assert.equal(view.unreadCount, 2);
    assert.equal(view.mentionCount, 2);
    const listed = (await listConversationsForUser(kv, ben.id)).values.find((c) => c.id === id);
    assert.equal(listed?.unreadCount, 2);
    // Read up to the history's last message: nothing unread though a reply may follow.
    await send("hidden last", { parentSeq: 5 }); // 6
    await markRead(kv, id, { userId: ben.id, seq: 5 });
    view = await getConversationForUser(kv, id, ben.id);
    assert.equal(view.unreadCount, 0);
    assert.equal((await getConversationForUser(kv, id, ann.id)).unreadCount, 0);
  });
});

Deno.test("unread: exact past the first hundred, with replies in batches and beyond the head's reply ranges", async () => {
  await withUsers(["ann", "cat"], async (kv, { ann, cat }) => {
    const { conversation } = await createConversation(kv, ann, { others: [cat] });
    const cid = conversation.id;
    await commitMessages(kv, [{ author: ann, conversationId: cid, content: "top" }]);
    // One commit each: more commits with a reply than the head remembers.
    for (let i = 0; i < 3 * REPLY_RANGES + 140; i++) {
      const reply = i % 3 === 1;
      await commitMessages(kv, [{
        author: ann,
        conversationId: cid,
        content: `m${i}`,
        ...(reply ? { parentSeq: 1 } : {}),
        ...(reply && i % 9 === 1 ? { alsoToConversation: true } : {}),
      }]);
    }
    // Then batches mixing both (the writer's group commits).
    const writer = new MessageWriter(kv, null);
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        writer.send({
          author: ann,
          conversationId: cid,
          content: `b${i}`,
          ...(i % 2 ? { parentSeq: 1 } : {}),
        })),
    );
    for (const mark of [0, 1, 5, 150, 260, 300, 390]) {
      await kv.set(readMarkKey(cid, cat.id), mark);
      const view = await getConversationForUser(kv, cid, cat.id);
      assert.equal(view.unreadCount, await expected(kv, cid, mark), `after ${mark}`);
    }
  });
});
