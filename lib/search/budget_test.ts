import assert from "node:assert/strict";
import { createConversation } from "../conversations/mod.ts";
import { createUser } from "../accounts/mod.ts";
import { commitAndIndex } from "./test_fixtures.ts";
import { searchMessages } from "./mod.ts";

Deno.test("a query's reads are bounded and shared fairly: busy conversations leave some for the rest (item 11)", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    const open = async (title: string) =>
      (await createConversation(kv, ann, { others: [ben], title })).conversation.id;
    // The oldest conversation, then eight newer busy ones (searched first): 250 postings of
    // "deploy" each, one commit per message.
    const quiet = await open("quiet");
    const busy = [];
    for (let i = 0; i < 8; i++) busy.push(await open(`busy ${i}`));
    for (let k = 0; k < 250; k++) {
      await commitAndIndex(
        kv,
        busy.map((conversationId) => ({ author: ben, conversationId, content: `deploy ${k}` })),
      );
    }
    // The newest message of all is in the quiet one.
    await commitAndIndex(kv, [{ author: ben, conversationId: quiet, content: "deploy now" }]);
    const results = await searchMessages(kv, ann.id, "deploy", { limit: 5, maxReads: 1500 });
    assert.equal(results[0]?.message.content, "deploy now", "the quiet conversation was searched");
    assert.equal(results.length, 5);
  } finally {
    kv.close();
  }
});

Deno.test("someone in more conversations than a query may read still finds what their newest say", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    // Pulled into more conversations than the budget has reads (as by a flood of them).
    for (let i = 0; i < 80; i++) {
      await createConversation(kv, ben, { others: [ann], title: `g${i}` });
    }
    const newest = (await createConversation(kv, ben, { others: [ann], title: "new" }))
      .conversation.id;
    await commitAndIndex(kv, [{ author: ben, conversationId: newest, content: "deploy now" }]);
    const results = await searchMessages(kv, ann.id, "deploy", { limit: 5, maxReads: 60 });
    assert.equal(results[0]?.message.content, "deploy now", "the newest conversation was searched");
  } finally {
    kv.close();
  }
});
