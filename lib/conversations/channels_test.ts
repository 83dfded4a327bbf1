/**
 * Channels in the store: names unique under races, the directory entry kept in step with
 * the record, joins that never lose one another, and a channel's keys gone with it.
 */
import assert from "node:assert/strict";
import { ulid } from "ulid";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { channelKey, channelNameKey } from "../storage/mod.ts";
import type { User } from "../shared/user.ts";
import {
  type ChannelEntry,
  createChannel,
  deleteConversation,
  getConversationRecord,
  joinChannel,
  leaveAllConversations,
  listChannelRows,
  MAX_PARTICIPANTS,
  updateConversation,
} from "./mod.ts";

function person(username: string): User {
  return { id: ulid(), username, displayName: username };
}

async function withKv(fn: (kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

const isCode = (code: string) => (err: unknown) =>
  err instanceof ConflictError && err.code === code;

Deno.test("two channels renamed to one name at once: one wins, the other keeps its own", async () => {
  await withKv(async (kv) => {
    const ann = person("ann");
    const a = await createChannel(kv, ann, { title: "a" });
    const b = await createChannel(kv, ann, { title: "b" });
    const results = await Promise.allSettled([
      updateConversation(kv, a.id, ann, { title: "Same" }),
      updateConversation(kv, b.id, ann, { title: "same" }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    assert.equal(won.length, 1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.ok(isCode("name_taken")(lost.reason));
    const titles = [
      (await getConversationRecord(kv, a.id))!.title,
      (await getConversationRecord(kv, b.id))!.title,
    ]
      .sort();
    assert.ok(
      JSON.stringify(titles) === JSON.stringify(["Same", "b"]) ||
        JSON.stringify(titles) === JSON.stringify(["a", "same"]),
      JSON.stringify(titles),
    );
    // The loser's old name is still its own; the winner's old name is free.
    const names = await kv.getMany<string[]>([channelNameKey("a"), channelNameKey("b")]);
    assert.equal(names.filter((e) => e.value).length, 1);
  });
});

Deno.test("the directory entry follows the record: rename, topic, archive", async () => {
  await withKv(async (kv) => {
    const ann = person("ann");
    const channel = await createChannel(kv, ann, { title: "general", topic: "" });
    await updateConversation(kv, channel.id, ann, { title: "Lobby", topic: "Say hi" });
    await updateConversation(kv, channel.id, ann, { archived: true });
    const entry = (await kv.get<ChannelEntry>(channelKey(channel.id))).value;
    assert.deepEqual(entry, {
      title: "Lobby",
      topic: "Say hi",
      visibility: "public",
      archived: true,
    });
    const { rows } = await listChannelRows(kv, person("ben").id, { search: "lobby" });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].record.archived, true);
    assert.equal(rows[0].joined, false);
  });
});

Deno.test("forty people joining at once are all in, each once", async () => {
  await withKv(async (kv) => {
    const ann = person("ann");
    const channel = await createChannel(kv, ann, { title: "busy" });
    const people = Array.from({ length: 40 }, (_, i) => person(`p${i}`));
    const results = await Promise.all(people.map((p) => joinChannel(kv, channel.id, p.id)));
    assert.ok(results.every((r) => r.joined));
    const record = (await getConversationRecord(kv, channel.id))!;
    assert.equal(record.participantIds.length, 41);
    assert.equal(new Set(record.participantIds).size, 41);
    assert.equal((await joinChannel(kv, channel.id, people[0].id)).joined, false);
  });
});

Deno.test("a full channel takes nobody more (MAX_PARTICIPANTS)", async () => {
  await withKv(async (kv) => {
    const ann = person("ann");
    const channel = await createChannel(kv, ann, { title: "full" });
    for (let i = 1; i < MAX_PARTICIPANTS; i++) {
      await joinChannel(kv, channel.id, `01FAKE${String(i).padStart(6, "0")}`);
    }
    await assert.rejects(joinChannel(kv, channel.id, person("late").id), ValidationError);
  });
});

Deno.test("a private channel cannot be joined, and its id is as good as unknown", async () => {
  await withKv(async (kv) => {
    const ann = person("ann");
    const channel = await createChannel(kv, ann, { title: "inner", visibility: "private" });
    await assert.rejects(joinChannel(kv, channel.id, person("ben").id), NotFoundError);
    await assert.rejects(joinChannel(kv, "not-an-id!", person("ben").id), NotFoundError);
  });
});

Deno.test("a deleted channel takes its name and directory entry with it", async () => {
  await withKv(async (kv) => {
    const ann = person("ann");
    const channel = await createChannel(kv, ann, { title: "Doomed" });
    await assert.rejects(createChannel(kv, ann, { title: "doomed" }), isCode("name_taken"));
    await deleteConversation(kv, channel.id);
    assert.equal((await kv.get(channelKey(channel.id))).value, null);
    assert.equal((await kv.get(channelNameKey("doomed"))).value, null);
    await createChannel(kv, ann, { title: "doomed" });
  });
});

Deno.test("an account deleted as a private channel's last member takes the channel along", async () => {
  await withKv(async (kv) => {
    const ann = person("ann");
    const inner = await createChannel(kv, ann, { title: "inner", visibility: "private" });
    const open = await createChannel(kv, ann, { title: "open" });
    await leaveAllConversations(kv, ann.id);
    assert.equal(await getConversationRecord(kv, inner.id), null);
    assert.deepEqual((await getConversationRecord(kv, open.id))?.participantIds, []);
    assert.equal((await kv.get(channelNameKey("inner"))).value, null);
  });
});
