import assert from "node:assert/strict";
import { createConversation } from "../conversations/mod.ts";
import { changeMessage, commitMessages } from "../messages/mod.ts";
// Through mod.ts, which installs the index into the message write path (sends and edits).
import "./mod.ts";
import { filterToken, filterTokensOf, hasLink, messageTokens, tokenize } from "./index.ts";
import { indexPending } from "./indexer.ts";
import { createUser } from "../accounts/mod.ts";
import { commitAndIndex, postings } from "./test_fixtures.ts";

const file = { id: "f1", name: "plan.pdf", size: 10, contentType: "application/pdf" };

Deno.test("hasLink: http(s) links anywhere in the text, markdown links too; nothing else", () => {
  for (
    const text of [
      "see https://example.com",
      "HTTP://EXAMPLE.COM/a",
      "[the plan](https://docs.example/plan)",
      "(http://x.y)",
      "ipv6 http://[::1]:8080/",
      "http://例え.jp",
    ]
  ) assert.ok(hasLink(text), text);
  for (
    const text of ["https://", "http:// spaced", "ftp://example.com", "example.com", "xhttps://a.b"]
  ) assert.ok(!hasLink(text), text);
});

Deno.test("filter tokens cannot be words: no text tokenizes to one, and they sort before all words", () => {
  const tokens = [filterToken.from("01ABC"), filterToken.file, filterToken.link];
  for (const t of tokens) assert.ok(t.startsWith("\u0001"));
  assert.deepEqual(tokenize("\u0001has:link \u0001from:x has:link from:x"), [
    "has",
    "link",
    "from",
    "x",
  ]);
  assert.ok(tokens.every((t) => [t, "0", "a"].sort()[0] === t));
});

Deno.test("filterTokensOf / messageTokens: author, file and link; none for system or deleted messages", () => {
  const base = { authorId: "u1", content: "ship https://x.io" };
  assert.deepEqual(filterTokensOf(base), [filterToken.from("u1"), filterToken.link]);
  assert.deepEqual(filterTokensOf({ ...base, content: "no link", attachments: [file] }), [
    filterToken.from("u1"),
    filterToken.file,
  ]);
  assert.deepEqual(filterTokensOf({ ...base, attachments: [] }), [
    filterToken.from("u1"),
    filterToken.link,
  ]);
  assert.deepEqual(messageTokens({ ...base, kind: "system" }), []);
  assert.deepEqual(messageTokens({ ...base, deletedAt: "2026-01-01T00:00:00Z" }), []);
  assert.deepEqual(messageTokens(base), [
    "ship",
    "https",
    "x",
    "io",
    filterToken.from("u1"),
    filterToken.link,
  ]);
});

Deno.test("filter postings are written with the words and moved by edits and deletes", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const [ann, ben] = await Promise.all(
      ["ann", "ben"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const { conversation } = await createConversation(kv, ann, { others: [ben] });
    const id = conversation.id;
    const filters = async () =>
      Object.fromEntries(
        Object.entries(await postings(kv, id)).filter(([t]) => t.startsWith("\u0001")),
      );
    await commitAndIndex(kv, [
      { author: ann, conversationId: id, content: "read https://example.com/a" },
      { author: ben, conversationId: id, content: "plain words" },
      { author: ann, conversationId: id, content: "the plan", attachments: [file] },
      { author: ann, conversationId: id, content: "both http://x.y", attachments: [file] },
    ]);
    // One posting per token and commit, like words.
    assert.deepEqual(await filters(), {
      [filterToken.from(ann.id)]: [[1, 3, 4]],
      [filterToken.from(ben.id)]: [[2]],
      [filterToken.file]: [[3, 4]],
      [filterToken.link]: [[1, 4]],
    });
    const at = (seq: number) => ({ conversationId: id, seq });
    // An edit that drops the link drops has:link; one that adds a link adds it.
    await changeMessage(kv, ann, at(1), { kind: "edit", content: "read it later" });
    await changeMessage(kv, ben, at(2), { kind: "edit", content: "now https://example.org" });
    assert.deepEqual(await filters(), {
      [filterToken.from(ann.id)]: [[1, 3, 4]],
      [filterToken.from(ben.id)]: [[2]],
      [filterToken.file]: [[3, 4]],
      // Seq 4 stays in the posting keyed 1; seq 2 went into a new one keyed at its seq.
      [filterToken.link]: [[4], [2]],
    });
    // A delete takes every filter out (its attachments are gone, it is no one's words).
    await changeMessage(kv, ann, at(4), { kind: "delete" });
    await changeMessage(kv, ann, at(3), { kind: "edit", content: "the plan, again" });
    assert.deepEqual(await filters(), {
      [filterToken.from(ann.id)]: [[1, 3]],
      [filterToken.from(ben.id)]: [[2]],
      [filterToken.file]: [[3]],
      [filterToken.link]: [[2]],
    });
  } finally {
    kv.close();
  }
});

Deno.test("a message edited or deleted before it is indexed gets the filters of its final text", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const [ann, ben] = await Promise.all(
      ["ann", "ben"].map((username) =>
        createUser(kv, { username, password: "correct horse battery" })
      ),
    );
    const { conversation } = await createConversation(kv, ann, { others: [ben] });
    const id = conversation.id;
    await commitMessages(kv, [
      { author: ann, conversationId: id, content: "https://a.example" },
      { author: ben, conversationId: id, content: "https://b.example" },
    ]);
    await changeMessage(kv, ann, { conversationId: id, seq: 1 }, { kind: "edit", content: "gone" });
    await changeMessage(kv, ben, { conversationId: id, seq: 2 }, { kind: "delete" });
    await indexPending(kv, id);
    const all = await postings(kv, id);
    assert.deepEqual(all[filterToken.from(ann.id)], [[1]]);
    assert.equal(all[filterToken.from(ben.id)], undefined, "the deleted message has none");
    assert.equal(all[filterToken.link], undefined);
  } finally {
    kv.close();
  }
});
