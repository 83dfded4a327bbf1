/**
 * The engine on a store (no server): messages not yet indexed are found by the same rules as
 * indexed ones (filters included), and a query that runs out of reads says so.
 */
import assert from "node:assert/strict";
import { createConversation } from "../conversations/mod.ts";
import { createUser } from "../accounts/mod.ts";
import { commitMessages, type SendRequest } from "../messages/mod.ts";
import { searchCursorKey } from "../storage/mod.ts";
import { commitAndIndex } from "./test_fixtures.ts";
import { searchPage } from "./mod.ts";

const CONTENTS = [
  "deploy the release plans today",
  "release notes: see https://example.com/notes",
  "deploy failed, late night again",
  "spec for the deploy attached",
  "plans for the release party",
  "no links here: example.com is not one",
];
const QUERIES = [
  "deploy",
  '"release plans"',
  "release -party",
  'deploy -"late night"',
  "from:ben",
  "from:ann deploy",
  "has:link",
  "has:file",
  "has:file from:ben",
  "rele has:link",
  "after:2000-01-01",
];

Deno.test("messages not yet indexed match like indexed ones: words, phrases, exclusions, filters", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    const open = async (title: string) =>
      (await createConversation(kv, ann, { others: [ben], title })).conversation.id;
    const indexed = await open("indexed");
    const tail = await open("tail");
    const requests = (conversationId: string): SendRequest[] =>
      CONTENTS.map((content, i) => ({
        author: i % 2 ? ben : ann,
        conversationId,
        content,
        attachments: content.startsWith("spec")
          ? [{ id: "f1", name: "spec.txt", size: 4, contentType: "text/plain" }]
          : undefined,
      }));
    for (const r of requests(indexed)) await commitAndIndex(kv, [r]);
    for (const r of requests(tail)) await commitMessages(kv, [r]);
    assert.equal((await kv.get(searchCursorKey(tail))).value, null, "the tail is not indexed");
    for (const q of QUERIES) {
      const seqs = async (title: string) =>
        (await searchPage(kv, ann.id, `${q} in:${title}`, { limit: 50 })).results
          .map((r) => r.message.seq);
      const fromIndex = await seqs("indexed");
      assert.ok(fromIndex.length > 0, `${q} finds something`);
      assert.deepEqual(await seqs("tail"), fromIndex, q);
    }
  } finally {
    kv.close();
  }
});

Deno.test("a query out of reads answers partial, with a cursor to go on from", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(
        (await createConversation(kv, ann, { others: [ben], title: `c${i}` })).conversation.id,
      );
    }
    for (let k = 0; k < 60; k++) {
      await commitAndIndex(
        kv,
        ids.map((conversationId) => ({ author: ben, conversationId, content: `deploy ${k}` })),
      );
    }
    const whole = await searchPage(kv, ann.id, "deploy", { limit: 5 });
    assert.equal(whole.partial, false);
    const cut = await searchPage(kv, ann.id, "deploy", { limit: 5, maxReads: 40 });
    assert.equal(cut.partial, true);
    const walk = await searchPage(kv, ann.id, "from:ben -nothing", { limit: 5, maxReads: 30 });
    assert.equal(walk.partial, true);
  } finally {
    kv.close();
  }
});

/** `kv` with its reads counted (keys got, entries listed, and one per range read). */
function counting(kv: Deno.Kv): { kv: Deno.Kv; reads: () => number; reset: () => void } {
  let n = 0;
  const counted = new Proxy(kv, {
    get(target, prop) {
      if (prop === "get") return (k: Deno.KvKey) => (n++, target.get(k));
      if (prop === "getMany") return (ks: Deno.KvKey[]) => (n += ks.length, target.getMany(ks));
      if (prop === "list") {
        return (selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
          n++;
          const entries = target.list(selector, options);
          return (async function* () {
            for await (const e of entries) n++, yield e;
          })();
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: counted, reads: () => n, reset: () => n = 0 };
}

Deno.test("a page deep in a long history costs the reads of an early one, not of the depth", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const ann = await createUser(kv, { username: "ann", password: "correct horse battery" });
    const ben = await createUser(kv, { username: "ben", password: "correct horse battery" });
    const id =
      (await createConversation(kv, ann, { others: [ben], title: "long" })).conversation.id;
    // One message a commit (as people write them): one posting per message and word.
    for (let k = 0; k < 2400; k++) {
      await commitAndIndex(kv, [{
        author: k % 2 ? ben : ann,
        conversationId: id,
        content: `status update ${k}${k % 10 === 3 ? " https://example.com" : ""}`,
      }]);
    }
    const { kv: counted, reads, reset } = counting(kv);
    for (const q of ["status", "from:ben", "update has:link", "in:long"]) {
      const costs: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        reset();
        const page = await searchPage(counted, ann.id, q, { limit: 20, cursor });
        assert.equal(page.partial, false, q);
        costs.push(reads());
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 12);
      // Past the first (its probes), every page costs about the same: no growth with depth.
      const later = costs.slice(1);
      assert.ok(Math.max(...later) <= 1.5 * Math.min(...later) + 50, `${q}: ${costs}`);
      assert.ok(Math.max(...costs) < 500, `${q}: ${costs}`);
    }
  } finally {
    kv.close();
  }
});
