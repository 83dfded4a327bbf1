/**
 * A UUIDv7 clientId is read under two keys (lib/messages/client_ids.ts): a full burst of
 * them, sent and then tried again across ten conversations, keeps within a remote KV's
 * limits (bench/remote_kv.ts: keys per getMany, checks and mutations per commit, key bytes).
 */
import assert from "node:assert/strict";
import { wrapRemoteKv } from "../../bench/remote_kv.ts";
import { createUser } from "../../lib/accounts/mod.ts";
import { createConversation } from "../../lib/conversations/mod.ts";
import { MessageWriter } from "../../lib/messages/mod.ts";
import { newClientId } from "../../lib/shared/client_id.ts";

Deno.test("the writer's burst of UUIDv7 sends and their retries keeps a remote KV's limits", async () => {
  const dir = await Deno.makeTempDir();
  const remote = wrapRemoteKv(await Deno.openKv(`${dir}/remote.kv`), { rttMs: 0 });
  const { kv } = remote;
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    const rooms: string[] = [];
    for (let i = 0; i < 10; i++) {
      const { conversation } = await createConversation(kv, ann, { others: [ben], title: `${i}` });
      rooms.push(conversation.id);
    }
    const writer = new MessageWriter(kv, null);
    const requests = Array.from({ length: 400 }, (_, n) => ({
      author: n % 2 ? ann : ben,
      conversationId: rooms[n % 10],
      content: `message ${n}`,
      clientId: newClientId(),
      members: 0,
    }));
    const sent = await Promise.all(requests.map((r) => writer.send(r)));
    const again = await Promise.all(requests.map((r) => writer.send({ ...r, content: "again" })));
    writer.close();
    assert.ok(sent.every((r) => r.created));
    assert.ok(again.every((r, n) => !r.created && r.message.id === sent[n].message.id));
    const { breaches, calls } = remote.stats();
    assert.deepEqual(breaches, []);
    assert.ok((calls.getMany ?? 0) >= 80, `400 sends read 800 clientId keys: ${calls.getMany}`);
  } finally {
    remote.close();
    await Deno.remove(dir, { recursive: true });
  }
});
