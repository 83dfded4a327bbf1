/**
 * A send tried again is stored once, over REST and over the socket, whatever the clientId:
 * a UUIDv7 (the islands' newClientId, filed by time), a random UUID or a plain id, and a
 * UUIDv7 whose first try a server of the previous version filed under the conversation.
 */
import assert from "node:assert/strict";
import { json, okJson, type Person } from "../support/helpers.ts";
import { type Chat, chatTest, join, sendAndAck } from "../support/ws_client.ts";
import { newClientId } from "../../lib/shared/client_id.ts";
import { clientIdByTimeKey, clientIdKey } from "../../lib/storage/mod.ts";

function postWithId(chat: Chat, who: Person, conversationId: string, clientId: string) {
  return chat.server.fetch(
    `/api/conversations/${conversationId}/messages`,
    json("POST", { content: `sent as ${clientId}`, clientId }, who.cookie),
  );
}

chatTest(
  "REST: a send tried again with the same clientId is 201, then 200, stored once",
  async (chat) => {
    const ann = await chat.person();
    const ben = await chat.person();
    const id = await chat.conversation(ann, ben);
    const kinds = [newClientId(), crypto.randomUUID(), "tab-1:7"];
    for (const clientId of kinds) {
      const first = await okJson(await postWithId(chat, ann, id, clientId), 201);
      const again = await okJson(await postWithId(chat, ann, id, clientId), 200);
      assert.deepEqual(again.message, first.message, clientId);
    }
    assert.deepEqual((await chat.history(ben, id)).map((m) => m.clientId), kinds, "each once");
    const kv = chat.server.ctx.kv;
    assert.equal((await kv.get(clientIdByTimeKey(kinds[0], id, ann.user.id))).value, 1);
    assert.equal((await kv.get(clientIdKey(id, ann.user.id, kinds[1]))).value, 2);
  },
);

chatTest(
  "the socket: a UUIDv7 send tried again acks the original and delivers it once",
  async (chat) => {
    const { ann, conversationId, a, b } = await chat.pair();
    await join(a, conversationId);
    await join(b, conversationId);
    const clientId = newClientId();
    const first = await sendAndAck(a, conversationId, "only once", clientId);
    const again = await sendAndAck(a, conversationId, "only once", clientId);
    assert.deepEqual(again, first);
    // Tried again over REST (a socket that dropped before its ack): the same message.
    const rest = await okJson(await postWithId(chat, ann, conversationId, clientId), 200);
    assert.deepEqual(rest.message, first);
    // A later message is the barrier: a second copy would have reached Ben before it.
    const next = await sendAndAck(a, conversationId, "and then this", newClientId());
    assert.equal((await b.next("message")).message.id, first.id);
    assert.equal((await b.next("message")).message.id, next.id);
    assert.deepEqual((await chat.history(ann, conversationId)).map((m) => m.seq), [1, 2]);
    const filed = await chat.server.ctx.kv.get(
      clientIdByTimeKey(clientId, conversationId, ann.user.id),
    );
    assert.equal(filed.value, 1, "filed by time");
  },
);

chatTest(
  "a UUIDv7 send whose first try the previous version filed is still stored once",
  async (chat) => {
    const { ann, conversationId, a } = await chat.pair();
    const kv = chat.server.ctx.kv;
    // Minted a day ago: before this server started, as a previous version's first try was.
    const before = Date.now() - 24 * 60 * 60_000;
    const [viaSocket, viaRest] = [newClientId(before), newClientId(before)];
    for (const clientId of [viaSocket, viaRest]) {
      await sendAndAck(a, conversationId, "first try", clientId);
      // What a server before clientIdByTimeKey wrote: the entry under the conversation.
      const entry = await kv.get<number>(clientIdByTimeKey(clientId, conversationId, ann.user.id));
      assert.equal(typeof entry.value, "number");
      const moved = await kv.atomic().check(entry).delete(entry.key)
        .set(clientIdKey(conversationId, ann.user.id, clientId), entry.value).commit();
      assert.ok(moved.ok);
    }
    const again = await sendAndAck(a, conversationId, "tried again", viaSocket);
    assert.equal(again.seq, 1);
    assert.equal(again.content, "first try");
    const rest = await okJson(await postWithId(chat, ann, conversationId, viaRest), 200);
    assert.equal(rest.message.seq, 2);
    assert.deepEqual((await chat.history(ann, conversationId)).map((m) => m.seq), [1, 2]);
  },
);
