import assert from "node:assert/strict";
import { createUser, type User } from "../accounts/mod.ts";
import { createConversation, deleteConversation, getHeadSeq } from "../conversations/mod.ts";
import { newClientId } from "../shared/client_id.ts";
import { clientIdByTimeKey, clientIdKey, messageKey } from "../storage/mod.ts";
import { listMessages } from "./history.ts";
import { sendMessage } from "./send.ts";
import { clientIdEntryKeys } from "./client_ids.ts";
import { MessageWriter } from "./writer.ts";
import { countKeys } from "../../tests/support/util.ts";

/** A store with two users and a conversation of both. */
async function withPair(fn: (kv: Deno.Kv, ann: User, ben: User, id: string) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    const [ann, ben] = await Promise.all(
      ["ann", "ben"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const { conversation } = await createConversation(kv, ann, { others: [ben], title: "pair" });
    await fn(kv, ann, ben, conversation.id);
  } finally {
    kv.close();
  }
}

/**
 * A UUIDv7 minted a day ago: before this process started, so a server of a previous version
 * may have filed it (client_ids.ts reads both places only for such ids).
 */
const mintedBefore = () => newClientId(Date.now() - 24 * 60 * 60_000);

/**
 * What a server before clientIdByTimeKey left for a UUIDv7 send: its entry under the
 * conversation. Made here by moving the entry this version wrote.
 */
async function fileAsBefore(kv: Deno.Kv, id: string, author: User, clientId: string) {
  const entry = await kv.get<number>(clientIdByTimeKey(clientId, id, author.id));
  assert.equal(typeof entry.value, "number", "the entry this version writes");
  const moved = await kv.atomic().check(entry).delete(entry.key)
    .set(clientIdKey(id, author.id, clientId), entry.value).commit();
  assert.ok(moved.ok);
}

Deno.test("sendMessage() files a UUIDv7 clientId time first and stores a retry once", async () => {
  await withPair(async (kv, ann, _ben, id) => {
    const clientId = newClientId();
    const first = await sendMessage(kv, ann, { conversationId: id, content: "once", clientId });
    const again = await sendMessage(kv, ann, { conversationId: id, content: "retry", clientId });
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.deepEqual(again.message, first.message);
    assert.equal(await getHeadSeq(kv, id), 1);
    assert.equal((await kv.get(clientIdByTimeKey(clientId, id, ann.id))).value, 1);
    assert.equal((await kv.get(clientIdKey(id, ann.id, clientId))).versionstamp, null);
  });
});

Deno.test("sendMessage() keeps a random UUID or a plain clientId under its conversation", async () => {
  await withPair(async (kv, ann, _ben, id) => {
    for (
      const [n, clientId] of [crypto.randomUUID(), "tab1:42", newClientId().toUpperCase()].entries()
    ) {
      const first = await sendMessage(kv, ann, { conversationId: id, content: "a", clientId });
      const again = await sendMessage(kv, ann, { conversationId: id, content: "b", clientId });
      assert.equal(first.created, true, clientId);
      assert.equal(again.created, false, clientId);
      assert.equal(again.message.seq, n + 1);
      assert.equal((await kv.get(clientIdKey(id, ann.id, clientId))).value, n + 1);
    }
    assert.equal(await countKeys(kv, ["msg_client_t"]), 0);
    assert.equal(await getHeadSeq(kv, id), 3);
  });
});

Deno.test("sendMessage() stores once a UUIDv7 retry whose first try a previous version filed", async () => {
  await withPair(async (kv, ann, ben, id) => {
    const clientId = mintedBefore();
    const first = await sendMessage(kv, ann, { conversationId: id, content: "once", clientId });
    await fileAsBefore(kv, id, ann, clientId);
    const again = await sendMessage(kv, ann, { conversationId: id, content: "retry", clientId });
    assert.equal(again.created, false);
    assert.deepEqual(again.message, first.message);
    // Another author's same id is another message.
    const other = await sendMessage(kv, ben, { conversationId: id, content: "mine", clientId });
    assert.equal(other.created, true);
    assert.equal(await getHeadSeq(kv, id), 2);
    assert.equal((await kv.get(clientIdByTimeKey(clientId, id, ann.id))).versionstamp, null);
  });
});

Deno.test("MessageWriter: one commit of new, repeated and earlier-filed clientIds of each kind", async () => {
  await withPair(async (kv, ann, ben, id) => {
    const [v7, v7Before, v7Twice, uuid, plain] = [
      newClientId(),
      mintedBefore(),
      newClientId(),
      crypto.randomUUID(),
      "tab1:7",
    ];
    // Stored before the batch: one in each place an entry can be.
    await sendMessage(kv, ann, { conversationId: id, content: "earlier v7", clientId: v7 });
    await sendMessage(kv, ann, { conversationId: id, content: "earlier old", clientId: v7Before });
    await fileAsBefore(kv, id, ann, v7Before);
    await sendMessage(kv, ann, { conversationId: id, content: "earlier plain", clientId: plain });

    const writer = new MessageWriter(kv, null);
    const fresh = newClientId();
    const send = (author: User, content: string, clientId?: string) =>
      writer.send({ author, conversationId: id, content, clientId, members: 0 });
    // All queued before the writer's first turn: one batch, one commit.
    const results = await Promise.all([
      send(ann, "again v7", v7),
      send(ann, "again old", v7Before),
      send(ann, "again plain", plain),
      send(ann, "new v7", fresh),
      send(ann, "twice 1", v7Twice),
      send(ann, "twice 2", v7Twice),
      send(ann, "new uuid", uuid),
      send(ben, "ben's v7", v7),
      send(ben, "no clientId"),
    ]);
    writer.close();
    assert.deepEqual(results.map((r) => [r.created, r.message.seq]), [
      [false, 1],
      [false, 2],
      [false, 3],
      [true, 4],
      [true, 5],
      [false, 5],
      [true, 6],
      [true, 7],
      [true, 8],
    ]);
    const stamps = await Promise.all([4, 5, 6, 7, 8].map((seq) => kv.get(messageKey(id, seq))));
    assert.equal(new Set(stamps.map((e) => e.versionstamp)).size, 1, "one commit");
    const { messages } = await listMessages(kv, id, { limit: 50 });
    assert.deepEqual(messages.map((m) => m.content), [
      "earlier v7",
      "earlier old",
      "earlier plain",
      "new v7",
      "twice 1",
      "new uuid",
      "ben's v7",
      "no clientId",
    ]);
    const byTime = (clientId: string, author: User) =>
      kv.get(clientIdByTimeKey(clientId, id, author.id)).then((e) => e.value);
    assert.deepEqual(
      await Promise.all([byTime(fresh, ann), byTime(v7Twice, ann), byTime(v7, ben)]),
      [4, 5, 7],
    );
    assert.equal((await kv.get(clientIdKey(id, ann.id, uuid))).value, 6);
    assert.equal(await countKeys(kv, ["msg_client_t"]), 4, "v7, fresh, twice, ben's");
    assert.equal(await countKeys(kv, ["msg_client", id]), 3, "the old-filed v7, plain, uuid");
  });
});

Deno.test("deleteConversation() deletes the clientId entries filed by time with its messages", async () => {
  await withPair(async (kv, ann, ben, id) => {
    const { conversation: other } = await createConversation(kv, ben, {
      others: [ann],
      title: "kept",
    });
    const writer = new MessageWriter(kv, null);
    const send = (conversationId: string, n: number, clientId?: string) =>
      writer.send({ author: n % 2 ? ann : ben, conversationId, content: `m${n}`, clientId });
    // More than one deletion commit's worth, of every kind of clientId.
    const ids = Array.from(
      { length: 450 },
      (_, n) => n % 5 === 0 ? `plain-${n}` : n % 7 === 0 ? undefined : newClientId(),
    );
    await Promise.all(ids.map((clientId, n) => send(id, n, clientId)));
    await Promise.all([1, 2, 3].map((n) => send(other.id, n, newClientId())));
    writer.close();
    const stored = ids.filter((c) => c !== undefined && !c.startsWith("plain")).length;
    const byConversation = async () => {
      const count = new Map<string, number>();
      for await (const { key } of kv.list({ prefix: ["msg_client_t"] })) {
        count.set(String(key[2]), (count.get(String(key[2])) ?? 0) + 1);
      }
      return count;
    };
    assert.deepEqual(await byConversation(), new Map([[id, stored], [other.id, 3]]));

    await deleteConversation(kv, id);
    assert.deepEqual(await byConversation(), new Map([[other.id, 3]]));
    assert.equal(await countKeys(kv, ["msg", id]), 0);
    assert.equal(await countKeys(kv, ["msg_client", id]), 0);
    assert.equal(await countKeys(kv, ["msg", other.id]), 3);
  });
});

Deno.test("a UUIDv7 minted since the process started is looked for in one place, an older one in both", async () => {
  await withPair((_kv, ann, _ben, id) => {
    const keys = (clientId: string) =>
      clientIdEntryKeys({ author: ann, conversationId: id, content: "", clientId });
    const fresh = newClientId();
    assert.deepEqual(keys(fresh), [clientIdByTimeKey(fresh, id, ann.id)]);
    const old = mintedBefore();
    assert.deepEqual(keys(old), [clientIdByTimeKey(old, id, ann.id), clientIdKey(id, ann.id, old)]);
    // Not UUIDv7s: under the conversation only, as ever.
    for (const other of [crypto.randomUUID(), "tab1:9"]) {
      assert.deepEqual(keys(other), [clientIdKey(id, ann.id, other)]);
    }
    return Promise.resolve();
  });
});

Deno.test("a retry whose first try commits between the batch's reads is stored once (the head read first)", async () => {
  await withPair(async (kv, ann, _ben, id) => {
    const retried = newClientId();
    let firstTry: Promise<unknown> | null = null;
    // The store answers the batch's first head read only after the first try (sent to
    // another process) committed; every other read at once, as a remote KV may.
    const late = new Proxy(kv, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (prop !== "getMany") return typeof value === "function" ? value.bind(target) : value;
        return async (keys: Deno.KvKey[]) => {
          if (!firstTry && keys.some((k) => k[0] === "conv_head")) {
            firstTry = sendMessage(kv, ann, {
              conversationId: id,
              content: "first try",
              clientId: retried,
            });
            await firstTry;
          }
          return await target.getMany(keys);
        };
      },
    });
    const writer = new MessageWriter(late, null);
    // More keys than one getMany holds, the retry last (in the last chunk).
    const ids = [...Array.from({ length: 11 }, () => newClientId()), retried];
    const results = await Promise.all(
      ids.map((clientId, n) =>
        writer.send({ author: ann, conversationId: id, content: `m${n}`, clientId })
      ),
    );
    writer.close();
    assert.ok(firstTry, "the first try went in between");
    const again = results.at(-1)!;
    assert.equal(again.created, false);
    assert.equal(again.message.content, "first try");
    const { messages } = await listMessages(kv, id, { limit: 50 });
    assert.equal(
      messages.filter((m) => m.content === "first try" || m.content === "m11").length,
      1,
    );
    assert.equal(await getHeadSeq(kv, id), 12);
  });
});
