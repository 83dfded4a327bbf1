import assert from "node:assert/strict";
import { createUser, type User, userRecordKey, withProfilesMoved } from "../accounts/mod.ts";
import { createConversation } from "../conversations/mod.ts";
import { AppError } from "../errors.ts";
import type { SystemInfo } from "../shared/message.ts";
import { systemSentence } from "../shared/system_text.ts";
import { mentions } from "../shared/mentions.ts";
import { changeMessage } from "./changes.ts";
import { readHistory } from "./history_cache.ts";
import { commitMessages } from "./send.ts";
import { isSystem, systemRequest } from "./system.ts";

const person = (username: string, displayName: string): User => ({
  id: username,
  username,
  displayName,
});
const ann = person("ann", "Ann Lee");
const ben = person("ben", "Ben Ode");
const cat = person("cat", "Cat Rye");
const dan = person("dan", "Dan Fox");
const eve = person("eve", "Eve Kim");

Deno.test("systemSentence() says what happened in plain English", () => {
  const say = (info: Omit<SystemInfo, "actor">) => systemSentence({ actor: ann, ...info });
  assert.equal(say({ event: "joined" }), "Ann Lee joined");
  assert.equal(say({ event: "left" }), "Ann Lee left");
  assert.equal(say({ event: "added", users: [ben] }), "Ann Lee added Ben Ode");
  assert.equal(say({ event: "added", users: [ben, cat] }), "Ann Lee added Ben Ode and Cat Rye");
  assert.equal(
    say({ event: "added", users: [ben, cat, dan] }),
    "Ann Lee added Ben Ode, Cat Rye and Dan Fox",
  );
  assert.equal(
    say({ event: "added", users: [ben, cat, dan, eve] }),
    "Ann Lee added Ben Ode, Cat Rye, Dan Fox and Eve Kim",
  );
  assert.equal(
    say({ event: "removed", users: [ben, cat, dan, eve, ann] }),
    "Ann Lee removed Ben Ode, Cat Rye, Dan Fox and 2 others",
  );
  assert.equal(say({ event: "renamed", title: "Launch" }), "Ann Lee renamed this to “Launch”");
  assert.equal(say({ event: "topic", topic: "Ship it" }), "Ann Lee set the topic: “Ship it”");
  assert.equal(say({ event: "topic", topic: "" }), "Ann Lee cleared the topic");
  assert.equal(say({ event: "created", title: "general" }), "Ann Lee created “general”");
  assert.equal(say({ event: "archived" }), "Ann Lee archived this channel");
  assert.equal(say({ event: "unarchived" }), "Ann Lee unarchived this channel");
  assert.equal(say({ event: "pinned" }), "Ann Lee pinned a message");
  assert.equal(say({ event: "unpinned" }), "Ann Lee unpinned a message");
});

Deno.test("systemSentence() mentions nobody, whatever the names and topic hold", () => {
  const text = systemSentence({
    event: "topic",
    actor: person("x", "@ben"),
    topic: "ask @ben or @cat",
  });
  assert.equal(mentions(text, "ben"), false);
  assert.equal(mentions(text, "cat"), false);
  assert.match(text, /＠ben/);
});

async function withStore(
  fn: (
    kv: Deno.Kv,
    people: { ann: User; ben: User; cat: User },
    conversationId: string,
  ) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  try {
    const [a, b, c] = await Promise.all(
      ["ann", "ben", "cat"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const { conversation } = await createConversation(kv, a, { others: [b] });
    await fn(kv, { ann: a, ben: b, cat: c }, conversation.id);
  } finally {
    kv.close();
  }
}

Deno.test("a system message is stored by whoever did it, named people resolved, in history too", async () => {
  await withStore(async (kv, { ann, ben, cat }, conversationId) => {
    // Cat takes no part, and the request says under which counter: a person's would be refused.
    const request = await systemRequest(kv, cat, conversationId, {
      event: "added",
      userIds: [ben.id, "gone"],
    });
    const [outcome] = await commitMessages(kv, [{ ...request, members: -1 }]);
    assert.ok("message" in outcome, "stored");
    const { message } = outcome;
    assert.equal(message.seq, 1);
    assert.equal(message.kind, "system");
    assert.equal(isSystem(message), true);
    assert.equal(message.content, `${cat.displayName} added ${ben.displayName} and Deleted user`);
    assert.deepEqual(message.system?.users?.map((u) => u.id), [ben.id, "gone"]);
    assert.equal(message.system?.actor.id, cat.id);
    assert.equal(message.formatted, null);

    const { page } = await readHistory(kv, conversationId, {});
    assert.equal(page.messages[0].system?.users?.[0].displayName, ben.displayName);
    assert.equal(page.messages[0].author.id, cat.id);

    // A person named in it is renamed (no route renames yet; a commit that does moves the
    // profiles' revision, as deletions do): the cached page is read again.
    const entry = await kv.get<Record<string, unknown>>(userRecordKey(ben.id));
    const rename = kv.atomic().set(userRecordKey(ben.id), {
      ...entry.value,
      displayName: "Benedict",
    });
    await withProfilesMoved(rename).commit();
    const again = await readHistory(kv, conversationId, {});
    assert.equal(again.page.messages[0].system?.users?.[0].displayName, "Benedict");

    // Nobody edits, deletes or reacts to it, its author included (409 system_message).
    for (
      const change of [
        { kind: "edit", content: "x" },
        { kind: "delete" },
        { kind: "react", emoji: "🎉", on: true },
      ] as const
    ) {
      await assert.rejects(
        changeMessage(kv, ann, { conversationId, seq: 1 }, change),
        (err) => err instanceof AppError && err.status === 409 && err.code === "system_message",
      );
    }
  });
});
