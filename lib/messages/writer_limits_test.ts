import assert from "node:assert/strict";
import { createConversation } from "../conversations/mod.ts";
import { createUser } from "../accounts/mod.ts";
import { MessageWriter } from "./writer.ts";

/**
 * A remote KV (denokv, Deno Deploy) refuses a commit with more than 10 checks, where a local
 * file allows 100: a burst of sends queued across many conversations must still commit, in
 * commits of at most 10 checked heads. The store here counts every commit's checks.
 */
Deno.test("the writer never checks more than 10 heads in one commit (a remote KV's limit)", async () => {
  const kv = await Deno.openKv(":memory:");
  const checksPerCommit: number[] = [];
  const counting = new Proxy(kv, {
    get(target, prop) {
      if (prop !== "atomic") {
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return () => {
        const op = target.atomic();
        let checks = 0;
        const check = op.check.bind(op);
        op.check = (...items: Deno.AtomicCheck[]) => {
          checks += items.length;
          return check(...items);
        };
        const commit = op.commit.bind(op);
        op.commit = () => {
          checksPerCommit.push(checks);
          return commit();
        };
        return op;
      };
    },
  });
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const { conversation } = await createConversation(kv, ann, {
        others: [ben],
        title: `room ${i}`,
      });
      ids.push(conversation.id);
    }
    const writer = new MessageWriter(counting, null);
    checksPerCommit.length = 0;
    // All queued before the writer's first turn: one burst across 25 conversations.
    const sent = await Promise.all(
      ids.flatMap((conversationId) =>
        [1, 2].map((n) =>
          writer.send({ author: ann, conversationId, content: `hello ${n}`, members: 0 })
        )
      ),
    );
    writer.close();
    assert.equal(sent.length, 50);
    assert.ok(checksPerCommit.length >= 3, `50 sends over 25 rooms: ${checksPerCommit}`);
    assert.ok(Math.max(...checksPerCommit) <= 10, `checks per commit: ${checksPerCommit}`);
  } finally {
    kv.close();
  }
});
