/** GET /api/search against a real server: words, prefixes, accents, scripts, edits, membership. */
import assert from "node:assert/strict";
import { assertError, json, okJson, type Person, withCookie } from "../support/helpers.ts";
import { countKeys } from "../support/util.ts";
import { type Chat, chatTest } from "../support/ws_client.ts";

type Result = {
  message: { seq: number; content: string; conversationId: string; author: { id: string } };
  conversation: { id: string; kind: string; title: string | null; participants: { id: string }[] };
};

async function search(chat: Chat, who: Person, q: string, limit?: number): Promise<Result[]> {
  const query = new URLSearchParams({ q, ...(limit ? { limit: String(limit) } : {}) });
  const body = await okJson(
    await chat.server.fetch(`/api/search?${query}`, withCookie(who.cookie)),
  );
  return body.results;
}

const contents = (results: Result[]) => results.map((r) => r.message.content);

chatTest(
  "search finds words and their beginnings in any case and without accents",
  async (chat, t) => {
    const ann = await chat.person();
    const ben = await chat.person();
    const id = await chat.conversation(ann, ben);
    await chat.post(ann, id, "Café crème at NOON?");
    await chat.post(ben, id, "東京タワーに行きました");
    await chat.post(ann, id, "Привет, мир! Ёлка стоит.");
    await chat.post(ben, id, "cafeteria is closed");

    await t.step("accents and case fold both ways", async () => {
      assert.deepEqual(contents(await search(chat, ben, "cafe creme")), ["Café crème at NOON?"]);
      assert.deepEqual(contents(await search(chat, ben, "CAFÉ noon")), ["Café crème at NOON?"]);
    });
    await t.step("a word's beginning finds it (two characters or more), newest first", async () => {
      assert.deepEqual(contents(await search(chat, ben, "CAF")), [
        "cafeteria is closed",
        "Café crème at NOON?",
      ]);
      assert.deepEqual(contents(await search(chat, ben, "cafet")), ["cafeteria is closed"]);
      assert.deepEqual(await search(chat, ben, "c"), [], "one letter matches whole words only");
    });
    await t.step("Japanese and Cyrillic words, found by their own word boundaries", async () => {
      assert.deepEqual(contents(await search(chat, ann, "東京")), ["東京タワーに行きました"]);
      assert.deepEqual(contents(await search(chat, ann, "行き")), ["東京タワーに行きました"]);
      assert.deepEqual(contents(await search(chat, ann, "ПРИВ")), ["Привет, мир! Ёлка стоит."]);
      assert.deepEqual(contents(await search(chat, ann, "елка")), ["Привет, мир! Ёлка стоит."]);
    });
    await t.step("every word must match; punctuation alone finds nothing", async () => {
      assert.deepEqual(await search(chat, ben, "cafe tokyo"), []);
      assert.deepEqual(await search(chat, ben, "?!"), []);
    });
    await t.step("a result says where to open it: conversation, seq, author", async () => {
      const [hit] = await search(chat, ben, "noon");
      assert.equal(hit.message.conversationId, id);
      assert.equal(hit.message.seq, 1);
      assert.equal(hit.message.author.id, ann.user.id);
      assert.equal(hit.conversation.id, id);
      assert.equal(hit.conversation.kind, "direct");
      assert.deepEqual(
        hit.conversation.participants.map((p) => p.id).sort(),
        [ann.user.id, ben.user.id].sort(),
      );
      const around = await okJson(
        await chat.server.fetch(
          `/api/conversations/${id}/messages?around=${hit.message.seq}&limit=3`,
          withCookie(ben.cookie),
        ),
      );
      assert.ok(around.messages.some((m: { seq: number }) => m.seq === hit.message.seq));
    });
  },
);

chatTest("search follows edits and deletes, and leaves no index entries behind", async (chat) => {
  const ann = await chat.person();
  const ben = await chat.person();
  const id = await chat.conversation(ann, ben);
  const message = await chat.post(ann, id, "meeting tomorrow morning");
  assert.deepEqual(contents(await search(chat, ben, "tomorrow")), ["meeting tomorrow morning"]);
  const url = `/api/conversations/${id}/messages/${message.seq}`;
  await okJson(
    await chat.server.fetch(url, json("PATCH", { content: "meeting friday morning" }, ann.cookie)),
  );
  assert.deepEqual(await search(chat, ben, "tomorrow"), [], "the old word is gone");
  assert.deepEqual(contents(await search(chat, ben, "fri")), ["meeting friday morning"]);
  assert.deepEqual(contents(await search(chat, ben, "meeting morning")), [
    "meeting friday morning",
  ]);
  // One entry per word, and one for its author (the `from:` filter token).
  assert.equal(await countKeys(chat.server.ctx.kv, ["search", id]), 4, "one entry per word");
  await okJson(await chat.server.fetch(url, json("DELETE", undefined, ann.cookie)));
  assert.deepEqual(await search(chat, ben, "meeting"), []);
  assert.equal(await countKeys(chat.server.ctx.kv, ["search", id]), 0);
});

chatTest("search looks only in conversations you take part in now", async (chat) => {
  const ann = await chat.person();
  const ben = await chat.person();
  const eve = await chat.person();
  const theirs = await chat.conversation(ann, ben);
  await chat.post(ann, theirs, "the secret password is swordfish");
  const eves = await chat.conversation(eve, ann);
  await chat.post(eve, eves, "swordfish sandwiches");
  assert.deepEqual(contents(await search(chat, eve, "swordfish")), ["swordfish sandwiches"]);
  assert.deepEqual(contents(await search(chat, ann, "swordfish")), [
    "swordfish sandwiches",
    "the secret password is swordfish",
  ], "newest first across conversations");
  assert.equal((await search(chat, ann, "swordfish", 1)).length, 1, "limit holds");

  // A project member removed from the project no longer finds its conversation's messages.
  const created = await okJson(
    await chat.server.fetch("/api/projects", json("POST", { name: "Plans" }, ann.cookie)),
    201,
  );
  const { project } = created;
  await okJson(
    await chat.server.fetch(
      `/api/projects/${project.id}/members`,
      json("POST", { username: eve.user.username }, ann.cookie),
    ),
    201,
  );
  await chat.post(ann, project.conversationId, "roadmap for swordfish");
  assert.equal((await search(chat, eve, "roadmap")).length, 1);
  const removed = await chat.server.fetch(
    `/api/projects/${project.id}/members/${eve.user.id}`,
    json("DELETE", undefined, ann.cookie),
  );
  assert.equal(removed.status, 204);
  assert.deepEqual(await search(chat, eve, "roadmap"), []);
  assert.deepEqual(contents(await search(chat, eve, "swordfish")), ["swordfish sandwiches"]);
});

chatTest("search answers 400 for a missing or bad query and 401 signed out", async (chat) => {
  const ann = await chat.person();
  await assertError(
    await chat.server.fetch("/api/search", withCookie(ann.cookie)),
    400,
    "invalid_input",
  );
  await assertError(
    await chat.server.fetch("/api/search?q=%20", withCookie(ann.cookie)),
    400,
    "invalid_input",
  );
  await assertError(
    await chat.server.fetch(`/api/search?q=${"a".repeat(201)}`, withCookie(ann.cookie)),
    400,
    "invalid_input",
  );
  await assertError(
    await chat.server.fetch("/api/search?q=a&limit=0", withCookie(ann.cookie)),
    400,
    "invalid_input",
  );
  await assertError(await chat.server.fetch("/api/search?q=a"), 401, "unauthorized");
});
